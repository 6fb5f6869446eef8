/* elfcheck.c on real trees: /bin/true and the libraries `ldd /bin/true` lists, copied from
 * this machine to the same paths in a temp tree (the interpreter behind an absolute symlink,
 * so that it only resolves inside the tree), with an ld.so.cache made by `ldconfig -r`.
 * Then one change at a time: libraries removed, truncated, corrupted in every header field
 * that is read, RUNPATH/RPATH with $ORIGIN, a library that relies on its program having
 * loaded its dependency, ld.so.conf includes, ld.so.cache formats, a mount inside the tree.
 * Where the machine's own ld.so can run a test binary, it is asked too, so that the
 * expectations are ld.so's and not ours. Test programs are built with cc; without cc
 * those checks are skipped. */
#include <elf.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "elfcheck.h"
#include "unit.h"
#include "util.h"

/* snprintf() into an array, that must fit. */
#define FMT(buf, ...)                                                                   \
        do {                                                                            \
                if ((size_t) snprintf(buf, sizeof(buf), __VA_ARGS__) >= sizeof(buf))    \
                        abort();                                                        \
        } while (0)

/* A TAP skip ("ok N - what # skip why"), which tests/run-tests counts as skipped. */
#define SKIP(what, why) unit_check(1, what " # skip " why, __FILE__, __LINE__)

static char tmpdir[] = "/tmp/test_elfcheck.XXXXXX";
static char root[PATH_MAX];     /* the tree */
static char build[PATH_MAX];    /* sources and objects, outside the tree */
static char interp[PATH_MAX];   /* e.g. /lib64/ld-linux-x86-64.so.2 */
static char interp_real[PATH_MAX];      /* where the symlink points, inside the tree */
static char libc_path[PATH_MAX];        /* e.g. /lib/x86_64-linux-gnu/libc.so.6 */
static bool have_cc;

/* ---- helpers ---- */

struct problem {
        char *path, *text;
};

static struct problem *problems;
static size_t n_problems;

/* The first few problems of a check are shown, escaped: corrupt names are any bytes. */
#define SHOWN_PROBLEMS 12

static void print_escaped(const char *s)
{
        for (; *s; s++)
                if (*s >= 0x20 && *s < 0x7f)
                        putchar(*s);
                else
                        printf("\\x%02x", (unsigned char) *s);
}

static void collect(void *userdata, const char *path, const char *problem)
{
        (void) userdata;
        problems = realloc(problems, (n_problems + 1) * sizeof(*problems));
        if (!problems)
                abort();
        problems[n_problems].path = strdup(path);
        problems[n_problems].text = strdup(problem);
        n_problems++;
        if (n_problems <= SHOWN_PROBLEMS) {
                printf("#   ");
                print_escaped(path);
                printf(": ");
                print_escaped(problem);
                printf("\n");
        }
}

static void clear_problems(void)
{
        for (size_t i = 0; i < n_problems; i++) {
                free(problems[i].path);
                free(problems[i].text);
        }
        n_problems = 0;
}

/* Checks the tree; the problems are in problems[]. */
static int check(const char *what, size_t *n_checked)
{
        size_t n = 0;
        clear_problems();
        printf("# check: %s\n", what);
        int r = elf_check_tree(root, collect, NULL, &n);
        printf("#   -> %d, %zu ELF files, %zu problems\n", r, n, n_problems);
        if (n_checked)
                *n_checked = n;
        return r;
}

static bool has_problem(const char *path, const char *needle)
{
        for (size_t i = 0; i < n_problems; i++)
                if (strcmp(problems[i].path, path) == 0 && strstr(problems[i].text, needle))
                        return true;
        return false;
}

static size_t problems_of(const char *path)
{
        size_t n = 0;
        for (size_t i = 0; i < n_problems; i++)
                n += strcmp(problems[i].path, path) == 0;
        return n;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
        char cmd[8192];
        va_list ap;

        va_start(ap, fmt);
        int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= sizeof(cmd))
                return -1;
        int status = system(cmd);
        if (status < 0 || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

/* root + path (path absolute inside the tree). */
static const char *in_tree(const char *path)
{
        static char buf[4][PATH_MAX];
        static int k;
        k = (k + 1) % 4;
        FMT(buf[k], "%s%s", root, path);
        return buf[k];
}

static unsigned char *slurp(const char *path, size_t *len)
{
        char *buf = NULL;
        if (read_file(path, 64u << 20, &buf, len) < 0)
                return NULL;
        return (unsigned char *) buf;
}

static bool spew(const char *path, const void *buf, size_t len)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        return fd >= 0 && write_all(fd, buf, len) == 0;
}

/* Compiles src (C source text) with cc ARGS into the tree path out. */
static bool cc(const char *src, const char *out, const char *args)
{
        char c_path[PATH_MAX];
        static int n;

        FMT(c_path, "%s/src%d.c", build, n++);
        if (write_file(c_path, src, 0644) < 0)
                return false;
        return sh("mkdir -p \"$(dirname '%s')\" && cc -o '%s' '%s' %s", in_tree(out), in_tree(out), c_path,
                  args) == 0;
}

/* ---- the healthy tree ---- */

static bool copy_into_tree(const char *host_path, const char *tree_path)
{
        return sh("mkdir -p \"$(dirname '%s')\" && cp -L '%s' '%s'", in_tree(tree_path), host_path,
                  in_tree(tree_path)) == 0;
}

/* /bin/true, its libraries, its interpreter: paths from `ldd /bin/true`. */
static bool build_tree(void)
{
        FILE *f = popen("ldd /bin/true", "r");
        char line[PATH_MAX + 128];
        /* /bin/sh tells elf_check_tree() the tree's class, machine and interpreter. */
        bool ok = f && copy_into_tree("/bin/true", "/bin/true") && symlink("true", in_tree("/bin/sh")) == 0;

        while (ok && f && fgets(line, sizeof(line), f)) {
                char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
                int k = sscanf(line, " %4095s %4095s %4095s", a, b, c);
                if (k == 3 && strcmp(b, "=>") == 0 && c[0] == '/') {
                        ok = copy_into_tree(c, c);
                        if (strstr(c, "/libc.so"))
                                FMT(libc_path, "%s", c);
                } else if (k >= 1 && a[0] == '/') {
                        /* The interpreter: the file at /opt/ld, an absolute symlink to it. */
                        const char *base = strrchr(a, '/') + 1;
                        FMT(interp, "%s", a);
                        FMT(interp_real, "/opt/ld/%s", base);
                        ok = copy_into_tree(a, interp_real) &&
                             sh("mkdir -p \"$(dirname '%s')\" && ln -s '%s' '%s'", in_tree(a), interp_real,
                                in_tree(a)) == 0;
                }
        }
        if (f)
                pclose(f);
        if (!ok || !interp[0] || !libc_path[0])
                return false;
        return sh("mkdir -p '%s/etc/ld.so.conf.d' '%s/var/cache/ldconfig'", root, root) == 0 &&
               write_file(in_tree("/etc/ld.so.conf"), "include /etc/ld.so.conf.d/*.conf\n", 0644) == 0 &&
               sh("PATH=\"$PATH:/sbin:/usr/sbin\" ldconfig -r '%s'", root) == 0;
}

/* ---- the tests ---- */

static void test_errors(void)
{
        size_t n = 99;
        CHECK(elf_check_tree("/nonexistent/elfcheck", collect, NULL, &n) == -ENOENT);
        CHECK(n == 0);
        CHECK(elf_check_tree("/etc/passwd", collect, NULL, NULL) == -ENOTDIR);
}

static size_t test_healthy(void)
{
        size_t n = 0;

        CHECK(access(in_tree("/etc/ld.so.cache"), F_OK) == 0);
        CHECK(check("healthy tree", &n) == 0);
        CHECK(n_problems == 0);
        CHECK(n >= 3);
        /* No callback, no count: still fine. */
        CHECK(elf_check_tree(root, NULL, NULL, NULL) == 0);
        return n;
}

static void test_not_checked(size_t n0)
{
        size_t n = 0;

        /* Text, empty, too short for anything, ELF magic only, foreign ELF files. */
        CHECK(write_file(in_tree("/etc/motd"), "Welcome to the rescue system\n", 0644) == 0);
        CHECK(write_file(in_tree("/etc/empty"), "", 0644) == 0);
        CHECK(write_file(in_tree("/etc/elf3"), "\x7f" "EL", 0644) == 0);
        CHECK(sh("mkdir -p '%s/usr/lib/modules' '%s/lib/firmware'", root, root) == 0);
        /* Kernel modules and firmware are skipped, like ReaR's check does. */
        CHECK(sh("head -c 100 '%s' > '%s/usr/lib/modules/broken.ko'", in_tree("/bin/true"), root) == 0);
        CHECK(sh("head -c 100 '%s' > '%s/lib/firmware/broken.bin'", in_tree("/bin/true"), root) == 0);
        /* So are syslinux's COM32 modules, wherever they are. */
        CHECK(sh("head -c 100 '%s' > '%s/usr/lib/menu.c32'", in_tree("/bin/true"), root) == 0);
        /* Symlinks are not followed: to a directory (a loop), to a file, dangling. */
        CHECK(symlink("/", in_tree("/loop")) == 0);
        CHECK(symlink("..", in_tree("/bin/up")) == 0);
        CHECK(symlink("/bin/true", in_tree("/bin/true2")) == 0);
        CHECK(symlink("/nonexistent", in_tree("/bin/dangling")) == 0);
        /* A static program, when there is one. */
        bool busybox = access("/bin/busybox", R_OK) == 0 && sh("ldd /bin/busybox >/dev/null 2>&1") != 0;
        if (busybox)
                CHECK(copy_into_tree("/bin/busybox", "/bin/busybox"));
        else
                SKIP("a static program", "(no static /bin/busybox)");

        CHECK(check("text files, foreign files, symlinks, a static program", &n) == 0);
        CHECK(n_problems == 0);
        CHECK(n == n0 + busybox);
}

static void test_missing_libc(void)
{
        char saved[PATH_MAX];

        FMT(saved, "%s/libc.saved", build);
        CHECK(rename(in_tree(libc_path), saved) == 0);
        CHECK(check("libc removed", NULL) == 0);
        CHECK(has_problem("/bin/true", "libc.so.6 not found"));
        CHECK(problems_of("/bin/true") == 1);
        CHECK(rename(saved, in_tree(libc_path)) == 0);
}

static void test_truncated_libc(void)
{
        char saved[PATH_MAX];

        FMT(saved, "%s/libc.saved", build);
        CHECK(rename(in_tree(libc_path), saved) == 0);
        CHECK(sh("head -c 100 '%s' > '%s'", saved, in_tree(libc_path)) == 0);
        CHECK(check("libc truncated to 100 bytes", NULL) == 0);
        CHECK(has_problem("/bin/true", "libc.so.6: not a valid ELF file"));
        CHECK(has_problem(libc_path, "not a valid ELF file (truncated)"));
        /* Truncated later: a PT_LOAD segment ends beyond the end of the file. */
        CHECK(sh("head -c 300000 '%s' > '%s'", saved, in_tree(libc_path)) == 0);
        CHECK(check("libc truncated to 300000 bytes", NULL) == 0);
        CHECK(has_problem("/bin/true", "libc.so.6: not a valid ELF file"));
        CHECK(has_problem(libc_path, "not a valid ELF file (truncated)"));
        CHECK(rename(saved, in_tree(libc_path)) == 0);
}

static void test_missing_interpreter(void)
{
        char saved[PATH_MAX], want[PATH_MAX + 64];

        FMT(saved, "%s/ld.saved", build);
        FMT(want, "interpreter %s not found", interp);
        /* The host has the symlink's target path outside the tree: it must not count. */
        CHECK(rename(in_tree(interp_real), saved) == 0);
        CHECK(check("interpreter removed", NULL) == 0);
        CHECK(has_problem("/bin/true", want));
        CHECK(rename(saved, in_tree(interp_real)) == 0);
        CHECK(check("interpreter back", NULL) == 0);
        CHECK(n_problems == 0);
}

/* Fixed-seed xorshift: the same corruptions every run. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
        rnd_state ^= rnd_state << 13;
        rnd_state ^= rnd_state >> 7;
        rnd_state ^= rnd_state << 17;
        return rnd_state;
}

/* File offset of the first program header of a type in a 64-bit ELF image, or 0. */
static size_t find_phdr(const unsigned char *buf, size_t len, uint32_t type)
{
        Elf64_Ehdr e;
        memcpy(&e, buf, sizeof(e));
        for (size_t i = 0; i < e.e_phnum; i++) {
                size_t off = e.e_phoff + i * sizeof(Elf64_Phdr);
                Elf64_Phdr p;
                if (off + sizeof(p) > len)
                        return 0;
                memcpy(&p, buf + off, sizeof(p));
                if (p.p_type == type)
                        return off;
        }
        return 0;
}

/* File offset of the first dynamic entry with a tag, or 0. */
static size_t find_dyn(const unsigned char *buf, size_t len, int64_t tag)
{
        size_t ph = find_phdr(buf, len, PT_DYNAMIC);
        if (!ph)
                return 0;
        Elf64_Phdr p;
        memcpy(&p, buf + ph, sizeof(p));
        for (size_t off = p.p_offset; off + sizeof(Elf64_Dyn) <= len && off < p.p_offset + p.p_filesz;
             off += sizeof(Elf64_Dyn)) {
                Elf64_Dyn d;
                memcpy(&d, buf + off, sizeof(d));
                if (d.d_tag == tag)
                        return off;
                if (d.d_tag == DT_NULL)
                        break;
        }
        return 0;
}

static void put64(unsigned char *buf, size_t off, uint64_t v)
{
        memcpy(buf + off, &v, sizeof(v));
}

static void test_corrupt(void)
{
        size_t len;
        _cleanup_free_ unsigned char *orig = slurp(in_tree("/bin/true"), &len);
        if (!CHECK(orig && len > 4096 && orig[EI_CLASS] == ELFCLASS64))
                return;
        _cleanup_free_ unsigned char *buf = malloc(len);
        if (!CHECK(buf))
                return;
        CHECK(mkdir(in_tree("/corrupt"), 0755) == 0);

        /* Truncated at every interesting length. */
        static const size_t cuts[] = { 0, 1, 3, 4, 10, 16, 20, 52, 63, 64, 65, 100, 119, 120, 200, 1000, 4095, 4096 };
        char path[PATH_MAX];
        for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
                FMT(path, "/corrupt/cut%zu", cuts[i]);
                CHECK(spew(in_tree(path), orig, cuts[i]));
        }
        FMT(path, "/corrupt/cut%zu", len / 2);
        CHECK(spew(in_tree(path), orig, len / 2));

        /* One header field at a time. */
        struct {
                const char *name, *reason;
                size_t off;
                uint64_t value;
                int width;
        } fields[] = {
                { "class", "bad ELF header", EI_CLASS, 9, 1 },
                { "data", "bad ELF header", EI_DATA, 0, 1 },
                { "version", "bad ELF header", offsetof(Elf64_Ehdr, e_version), 7, 4 },
                { "phoff", "truncated", offsetof(Elf64_Ehdr, e_phoff), 0x7fffffffffff0000ULL, 8 },
                { "phentsize", "bad program headers", offsetof(Elf64_Ehdr, e_phentsize), 20, 2 },
                { "phnum", "truncated", offsetof(Elf64_Ehdr, e_phnum), 0xffff, 2 },
                { "phnum0", "bad program headers", offsetof(Elf64_Ehdr, e_phnum), 0, 2 },
                { "interp", "bad PT_INTERP", find_phdr(orig, len, PT_INTERP) + offsetof(Elf64_Phdr, p_filesz), 5000, 8 },
                { "interp-off", "truncated", find_phdr(orig, len, PT_INTERP) + offsetof(Elf64_Phdr, p_offset), len, 8 },
                { "load", "truncated", find_phdr(orig, len, PT_LOAD) + offsetof(Elf64_Phdr, p_filesz), 2 * len, 8 },
                { "dynamic", "truncated", find_phdr(orig, len, PT_DYNAMIC) + offsetof(Elf64_Phdr, p_offset), len + 100, 8 },
                { "strtab", "bad dynamic section", find_dyn(orig, len, DT_STRTAB) + offsetof(Elf64_Dyn, d_un), 0x7ffff0000000ULL, 8 },
                { "needed", "bad dynamic string table", find_dyn(orig, len, DT_NEEDED) + offsetof(Elf64_Dyn, d_un), 0x7fffffff, 8 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                memcpy(buf, orig, len);
                if (fields[i].width == 1)
                        buf[fields[i].off] = (unsigned char) fields[i].value;
                else if (fields[i].width == 2) {
                        uint16_t v = (uint16_t) fields[i].value;
                        memcpy(buf + fields[i].off, &v, 2);
                } else if (fields[i].width == 4) {
                        uint32_t v = (uint32_t) fields[i].value;
                        memcpy(buf + fields[i].off, &v, 4);
                } else
                        put64(buf, fields[i].off, fields[i].value);
                FMT(path, "/corrupt/%s", fields[i].name);
                CHECK(spew(in_tree(path), buf, len));
        }

        /* Random damage to the headers, the dynamic section and its strings. */
        size_t dyn_ph = find_phdr(orig, len, PT_DYNAMIC);
        Elf64_Phdr dyn = {};
        if (dyn_ph)
                memcpy(&dyn, orig + dyn_ph, sizeof(dyn));
        for (int i = 0; i < 400; i++) {
                memcpy(buf, orig, len);
                int k = 1 + (int) (rnd() % 8);
                for (int j = 0; j < k; j++) {
                        size_t at;
                        if (j % 2 == 0 || !dyn.p_filesz)
                                at = rnd() % 4096;
                        else
                                at = dyn.p_offset + rnd() % dyn.p_filesz;
                        if (at < len)
                                buf[at] = (unsigned char) rnd();
                }
                size_t l = i % 5 == 0 ? rnd() % len : len;
                FMT(path, "/corrupt/random%03d", i);
                CHECK(spew(in_tree(path), buf, l));
        }

        CHECK(check("corrupt copies of /bin/true", NULL) == 0);
        for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
                FMT(path, "/corrupt/cut%zu", cuts[i]);
                if (cuts[i] < 4)
                        CHECK(problems_of(path) == 0);  /* no ELF magic */
                else
                        CHECK(has_problem(path, "not a valid ELF file (truncated)"));
        }
        FMT(path, "/corrupt/cut%zu", len / 2);
        CHECK(has_problem(path, "not a valid ELF file (truncated)"));
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
                char want[128];
                FMT(path, "/corrupt/%s", fields[i].name);
                FMT(want, "not a valid ELF file (%s)", fields[i].reason);
                CHECK(has_problem(path, want));
        }
        CHECK(problems_of("/bin/true") == 0);
        CHECK(sh("rm -rf '%s/corrupt'", root) == 0);
}

static void test_runpath(void)
{
        static const char lib_c[] = "int tiny(void) { return 42; }\n";
        static const char app_c[] = "int tiny(void);\nint main(void) { return tiny() == 42 ? 0 : 1; }\n";
        char args[PATH_MAX * 2];

        if (!have_cc) {
                SKIP("RUNPATH checks", "(no cc)");
                return;
        }
        CHECK(cc(lib_c, "/opt/app/lib/libtiny.so", "-shared -fPIC"));
        FMT(args, "-L'%s/opt/app/lib' -ltiny -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib'", root);
        CHECK(cc(app_c, "/opt/app/bin/app", args));
        FMT(args, "-L'%s/opt/app/lib' -ltiny -Wl,--disable-new-dtags,-rpath,'$ORIGIN/../lib'", root);
        CHECK(cc(app_c, "/opt/app/bin/app-rpath", args));
        FMT(args, "-L'%s/opt/app/lib' -ltiny -Wl,--enable-new-dtags,-rpath,'${ORIGIN}/../lib'", root);
        CHECK(cc(app_c, "/opt/app/sbin/app-braces", args));
        /* The machine's ld.so agrees that these run. */
        CHECK(sh("'%s/opt/app/bin/app' && '%s/opt/app/bin/app-rpath'", root, root) == 0);

        CHECK(check("RUNPATH/RPATH $ORIGIN/../lib", NULL) == 0);
        CHECK(n_problems == 0);

        /* ld.so passes over libraries of another class or machine in a search directory. */
        size_t len;
        _cleanup_free_ unsigned char *lib = slurp(in_tree("/opt/app/lib/libtiny.so"), &len);
        if (CHECK(lib && len > sizeof(Elf64_Ehdr))) {
                CHECK(sh("mkdir -p '%s/opt/app/lib32' '%s/opt/app/libarm' '%s/opt/app/libbad'", root, root, root) == 0);
                lib[EI_CLASS] = ELFCLASS32;
                CHECK(spew(in_tree("/opt/app/lib32/libtiny.so"), lib, len));
                lib[EI_CLASS] = ELFCLASS64;
                uint16_t machine, arm = EM_AARCH64;
                memcpy(&machine, lib + offsetof(Elf64_Ehdr, e_machine), sizeof(machine));
                memcpy(lib + offsetof(Elf64_Ehdr, e_machine), &arm, sizeof(arm));
                CHECK(spew(in_tree("/opt/app/libarm/libtiny.so"), lib, len));
                memcpy(lib + offsetof(Elf64_Ehdr, e_machine), &machine, sizeof(machine));
                /* ... but a broken one ends the search with an error. */
                CHECK(spew(in_tree("/opt/app/libbad/libtiny.so"), lib, 100));
        }
        FMT(args,
                 "-L'%s/opt/app/lib' -ltiny -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../lib32:$ORIGIN/../libarm:$ORIGIN/../lib'",
                 root);
        CHECK(cc(app_c, "/opt/app/bin/app-decoys", args));
        FMT(args, "-L'%s/opt/app/lib' -ltiny -Wl,--enable-new-dtags,-rpath,'$ORIGIN/../libbad:$ORIGIN/../lib'",
                 root);
        CHECK(cc(app_c, "/opt/app/bin/app-bad", args));
        CHECK(sh("'%s/opt/app/bin/app-decoys'", root) == 0);
        CHECK(sh("'%s/opt/app/bin/app-bad' 2>/dev/null", root) != 0);

        CHECK(check("libraries of another class or machine, a broken one", NULL) == 0);
        CHECK(problems_of("/opt/app/bin/app-decoys") == 0);
        CHECK(problems_of("/opt/app/lib32/libtiny.so") == 0);
        CHECK(problems_of("/opt/app/libarm/libtiny.so") == 0);
        CHECK(has_problem("/opt/app/bin/app-bad", "libtiny.so: not a valid ELF file (/opt/app/bin/../libbad/libtiny.so: truncated)"));
        CHECK(has_problem("/opt/app/libbad/libtiny.so", "not a valid ELF file (truncated)"));
        CHECK(n_problems == 2);
        CHECK(sh("rm -rf '%s/opt/app/libbad' '%s/opt/app/bin/app-bad'", root, root) == 0);

        char saved[PATH_MAX];
        FMT(saved, "%s/libtiny.saved", build);
        CHECK(rename(in_tree("/opt/app/lib/libtiny.so"), saved) == 0);
        CHECK(check("libtiny.so removed", NULL) == 0);
        CHECK(has_problem("/opt/app/bin/app", "libtiny.so not found"));
        CHECK(has_problem("/opt/app/bin/app-rpath", "libtiny.so not found"));
        CHECK(has_problem("/opt/app/sbin/app-braces", "libtiny.so not found"));
        CHECK(has_problem("/opt/app/bin/app-decoys", "libtiny.so not found"));
        CHECK(n_problems == 4);
        CHECK(rename(saved, in_tree("/opt/app/lib/libtiny.so")) == 0);

        /* A DT_NEEDED with a '/' (the library's soname was a path) is that path in the tree. */
        CHECK(cc("int slash(void) { return 1; }\n", "/opt/slash/libslash.so",
                 "-shared -fPIC -Wl,-soname,/opt/slash/libslash.so"));
        FMT(args, "'%s/opt/slash/libslash.so'", root);
        CHECK(cc("int slash(void);\nint main(void) { return !slash(); }\n", "/opt/slash/useslash", args));
        CHECK(check("DT_NEEDED with a path", NULL) == 0);
        CHECK(n_problems == 0);
        CHECK(rename(in_tree("/opt/slash/libslash.so"), in_tree("/opt/slash/libslash.gone")) == 0);
        CHECK(check("DT_NEEDED with a path, gone", NULL) == 0);
        CHECK(has_problem("/opt/slash/useslash", "/opt/slash/libslash.so not found"));
        CHECK(sh("rm -rf '%s/opt/slash'", root) == 0);

        /* -z nodefaultlib (DF_1_NODEFLIB): no default directories, no cache entries in them, so no libc. */
        CHECK(cc("int main(void) { return 0; }\n", "/opt/app/bin/nodeflib", "-Wl,-z,nodefaultlib"));
        CHECK(sh("'%s/opt/app/bin/nodeflib' 2>/dev/null", root) != 0);
        CHECK(check("DF_1_NODEFLIB", NULL) == 0);
        CHECK(has_problem("/opt/app/bin/nodeflib", "libc.so.6 not found"));
        CHECK(n_problems == 1);
        CHECK(unlink(in_tree("/opt/app/bin/nodeflib")) == 0);
}

/* A .dynstr of more than 64 KiB is not read whole: its strings are read one by one. */
static void test_big_strtab(void)
{
        if (!have_cc) {
                SKIP("big string table checks", "(no cc)");
                return;
        }
        size_t size = 3000 * 128, used = 0;
        _cleanup_free_ char *src = malloc(size);
        if (!CHECK(src))
                return;
        /* Something from libc, for a DT_NEEDED. */
        used += (size_t) snprintf(src, size, "int puts(const char *);\nint say(void) { return puts(\"hi\"); }\n");
        for (int i = 0; i < 3000; i++)
                used += (size_t) snprintf(src + used, size - used,
                                          "int a_function_with_a_rather_long_name_%04d(void) { return %d; }\n", i, i);
        CHECK(cc(src, "/usr/lib/libbig.so", "-shared -fPIC"));

        size_t len;
        _cleanup_free_ unsigned char *lib = slurp(in_tree("/usr/lib/libbig.so"), &len);
        if (!CHECK(lib && len > 4096 && lib[EI_CLASS] == ELFCLASS64))
                return;
        size_t strsz = find_dyn(lib, len, DT_STRSZ), needed = find_dyn(lib, len, DT_NEEDED);
        if (!CHECK(strsz && needed))
                return;
        Elf64_Dyn d;
        memcpy(&d, lib + strsz, sizeof(d));
        CHECK(d.d_un.d_val > 64 * 1024);
        put64(lib, needed + offsetof(Elf64_Dyn, d_un), 0x7fffffff);
        CHECK(spew(in_tree("/usr/lib/libbig-broken.so"), lib, len));

        CHECK(check("a library with a big .dynstr", NULL) == 0);
        CHECK(problems_of("/usr/lib/libbig.so") == 0);
        CHECK(has_problem("/usr/lib/libbig-broken.so", "not a valid ELF file (bad dynamic string table)"));
        CHECK(n_problems == 1);
        CHECK(unlink(in_tree("/usr/lib/libbig.so")) == 0);
        CHECK(unlink(in_tree("/usr/lib/libbig-broken.so")) == 0);
}

/* A library that finds its dependency only because its program loaded it first: systemd's
 * libsystemd-core-252.so and libsystemd-shared-252.so in /usr/lib/x86_64-linux-gnu/systemd. */
static void test_loader_context(void)
{
        char args[PATH_MAX * 2];

        if (!have_cc) {
                SKIP("load simulation checks", "(no cc)");
                return;
        }
        CHECK(cc("int shared(void) { return 1; }\n", "/opt/priv/libshared.so", "-shared -fPIC -Wl,-soname,libshared.so"));
        FMT(args, "-shared -fPIC -Wl,-soname,libcore.so -L'%s/opt/priv' -lshared", root);
        CHECK(cc("int shared(void);\nint core(void) { return shared(); }\n", "/opt/priv/libcore.so", args));
        static const char both_c[] = "int core(void);\nint shared(void);\nint main(void) { return !(core() && shared()); }\n";
        static const char core_c[] = "int core(void);\nint main(void) { return !core(); }\n";
        /* The program loads both, finding them with its RUNPATH. */
        FMT(args,
                 "-Wl,--no-as-needed -L'%s/opt/priv' -lcore -lshared -Wl,--enable-new-dtags,-rpath,/opt/priv", root);
        CHECK(cc(both_c, "/usr/bin/prog-both", args));
        /* DT_RPATH of the program also serves the libraries it loads. */
        FMT(args,
                 "-Wl,--no-as-needed -L'%s/opt/priv' -Wl,-rpath-link,'%s/opt/priv' -lcore -Wl,--disable-new-dtags,-rpath,/opt/priv",
                 root, root);
        CHECK(cc(core_c, "/usr/bin/prog-rpath", args));
        CHECK(check("libcore.so needs libshared.so, found by its programs only", NULL) == 0);
        CHECK(n_problems == 0);

        /* DT_RUNPATH does not: libcore.so cannot find libshared.so. */
        FMT(args,
                 "-Wl,--no-as-needed -L'%s/opt/priv' -Wl,-rpath-link,'%s/opt/priv' -lcore -Wl,--enable-new-dtags,-rpath,/opt/priv",
                 root, root);
        CHECK(cc(core_c, "/usr/bin/prog-runpath", args));
        /* A plugin nobody loads is checked on its own, like `ldd plugin.so`. */
        FMT(args, "-shared -fPIC -L'%s/opt/priv' -lshared", root);
        CHECK(cc("int shared(void);\nint plug(void) { return shared(); }\n", "/usr/lib/plugins/plugin.so", args));
        CHECK(check("a program with RUNPATH and a plugin", NULL) == 0);
        CHECK(has_problem("/usr/bin/prog-runpath", "libshared.so not found (needed by /opt/priv/libcore.so)"));
        CHECK(has_problem("/usr/lib/plugins/plugin.so", "libshared.so not found"));
        CHECK(n_problems == 2);
        CHECK(sh("rm -rf '%s/opt/priv' '%s/usr/lib/plugins' '%s'/usr/bin/prog-*", root, root, root) == 0);
}

static void test_ld_so_conf(void)
{
        char args[PATH_MAX * 2];

        if (!have_cc) {
                SKIP("ld.so.conf checks", "(no cc)");
                return;
        }
        CHECK(cc("int conf(void) { return 1; }\n", "/opt/confdir/libconf.so", "-shared -fPIC -Wl,-soname,libconf.so"));
        FMT(args, "-L'%s/opt/confdir' -lconf", root);
        CHECK(cc("int conf(void);\nint main(void) { return !conf(); }\n", "/usr/bin/useconf", args));
        CHECK(check("library in a directory that nothing names", NULL) == 0);
        CHECK(has_problem("/usr/bin/useconf", "libconf.so not found"));

        /* A relative include is relative to the including file; an include loop ends. */
        CHECK(write_file(in_tree("/etc/ld.so.conf"), "# test\ninclude ld.so.conf.d/*.conf\n", 0644) == 0);
        CHECK(write_file(in_tree("/etc/ld.so.conf.d/test.conf"), "  /opt/confdir/  # trailing slash, comment\n", 0644) == 0);
        CHECK(write_file(in_tree("/etc/ld.so.conf.d/loop.conf"), "include /etc/ld.so.conf\nhwcap 0 nosegneg\n", 0644) == 0);
        CHECK(check("ld.so.conf.d/test.conf names it", NULL) == 0);
        CHECK(n_problems == 0);
        CHECK(write_file(in_tree("/etc/ld.so.conf"), "include /etc/ld.so.conf.d/*.conf\n", 0644) == 0);
        CHECK(unlink(in_tree("/etc/ld.so.conf.d/test.conf")) == 0);
        CHECK(unlink(in_tree("/etc/ld.so.conf.d/loop.conf")) == 0);
        CHECK(sh("rm -rf '%s/opt/confdir' '%s/usr/bin/useconf'", root, root) == 0);
}

static void put32(unsigned char *buf, size_t off, uint32_t v)
{
        memcpy(buf + off, &v, sizeof(v));
}

/* An ld.so.cache with one entry name -> path, in glibc's new format (after an empty
 * old-format one with old_prefix) or in the old format only. */
static size_t make_cache(unsigned char *buf, const char *name, const char *path, int format)
{
        size_t nl = strlen(name) + 1, pl = strlen(path) + 1;
        memset(buf, 0, 4096);
        if (format == 2) {
                memcpy(buf, "ld.so-1.7.0", 11);
                put32(buf, 12, 1);
                put32(buf, 16, 0x0303);                 /* flags */
                put32(buf, 20, 0);                      /* key: from the end of the entries */
                put32(buf, 24, (uint32_t) nl);          /* value */
                memcpy(buf + 28, name, nl);
                memcpy(buf + 28 + nl, path, pl);
                return 28 + nl + pl;
        }
        size_t base = format == 1 ? 16 : 0;             /* old header with nlibs = 0, aligned */
        if (format == 1)
                memcpy(buf, "ld.so-1.7.0", 11);
        unsigned char *n = buf + base;
        memcpy(n, "glibc-ld.so.cache1.1", 20);
        put32(n, 20, 1);                                /* nlibs */
        put32(n, 24, (uint32_t) (nl + pl));             /* len_strings */
        size_t strings = 48 + 24;                       /* relative to the new header */
        put32(n, 48, 0x0303);
        put32(n, 52, (uint32_t) strings);
        put32(n, 56, (uint32_t) (strings + nl));
        memcpy(n + strings, name, nl);
        memcpy(n + strings + nl, path, pl);
        return base + strings + nl + pl;
}

static void test_ld_so_cache(void)
{
        char args[PATH_MAX * 2], saved[PATH_MAX];
        unsigned char buf[4096];

        if (!have_cc) {
                SKIP("ld.so.cache checks", "(no cc)");
                return;
        }
        CHECK(cc("int cached(void) { return 1; }\n", "/opt/cachedir/libcached.so.1", "-shared -fPIC -Wl,-soname,libcached.so.1"));
        CHECK(symlink("libcached.so.1", in_tree("/opt/cachedir/libcached.so")) == 0);
        FMT(args, "-L'%s/opt/cachedir' -lcached", root);
        CHECK(cc("int cached(void);\nint main(void) { return !cached(); }\n", "/usr/bin/usecache", args));
        CHECK(unlink(in_tree("/opt/cachedir/libcached.so")) == 0);

        /* Only ldconfig knows the directory: it is in the cache, no longer in ld.so.conf. */
        CHECK(write_file(in_tree("/etc/ld.so.conf.d/cache.conf"), "/opt/cachedir\n", 0644) == 0);
        FMT(saved, "%s/ld.so.cache.saved", build);
        CHECK(sh("cp '%s' '%s' && PATH=\"$PATH:/sbin:/usr/sbin\" ldconfig -r '%s'", in_tree("/etc/ld.so.cache"), saved,
                 root) == 0);
        CHECK(unlink(in_tree("/etc/ld.so.conf.d/cache.conf")) == 0);
        CHECK(check("library known to ld.so.cache only (ldconfig)", NULL) == 0);
        CHECK(n_problems == 0);

        static const char *const formats[] = { "new format", "old + new format", "old format" };
        for (int f = 0; f < 3; f++) {
                size_t len = make_cache(buf, "libcached.so.1", "/opt/cachedir/libcached.so.1", f);
                CHECK(spew(in_tree("/etc/ld.so.cache"), buf, len));
                CHECK(check(formats[f], NULL) == 0);
                CHECK(n_problems == 0);
        }

        /* Broken caches count as empty: nothing else changes. */
        size_t len = make_cache(buf, "libcached.so.1", "/opt/cachedir/libcached.so.1", 0);
        struct {
                const char *what;
                size_t off, len;
                uint32_t value;
        } breaks[] = {
                { "nlibs too big", 20, len, 0x7fffffff },
                { "key out of range", 52, len, 0xfffffff0 },
                { "value out of range", 56, len, 4096 },
                { "truncated header", 0, 30, 0 },
                { "truncated strings", 0, len - 10, 0 },
        };
        for (size_t i = 0; i < ARRAY_SIZE(breaks); i++) {
                len = make_cache(buf, "libcached.so.1", "/opt/cachedir/libcached.so.1", 0);
                if (breaks[i].value)
                        put32(buf, breaks[i].off, breaks[i].value);
                CHECK(spew(in_tree("/etc/ld.so.cache"), buf, breaks[i].len));
                CHECK(check(breaks[i].what, NULL) == 0);
                CHECK(has_problem("/usr/bin/usecache", "libcached.so.1 not found"));
                CHECK(n_problems == 1);
        }
        for (int i = 0; i < 50; i++) {
                len = make_cache(buf, "libcached.so.1", "/opt/cachedir/libcached.so.1", i % 3);
                for (int j = 0; j < 4; j++)
                        buf[rnd() % len] = (unsigned char) rnd();
                CHECK(spew(in_tree("/etc/ld.so.cache"), buf, len));
                clear_problems();
                CHECK(elf_check_tree(root, NULL, NULL, NULL) == 0);
        }

        CHECK(rename(saved, in_tree("/etc/ld.so.cache")) == 0);
        CHECK(sh("rm -rf '%s/opt/cachedir' '%s/usr/bin/usecache'", root, root) == 0);
        CHECK(check("cache back", NULL) == 0);
        CHECK(n_problems == 0);
}

/* Without openat2() the tree must be the process's root: chroot'ed into it (as root), with
 * a seccomp filter that makes openat2() fail with ENOSYS as on a kernel before 5.6. */
static void test_no_openat2(void)
{
        pid_t pid = fork();
        if (pid == 0) {
                if (chroot(root) < 0 || chdir("/") < 0)
                        _exit(77);
                struct sock_filter insns[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                };
                struct sock_fprog prog = { .len = ARRAY_SIZE(insns), .filter = insns };
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
                        _exit(77);
                size_t n = 0;
                int r = elf_check_tree("/", collect, NULL, &n);
                printf("#   -> %d, %zu ELF files, %zu problems\n", r, n, n_problems);
                int r2 = elf_check_tree("/bin", NULL, NULL, NULL);
                fflush(stdout);
                _exit(r == 0 && n >= 3 && n_problems == 0 && r2 == -ENOSYS ? 0 : 1);
        }
        int status = 0;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
                SKIP("no openat2()", "(cannot chroot here)");
        else
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Another file system mounted in the tree is not entered (in a mount namespace of a child,
 * when this runs as root). */
static void test_other_fs(void)
{
        CHECK(mkdir(in_tree("/mnt"), 0755) == 0);
        pid_t pid = fork();
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("tmpfs", in_tree("/mnt"), "tmpfs", 0, NULL) < 0)
                        _exit(77);
                if (sh("head -c 100 '%s' > '%s/mnt/broken'", in_tree("/bin/true"), root) != 0)
                        _exit(2);
                size_t n = 0;
                int r = elf_check_tree(root, collect, NULL, &n);
                fflush(stdout);
                _exit(r == 0 && n_problems == 0 ? 0 : 1);
        }
        int status = 0;
        CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
                SKIP("another file system in the tree", "(cannot mount here)");
        else
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        CHECK(rmdir(in_tree("/mnt")) == 0);
}

int main(void)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (!mkdtemp(tmpdir)) {
                printf("not ok 1 - mkdtemp\n1..1\n");
                return 1;
        }
        FMT(root, "%s/root", tmpdir);
        FMT(build, "%s/build", tmpdir);
        have_cc = sh("cc --version >/dev/null 2>&1") == 0;

        test_errors();
        if (CHECK(mkdir(root, 0755) == 0 && mkdir(build, 0755) == 0 && build_tree())) {
                size_t n0 = test_healthy();
                test_not_checked(n0);
                test_missing_libc();
                test_truncated_libc();
                test_missing_interpreter();
                test_corrupt();
                test_runpath();
                test_big_strtab();
                test_loader_context();
                test_ld_so_conf();
                test_ld_so_cache();
                test_no_openat2();
                test_other_fs();
                CHECK(check("at the end", NULL) == 0);
                CHECK(n_problems == 0);
        }

        clear_problems();
        free(problems);
        sh("rm -rf '%s'", tmpdir);
        return unit_done();
}
