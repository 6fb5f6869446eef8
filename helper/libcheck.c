#include <fcntl.h>
#include <gelf.h>
#include <ftw.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "libcheck.h"
#include "util.h"

/* Loaders run at the same time: the machine's CPUs stay busy while each waits for its exec. */
#define PARALLEL 4
#define LIST_OUTPUT_MAX (256u << 10)
#define INTERP_MAX 256
#define KEY_MAX 4096

/* The helper's own ELF header (GNU ld): the class, byte order and machine of this machine. */
extern const ElfW(Ehdr) __ehdr_start;

struct elf_entry {
        char *path;
        char *interp;           /* PT_INTERP; NULL: a library */
        /* What the loader's answer depends on besides the tree: the interpreter, the needed
         * names, RPATH, RUNPATH and DT_FLAGS_1 (and the directory when $ORIGIN is used).
         * Files with the same key get the same answer: the loader runs once per key. */
        char *key;
        dev_t dev;
        ino_t ino;
        bool loaded;            /* some program's loader mapped it */
};

struct tree {
        dev_t root_dev;
        struct elf_entry *v;
        size_t n, cap;
        size_t checked;
        lib_problem_fn problem;
        void *userdata;
        int error;
};

/* nftw() has no user data. */
static struct tree *walking;

enum file_kind { ELF_SKIP, ELF_PROGRAM, ELF_LIBRARY, ELF_STATIC, ELF_BROKEN };

/* Kernel modules and firmware are none of ld.so's business, and most of a rescue tree;
 * syslinux links its *.c32 modules itself. */
static const char *const skipped_dirs[] = { "/lib/modules", "/usr/lib/modules", "/lib/firmware", "/usr/lib/firmware" };
static const char *const skipped_suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", ".c32" };

static bool has_suffix(const char *path, const char *suffix)
{
        size_t len = strlen(path), sl = strlen(suffix);
        return len > sl && strcmp(path + len - sl, suffix) == 0;
}

/* The dynamic entries that make the key, appended to key (libelf reads them). */
static bool dynamic_key(Elf *e, const char *path, char *key, size_t size)
{
        for (Elf_Scn *scn = NULL; (scn = elf_nextscn(e, scn));) {
                GElf_Shdr sh;
                Elf_Data *data;
                if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !(data = elf_getdata(scn, NULL)))
                        continue;
                bool origin = false;
                GElf_Dyn d;
                for (int i = 0; gelf_getdyn(data, i, &d) && d.d_tag != DT_NULL; i++) {
                        const char *str = d.d_tag == DT_NEEDED || d.d_tag == DT_RPATH || d.d_tag == DT_RUNPATH
                                ? elf_strptr(e, sh.sh_link, d.d_un.d_val) : NULL;
                        if ((d.d_tag == DT_NEEDED || d.d_tag == DT_RPATH || d.d_tag == DT_RUNPATH) && !str)
                                return false;
                        if (str)
                                origin |= d.d_tag != DT_NEEDED && strstr(str, "ORIGIN") != NULL;
                        if (str || d.d_tag == DT_FLAGS_1)
                                snprintf(key + strlen(key), size - strlen(key), "%ld:%s ", (long) d.d_tag,
                                         str ?: d.d_un.d_val & DF_1_NODEFLIB ? "nodeflib" : "");
                }
                if (origin)
                        snprintf(key + strlen(key), size - strlen(key), "origin:%.*s", (int) (strrchr(path, '/') - path), path);
                return strlen(key) + 1 < size;
        }
        return false;
}

/* What kind of file fd is; for a program its interpreter, and for a dynamic file its key. */
static enum file_kind file_kind(int fd, const char *path, char *interp, char *key)
{
        char ident[EI_NIDENT];
        GElf_Ehdr h;
        GElf_Phdr ph;
        size_t phnum, raw_size;
        bool dynamic = false;

        if (pread(fd, ident, SELFMAG, 0) != SELFMAG || memcmp(ident, ELFMAG, SELFMAG) != 0)
                return ELF_SKIP;
        Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        enum file_kind kind = ELF_BROKEN;
        const char *raw = e ? elf_rawfile(e, &raw_size) : NULL;
        if (!raw || !gelf_getehdr(e, &h) || elf_getphdrnum(e, &phnum) < 0)
                goto out;
        kind = ELF_SKIP;
        if (h.e_ident[EI_CLASS] != __ehdr_start.e_ident[EI_CLASS] || h.e_ident[EI_DATA] != __ehdr_start.e_ident[EI_DATA] ||
            h.e_machine != __ehdr_start.e_machine || (h.e_type != ET_EXEC && h.e_type != ET_DYN))
                goto out;
        kind = ELF_BROKEN;
        interp[0] = key[0] = '\0';
        for (size_t i = 0; i < phnum; i++) {
                if (!gelf_getphdr(e, (int) i, &ph) || ph.p_offset + ph.p_filesz > raw_size)
                        goto out;
                if (ph.p_type == PT_DYNAMIC && ph.p_filesz == 0) {
                        kind = ELF_SKIP;        /* separate debug info */
                        goto out;
                }
                dynamic |= ph.p_type == PT_DYNAMIC;
                if (ph.p_type == PT_INTERP)
                        snprintf(interp, INTERP_MAX, "%.*s", (int) strnlen(raw + ph.p_offset, ph.p_filesz), raw + ph.p_offset);
        }
        snprintf(key, KEY_MAX, "%s ", interp);
        if (!dynamic)
                kind = interp[0] ? ELF_BROKEN : ELF_STATIC;
        else if (dynamic_key(e, path, key, KEY_MAX))
                kind = interp[0] ? ELF_PROGRAM : ELF_LIBRARY;
        else                            /* no section headers (sstrip): a loader run of its own */
                kind = snprintf(key, KEY_MAX, "file:%s", path) < KEY_MAX ? (interp[0] ? ELF_PROGRAM : ELF_LIBRARY) : ELF_BROKEN;
out:
        if (e)
                elf_end(e);
        return kind;
}

static int add_entry(struct tree *t, const char *path, const char *interp, const char *key, const struct stat *st)
{
        if (t->n == t->cap) {
                size_t cap = t->cap ? 2 * t->cap : 512;
                struct elf_entry *v = realloc(t->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                t->v = v;
                t->cap = cap;
        }
        t->v[t->n] = (struct elf_entry) { .path = strdup(path), .interp = interp ? strdup(interp) : NULL,
                                          .key = strdup(key), .dev = st->st_dev, .ino = st->st_ino };
        if (!t->v[t->n].path || (interp && !t->v[t->n].interp) || !t->v[t->n].key)
                return -ENOMEM;
        t->n++;
        return 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        struct tree *t = walking;
        char interp[INTERP_MAX], key[KEY_MAX];

        (void) ftw;
        if (type == FTW_D) {
                /* Only directories are compared (not FTW_MOUNT): on an overlayfs, files report
                 * the st_dev of their lower layer. */
                if (st->st_dev != t->root_dev)
                        return FTW_SKIP_SUBTREE;
                for (size_t i = 0; i < ARRAY_SIZE(skipped_dirs); i++)
                        if (strcmp(path, skipped_dirs[i]) == 0)
                                return FTW_SKIP_SUBTREE;
                return FTW_CONTINUE;
        }
        if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size < 4)
                return FTW_CONTINUE;
        for (size_t i = 0; i < ARRAY_SIZE(skipped_suffixes); i++)
                if (has_suffix(path, skipped_suffixes[i]))
                        return FTW_CONTINUE;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        enum file_kind kind = fd < 0 ? ELF_SKIP : file_kind(fd, path, interp, key);
        if (kind == ELF_SKIP)
                return FTW_CONTINUE;
        t->checked++;
        if (kind == ELF_BROKEN)
                t->problem(t->userdata, path, "not a valid ELF file (truncated)");
        else if (kind != ELF_STATIC && (t->error = add_entry(t, path, kind == ELF_PROGRAM ? interp : NULL, key, st)) < 0)
                return FTW_STOP;
        return FTW_CONTINUE;
}

static int cmp_entry(const void *a, const void *b)
{
        const struct elf_entry *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

enum ldlist_line ldlist_parse_line(const char *line, char *buf, size_t size)
{
        const char *arrow = strstr(line, " => ");

        line += strspn(line, " \t");
        if (arrow) {
                const char *target = arrow + 4;
                if (strncmp(target, "not found", 9) == 0) {
                        snprintf(buf, size, "%.*s", (int) (arrow - line), line);
                        return LDLIST_NOT_FOUND;
                }
                if (target[0] != '/')
                        return LDLIST_OTHER;
                line = target;
        } else if (line[0] != '/')
                return LDLIST_OTHER;            /* linux-vdso.so.1 (0x...), "statically linked" */
        const char *end = strstr(line, " (0x");
        if (!end)
                return LDLIST_OTHER;
        snprintf(buf, size, "%.*s", (int) (end - line), line);
        return LDLIST_FOUND;
}

static void mark_loaded(struct tree *t, const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return;
        struct elf_entry key = { .dev = st.st_dev, .ino = st.st_ino };
        struct elf_entry *e = bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_entry);
        if (e)
                e->loaded = true;
}

/* What the loader said about a file; said of each file of its group. */
static void judge_listing(struct tree *t, const char *path, const char *listing, int status)
{
        static const char error_word[] = "error while loading shared libraries: ";
        char buf[PATH_MAX], problem[PATH_MAX + 16];
        bool said = false;

        const char *error = strstr(listing, error_word);
        if (error) {
                error += strlen(error_word);
                snprintf(problem, sizeof(problem), "%.*s", (int) strcspn(error, "\n"), error);
                t->problem(t->userdata, path, problem);
                said = true;
        }
        for (const char *line = listing; *line; line += strcspn(line, "\n"), line += *line == '\n') {
                char one[PATH_MAX];
                snprintf(one, sizeof(one), "%.*s", (int) strcspn(line, "\n"), line);
                enum ldlist_line kind = ldlist_parse_line(one, buf, sizeof(buf));
                if (kind == LDLIST_FOUND)
                        mark_loaded(t, buf);
                else if (kind == LDLIST_NOT_FOUND) {
                        snprintf(problem, sizeof(problem), "%s not found", buf);
                        t->problem(t->userdata, path, problem);
                        said = true;
                }
        }
        if (!said && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                t->problem(t->userdata, path, "the image's dynamic loader cannot load it");
}

/* One loader at work, for the files order[first..last) of one key. */
struct run {
        pid_t pid;
        int fd;
        size_t first, last;
        char *out;
        size_t len;
};

static char *const loader_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL };

static int run_start(struct run *r, const char *path, const char *interp, size_t first, size_t last)
{
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        pid_t pid = fork();
        if (pid == 0) {
                char *const argv[] = { (char *) interp, "--list", (char *) path, NULL };
                int null_fd = open("/dev/null", O_RDONLY);
                dup2(null_fd, 0);
                dup2(fds[1], 1);
                dup2(fds[1], 2);
                execve(interp, argv, loader_env);
                _exit(127);
        }
        close(fds[1]);
        if (pid < 0) {
                close(fds[0]);
                return negative_errno();
        }
        *r = (struct run) { .pid = pid, .fd = fds[0], .first = first, .last = last, .out = malloc(LIST_OUTPUT_MAX) };
        return r->out ? 0 : -ENOMEM;
}

/* Reads what r's loader printed; at its end, judges it for its files. True when r is done. */
static bool run_read(struct tree *t, const size_t *order, struct run *r)
{
        ssize_t n = read(r->fd, r->out + r->len, LIST_OUTPUT_MAX - 1 - r->len);
        int status = 0;

        if (n > 0 && r->len + (size_t) n < LIST_OUTPUT_MAX - 1) {
                r->len += (size_t) n;
                return false;
        }
        if (n < 0 && errno == EINTR)
                return false;
        closep(&r->fd);
        while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
                ;
        r->out[r->len] = '\0';
        for (size_t i = r->first; i < r->last; i++)
                judge_listing(t, t->v[order[i]].path, r->out, status);
        free(r->out);
        r->pid = 0;
        return true;
}

/* The interpreter most programs name: the loader of libraries that no program loads. */
static const char *common_interp(const struct tree *t)
{
        const char *best = NULL;
        size_t best_count = 0;

        for (size_t i = 0; i < t->n && best_count <= t->n / 2; i++) {
                size_t count = 0;
                for (size_t j = 0; t->v[i].interp && j < t->n; j++)
                        count += t->v[j].interp && strcmp(t->v[j].interp, t->v[i].interp) == 0;
                if (count > best_count) {
                        best = t->v[i].interp;
                        best_count = count;
                }
        }
        return best;
}

static const struct tree *sorting;

static int cmp_key(const void *a, const void *b)
{
        return strcmp(sorting->v[*(const size_t *) a].key, sorting->v[*(const size_t *) b].key);
}

/* The files to list now (the programs, or the libraries no program loaded), grouped by key. */
static size_t *list_order(const struct tree *t, bool programs, size_t *n)
{
        size_t *order = malloc((t->n + 1) * sizeof(*order));

        *n = 0;
        for (size_t i = 0; order && i < t->n; i++)
                if (programs ? t->v[i].interp != NULL : t->v[i].interp == NULL && !t->v[i].loaded)
                        order[(*n)++] = i;
        sorting = t;
        if (order)
                qsort(order, *n, sizeof(*order), cmp_key);
        return order;
}

/* The next group at *next of order: starts its loader in a free run, or reports a missing
 * interpreter. Returns 1 when a loader started, 0 when not, -errno. */
static int start_group(struct tree *t, const size_t *order, size_t n, size_t *next, const char *lib_interp,
                       struct run *run)
{
        size_t first = *next, last = first + 1;
        const struct elf_entry *e = &t->v[order[first]];
        const char *interp = e->interp ?: lib_interp;

        while (last < n && strcmp(t->v[order[last]].key, e->key) == 0)
                last++;
        *next = last;
        if (access(interp, X_OK) == 0)
                return run_start(run, e->path, interp, first, last) < 0 ? -ENOMEM : 1;
        char problem[INTERP_MAX + 32];
        snprintf(problem, sizeof(problem), "interpreter %s not found", interp);
        for (size_t i = first; i < last; i++)
                t->problem(t->userdata, t->v[order[i]].path, problem);
        return 0;
}

/* Every program, or every library no program loaded, listed by its loader once per key,
 * PARALLEL loaders at a time. */
static int list_all(struct tree *t, bool programs, const char *lib_interp)
{
        struct run runs[PARALLEL] = {};
        size_t n, next = 0, active = 0;
        _cleanup_free_ size_t *order = list_order(t, programs, &n);
        int r = order ? 0 : -ENOMEM;

        while (r >= 0) {
                for (size_t i = 0; i < PARALLEL && next < n && r >= 0; i++)
                        if (runs[i].pid == 0 && (r = start_group(t, order, n, &next, lib_interp, &runs[i])) > 0)
                                active++;
                if (active == 0 && next >= n)
                        break;
                struct pollfd pfds[PARALLEL];
                for (size_t i = 0; i < PARALLEL; i++)
                        pfds[i] = (struct pollfd) { .fd = runs[i].pid ? runs[i].fd : -1, .events = POLLIN };
                if (active && poll(pfds, PARALLEL, -1) < 0 && errno != EINTR)
                        r = negative_errno();
                for (size_t i = 0; i < PARALLEL; i++)
                        if (runs[i].pid && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) && run_read(t, order, &runs[i]))
                                active--;
        }
        for (size_t i = 0; i < PARALLEL; i++)
                if (runs[i].pid) {
                        kill(runs[i].pid, SIGKILL);
                        run_read(t, order, &runs[i]);
                }
        return r < 0 ? r : 0;
}

int lib_check_tree(lib_problem_fn problem, void *userdata, size_t *n_checked)
{
        struct tree t = { .problem = problem, .userdata = userdata };
        struct stat root;
        int r;

        if (stat("/", &root) < 0)
                return negative_errno();
        t.root_dev = root.st_dev;
        if (elf_version(EV_CURRENT) == EV_NONE)
                return -ENOSYS;
        walking = &t;
        r = nftw("/", visit, 64, FTW_PHYS | FTW_ACTIONRETVAL);
        walking = NULL;
        if (r < 0)
                r = negative_errno();
        else if (t.error < 0)
                r = t.error;
        if (r >= 0) {
                qsort(t.v, t.n, sizeof(*t.v), cmp_entry);
                r = list_all(&t, true, NULL);
        }
        const char *lib_interp = common_interp(&t);
        if (r >= 0 && lib_interp)
                r = list_all(&t, false, lib_interp);
        *n_checked = t.checked;
        for (size_t i = 0; i < t.n; i++) {
                free(t.v[i].path);
                free(t.v[i].interp);
                free(t.v[i].key);
        }
        free(t.v);
        return r < 0 ? r : 0;
}
