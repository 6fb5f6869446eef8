/* The ELF dependency probe (see elfcheck.h).
 *
 * Why not ldd: ldd runs the tree's dynamic loader once per file (fork, exec, map every
 * library, relocate); on the hundreds of ELF files of a rescue image that takes seconds.
 * Here a file costs an open and a pread of its first 4 KiB (an ELF file an fstat and a few
 * preads more), and every lookup (directory, candidate library file, library name in the
 * search that does not depend on the file) is done once per tree and remembered, so a
 * 500 MB rescue tree is checked in about 50 ms of CPU.
 *
 * Reading is defensive: every offset and size taken from a file is checked against the
 * file's size before it is used, nothing is mmap'ed, so a corrupt or truncated file (or
 * ld.so.cache) can only produce a problem report, never a crash. */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "elfcheck.h"
#include "util.h"

/* First read of every regular file: the ELF header and, in practice, the program headers. */
#define HEAD_BYTES 4096u
/* A .dynstr up to this size is read whole; beyond that each string is read on its own. */
#define STRTAB_WHOLE_MAX (64u << 10)
/* Longest DT_NEEDED/DT_RPATH/DT_RUNPATH string read (long RPATH lists exceed PATH_MAX). */
#define STRING_MAX (64u << 10)
/* Real dynamic sections are well under 1 KiB; entries past this are not looked at. */
#define DYNAMIC_MAX (1u << 20)
#define LDCACHE_MAX (64u << 20)
#define CONF_MAX (1u << 20)
/* Bound the includes of ld.so.conf (a file may include itself, or many others). */
#define CONF_DEPTH_MAX 8
#define CONF_FILES_MAX 256
/* Each level holds a dir fd; rescue trees are a dozen levels deep. */
#define WALK_DEPTH_MAX 200
/* Files opened at once, see struct batch. */
#define BATCH_MAX 64

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ELFDATA ELFDATA2LSB
#else
#define HOST_ELFDATA ELFDATA2MSB
#endif

/* What a file is, as a program or library of the tree. */
enum verdict {
        V_OK,
        V_MISSING,      /* candidate paths only */
        /* Not ours to check (tree files) or skipped by the loader's search (candidates). */
        V_NOT_ELF,
        V_FOREIGN,      /* other class, byte order or machine */
        V_OTHER_TYPE,   /* ET_REL (kernel modules, .o), ET_CORE, ... */
        V_DEBUGINFO,    /* separate debug info: headers of a library, no contents */
        /* Broken. */
        V_UNREADABLE,
        V_NOT_REGULAR,
        V_TRUNCATED,
        V_BAD_HEADER,
        V_BAD_PHDRS,
        V_BAD_INTERP,
        V_BAD_DYNAMIC,
        V_BAD_STRING,
        _V_MAX,
};

static const char *const verdict_text[_V_MAX] = {
        [V_OK] = "ok",
        [V_MISSING] = "not found",
        [V_NOT_ELF] = "no ELF header",
        [V_FOREIGN] = "wrong ELF class or machine",
        [V_OTHER_TYPE] = "neither a program nor a shared library",
        [V_DEBUGINFO] = "separate debug information",
        [V_UNREADABLE] = "read error",
        [V_NOT_REGULAR] = "not a regular file",
        [V_TRUNCATED] = "truncated",
        [V_BAD_HEADER] = "bad ELF header",
        [V_BAD_PHDRS] = "bad program headers",
        [V_BAD_INTERP] = "bad PT_INTERP",
        [V_BAD_DYNAMIC] = "bad dynamic section",
        [V_BAD_STRING] = "bad dynamic string table",
};

/* ---- a string-keyed hash map (open addressing; keys are copied) ---- */

struct map_slot {
        char *key;              /* NULL: empty slot */
        uint64_t hash;
        void *value;
};

struct map {
        struct map_slot *slots;
        size_t used, cap;       /* cap is 0 or a power of two */
};

static uint64_t hash_string(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ULL;    /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 0x100000001b3ULL;
        return h;
}

static struct map_slot *map_find(const struct map *m, const char *key, uint64_t h)
{
        for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                struct map_slot *s = &m->slots[i];
                if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
                        return s;
        }
}

static bool map_get(const struct map *m, const char *key, void **value)
{
        if (m->cap == 0)
                return false;
        struct map_slot *s = map_find(m, key, hash_string(key));
        if (!s->key)
                return false;
        if (value)
                *value = s->value;
        return true;
}

static int map_grow(struct map *m)
{
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct map_slot *slots = calloc(cap, sizeof(*slots));
        if (!slots)
                return -ENOMEM;

        struct map old = *m;
        m->slots = slots;
        m->cap = cap;
        for (size_t i = 0; i < old.cap; i++)
                if (old.slots[i].key)
                        *map_find(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
        free(old.slots);
        return 0;
}

/* Adds or replaces; -ENOMEM. */
static int map_put(struct map *m, const char *key, void *value)
{
        if ((m->used + 1) * 2 > m->cap) {
                int r = map_grow(m);
                if (r < 0)
                        return r;
        }
        uint64_t h = hash_string(key);
        struct map_slot *s = map_find(m, key, h);
        if (!s->key) {
                s->key = strdup(key);
                if (!s->key)
                        return -ENOMEM;
                s->hash = h;
                m->used++;
        }
        s->value = value;
        return 0;
}

static void map_free(struct map *m, bool free_values)
{
        for (size_t i = 0; i < m->cap; i++) {
                free(m->slots[i].key);
                if (free_values)
                        free(m->slots[i].value);
        }
        free(m->slots);
        *m = (struct map) {};
}

/* A growable list of strings. */
struct strv {
        char **s;
        size_t n, cap;
};

static int strv_push(struct strv *v, const char *s)
{
        if (v->n == v->cap) {
                size_t cap = v->cap ? v->cap * 2 : 8;
                char **p = realloc(v->s, cap * sizeof(*p));
                if (!p)
                        return -ENOMEM;
                v->s = p;
                v->cap = cap;
        }
        v->s[v->n] = strdup(s);
        if (!v->s[v->n])
                return -ENOMEM;
        v->n++;
        return 0;
}

static void strv_free(struct strv *v)
{
        for (size_t i = 0; i < v->n; i++)
                free(v->s[i]);
        free(v->s);
        *v = (struct strv) {};
}

/* ---- the state of one check ---- */

struct arch {
        uint16_t machine;
        unsigned char cls;
        const char *triplet;    /* Debian multiarch directory */
        const char *platform;   /* $PLATFORM, NULL: left unexpanded */
};

/* Only where Debian and the other distributions ReaR supports put libraries. */
static const struct arch arches[] = {
        { EM_X86_64, ELFCLASS64, "x86_64-linux-gnu", "x86_64" },
        { EM_X86_64, ELFCLASS32, "x86_64-linux-gnux32", "x86_64" },
        { EM_386, ELFCLASS32, "i386-linux-gnu", "i686" },
        { EM_AARCH64, ELFCLASS64, "aarch64-linux-gnu", "aarch64" },
        { EM_ARM, ELFCLASS32, "arm-linux-gnueabihf", NULL },
        { EM_PPC64, ELFCLASS64, "powerpc64le-linux-gnu", NULL },
        { EM_S390, ELFCLASS64, "s390x-linux-gnu", NULL },
        { EM_RISCV, ELFCLASS64, "riscv64-linux-gnu", NULL },
};

/* A file being read: its head and program headers. */
struct elf_file {
        int fd;
        bool stat_done;         /* size, dev, ino are known */
        uint64_t size;
        dev_t dev;
        ino_t ino;
        size_t head_len;
        unsigned char head[HEAD_BYTES];
        size_t phnum;
        Elf64_Phdr *phdrs;      /* converted from Elf32_Phdr for 32-bit files */
};

/* The regular files of a directory are opened in batches and the first page of each is
 * asked for at once (POSIX_FADV_WILLNEED starts the read without waiting), then the
 * dynamic sections of the ELF files among them, so that on a cold page cache the reads
 * overlap instead of waiting one after the other: a cold 500 MB rescue tree took 0.65 s
 * without, 0.25 s with; warm, it costs an fadvise() per file. Flushed before the walk
 * enters a subdirectory, so one batch serves every level. */
struct batch {
        size_t n, used;
        int fds[BATCH_MAX];
        size_t name_at[BATCH_MAX];
        char names[BATCH_MAX * (NAME_MAX + 1)];
        enum verdict verdicts[BATCH_MAX];
        struct elf_file files[BATCH_MAX];
};

struct ctx {
        int root_fd;
        dev_t root_dev;
        bool plain_open;                /* no openat2(), but the tree is the process's root */
        /* The tree's ELF flavour: other files are skipped, other libraries passed over. */
        unsigned char cls, data;
        uint16_t machine;
        const struct arch *arch;
        char lib_dst[64];               /* value of $LIB */
        struct strv default_dirs;
        struct strv conf_dirs;          /* from /etc/ld.so.conf, in order, no duplicates */
        struct map conf_seen;           /* dir -> NULL */
        unsigned conf_files;            /* ld.so.conf files read */
        struct map ldcache;             /* name -> struct strv * of paths, in cache order */
        struct map probes;              /* in-root path -> struct probe * */
        struct map dirs;                /* in-root dir -> (void *) 1 exists, 2 missing */
        struct map names;               /* name -> struct cached_lookup *, for the search
                                         * that does not depend on the file */
        struct map name_ids;            /* DT_NEEDED and DT_SONAME strings -> id + 1 */
        uint32_t n_names;
        int64_t interp_soname;          /* name id of the main program's interpreter, -1 */
        struct rec *recs;               /* every ELF file checked */
        size_t n_recs, cap_recs;
        elf_problem_fn problem;
        void *userdata;
        size_t n_checked;
        int error;                      /* sticky -ENOMEM */
        char path[PATH_MAX];            /* in-root path of the file being checked */
        struct batch batch;
};

/* A file probed as a library or interpreter. */
struct probe {
        enum verdict verdict;
        dev_t dev;
        ino_t ino;
};

struct lookup {
        enum verdict verdict;           /* V_OK, V_MISSING or what is wrong with path */
        dev_t dev;                      /* of the file found */
        ino_t ino;
        char path[PATH_MAX];            /* where it was found */
};

struct cached_lookup {
        enum verdict verdict;
        dev_t dev;
        ino_t ino;
        char path[];
};

/* A DT_NEEDED entry and what the search of its file alone gave. */
struct need {
        uint32_t name;                  /* name id */
        enum verdict verdict;           /* V_OK, V_MISSING or broken (reported at once) */
        dev_t dev;                      /* of the file found */
        ino_t ino;
        int64_t target;                 /* its record, -1: none (the interpreter, a file
                                         * the walk did not see) */
};

/* An ELF file of the tree that was read without problems. */
struct rec {
        char *path;
        dev_t dev;
        ino_t ino;
        bool program;                   /* has PT_INTERP: started by the kernel */
        int64_t interp_name;            /* name id of its interpreter's file name, -1 */
        bool has_runpath;
        int64_t soname;                 /* name id, -1: none */
        struct strv rpath_dirs;         /* DT_RPATH, expanded; empty when DT_RUNPATH is set */
        struct need *needs;
        size_t n_needs;
        /* Load simulation (see simulate()). */
        uint32_t visited;               /* generation */
        int64_t loader;                 /* record that loaded it first */
        bool reached;                   /* loaded by a program */
};

static void oom(struct ctx *c)
{
        c->error = -ENOMEM;
}

static void report(struct ctx *c, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void report(struct ctx *c, const char *path, const char *fmt, ...)
{
        char msg[2 * PATH_MAX + 256];
        va_list ap;

        if (!c->problem)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        c->problem(c->userdata, path, msg);
}

/* Absolute symlinks of the tree point into the tree: resolve them as the image would. */
static int open_in_root(const struct ctx *c, const char *path, int flags)
{
        if (c->plain_open) {
                int fd = openat(c->root_fd, path, flags | O_CLOEXEC);
                return fd < 0 ? negative_errno() : fd;
        }

        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, c->root_fd, path, &how, sizeof(how));
        return fd < 0 ? negative_errno() : fd;
}

/* Bytes read (less only at end of file) or -errno. */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t offset)
{
        size_t done = 0;

        if (offset > (uint64_t) INT64_MAX)
                return 0;
        while (done < len) {
                ssize_t n = pread(fd, (char *) buf + done, len - done, (off_t) (offset + done));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        return (ssize_t) done;
}

static bool range_in_file(uint64_t offset, uint64_t len, uint64_t size)
{
        return offset <= size && len <= size - offset;
}

/* ---- ELF reading ---- */

struct elf_deps {
        char *interp;           /* NULL: none */
        char *rpath, *runpath;  /* NULL: none */
        struct strv needed;
        char *soname;           /* NULL: none */
        bool nodeflib;          /* DF_1_NODEFLIB: no default directories */
};

/* st NULL: fstat() only when the file turns out to be an ELF file (most are not). Leaves
 * head uninitialized: zeroing 4 KiB per file shows. */
static void elf_file_init(struct elf_file *f, int fd, const struct stat *st)
{
        f->fd = fd;
        f->stat_done = st;
        f->size = st ? (uint64_t) st->st_size : 0;
        f->dev = st ? st->st_dev : 0;
        f->ino = st ? st->st_ino : 0;
        f->head_len = 0;
        f->phnum = 0;
        f->phdrs = NULL;
}

static void elf_file_done(struct elf_file *f)
{
        free(f->phdrs);
        f->phdrs = NULL;
}

static void elf_deps_done(struct elf_deps *d)
{
        free(d->interp);
        free(d->rpath);
        free(d->runpath);
        free(d->soname);
        strv_free(&d->needed);
}

/* The checks of glibc's open_verify() that decide whether a file is loadable, plus that the
 * program headers and the file contents of the PT_LOAD segments are inside the file (a
 * truncated segment maps fine and kills the program with SIGBUS later). */
static enum verdict elf_read_head(struct ctx *c, struct elf_file *f)
{
        ssize_t n = pread_full(f->fd, f->head, sizeof(f->head), 0);
        if (n < 0)
                return V_UNREADABLE;
        f->head_len = (size_t) n;
        if (f->head_len < SELFMAG || memcmp(f->head, ELFMAG, SELFMAG) != 0)
                return V_NOT_ELF;
        if (!f->stat_done) {
                struct stat st;
                if (fstat(f->fd, &st) < 0)
                        return V_UNREADABLE;
                if (!S_ISREG(st.st_mode))
                        return V_NOT_REGULAR;
                elf_file_init(f, f->fd, &st);
                f->head_len = (size_t) n;
        }
        if (f->head_len < EI_NIDENT)
                return V_TRUNCATED;

        unsigned char cls = f->head[EI_CLASS], data = f->head[EI_DATA];
        if ((cls != ELFCLASS32 && cls != ELFCLASS64) || (data != ELFDATA2LSB && data != ELFDATA2MSB) ||
            f->head[EI_VERSION] != EV_CURRENT)
                return V_BAD_HEADER;
        if (cls != c->cls || data != c->data)
                return V_FOREIGN;

        uint16_t type, machine, phentsize, phnum;
        uint32_t version;
        uint64_t phoff;
        size_t entsize;
        if (cls == ELFCLASS64) {
                Elf64_Ehdr e;
                if (f->head_len < sizeof(e))
                        return V_TRUNCATED;
                memcpy(&e, f->head, sizeof(e));
                type = e.e_type, machine = e.e_machine, version = e.e_version;
                phoff = e.e_phoff, phentsize = e.e_phentsize, phnum = e.e_phnum;
                entsize = sizeof(Elf64_Phdr);
        } else {
                Elf32_Ehdr e;
                if (f->head_len < sizeof(e))
                        return V_TRUNCATED;
                memcpy(&e, f->head, sizeof(e));
                type = e.e_type, machine = e.e_machine, version = e.e_version;
                phoff = e.e_phoff, phentsize = e.e_phentsize, phnum = e.e_phnum;
                entsize = sizeof(Elf32_Phdr);
        }
        if (c->machine == EM_NONE)
                c->machine = machine;   /* no main program found: the first ELF file decides */
        if (machine != c->machine)
                return V_FOREIGN;
        if (type != ET_EXEC && type != ET_DYN)
                return V_OTHER_TYPE;
        if (version != EV_CURRENT)
                return V_BAD_HEADER;
        if (phnum == 0 || phentsize != entsize)
                return V_BAD_PHDRS;

        uint64_t table = (uint64_t) phnum * entsize;
        if (!range_in_file(phoff, table, f->size))
                return V_TRUNCATED;

        _cleanup_free_ unsigned char *buf = NULL;
        const unsigned char *raw;
        if (phoff + table <= f->head_len)
                raw = f->head + phoff;
        else {
                buf = malloc(table);
                if (!buf) {
                        oom(c);
                        return V_UNREADABLE;
                }
                n = pread_full(f->fd, buf, table, phoff);
                if (n < 0)
                        return V_UNREADABLE;
                if ((uint64_t) n < table)
                        return V_TRUNCATED;
                raw = buf;
        }

        f->phdrs = calloc(phnum, sizeof(Elf64_Phdr));
        if (!f->phdrs) {
                oom(c);
                return V_UNREADABLE;
        }
        f->phnum = phnum;
        for (size_t i = 0; i < phnum; i++) {
                Elf64_Phdr *p = &f->phdrs[i];
                if (cls == ELFCLASS64)
                        memcpy(p, raw + i * entsize, sizeof(*p));
                else {
                        Elf32_Phdr q;
                        memcpy(&q, raw + i * entsize, sizeof(q));
                        *p = (Elf64_Phdr) {
                                .p_type = q.p_type, .p_flags = q.p_flags, .p_offset = q.p_offset,
                                .p_vaddr = q.p_vaddr, .p_paddr = q.p_paddr, .p_filesz = q.p_filesz,
                                .p_memsz = q.p_memsz, .p_align = q.p_align,
                        };
                }
                if (p->p_type == PT_LOAD && !range_in_file(p->p_offset, p->p_filesz, f->size))
                        return V_TRUNCATED;
        }
        return V_OK;
}

/* The file offset of an address in the file's image, through the PT_LOAD holding it. */
static bool vaddr_to_offset(const struct elf_file *f, uint64_t addr, uint64_t *offset)
{
        for (size_t i = 0; i < f->phnum; i++) {
                const Elf64_Phdr *p = &f->phdrs[i];
                if (p->p_type == PT_LOAD && addr >= p->p_vaddr && addr - p->p_vaddr < p->p_filesz) {
                        *offset = p->p_offset + (addr - p->p_vaddr);
                        return true;
                }
        }
        return false;
}

struct strtab {
        const struct elf_file *f;
        uint64_t offset, size;  /* size: bounded by DT_STRSZ and by the end of the file */
        char *whole;            /* the whole table when it is small */
};

/* A malloc'd copy of the string at off, or a verdict. */
static enum verdict strtab_get(struct ctx *c, const struct strtab *t, uint64_t off, char **ret)
{
        if (off >= t->size)
                return V_BAD_STRING;

        uint64_t avail = t->size - off;
        if (t->whole) {
                const char *s = t->whole + off;
                if (!memchr(s, '\0', avail))
                        return V_BAD_STRING;
                *ret = strdup(s);
        } else {
                size_t len = avail < STRING_MAX ? (size_t) avail : STRING_MAX;
                _cleanup_free_ char *buf = malloc(len + 1);
                if (!buf) {
                        oom(c);
                        return V_UNREADABLE;
                }
                ssize_t n = pread_full(t->f->fd, buf, len, t->offset + off);
                if (n < 0)
                        return V_UNREADABLE;
                if (!memchr(buf, '\0', (size_t) n))
                        return V_BAD_STRING;
                *ret = strdup(buf);
        }
        if (!*ret) {
                oom(c);
                return V_UNREADABLE;
        }
        return V_OK;
}

/* PT_INTERP and, from the dynamic section, DT_NEEDED, DT_RPATH, DT_RUNPATH. */
static enum verdict elf_read_deps(struct ctx *c, const struct elf_file *f, struct elf_deps *d)
{
        const Elf64_Phdr *interp = NULL, *dyn = NULL;
        for (size_t i = 0; i < f->phnum; i++) {
                if (f->phdrs[i].p_type == PT_INTERP && !interp)
                        interp = &f->phdrs[i];
                else if (f->phdrs[i].p_type == PT_DYNAMIC && !dyn)
                        dyn = &f->phdrs[i];
        }

        /* objcopy --only-keep-debug keeps the program headers but empties every allocated
         * section: such a file (in /usr/lib/debug) is never loaded. */
        if (dyn && dyn->p_filesz == 0 && dyn->p_memsz > 0)
                return V_DEBUGINFO;

        if (interp) {
                /* The kernel wants a NUL-terminated path of at most PATH_MAX bytes. */
                if (interp->p_filesz < 2 || interp->p_filesz > PATH_MAX)
                        return V_BAD_INTERP;
                if (!range_in_file(interp->p_offset, interp->p_filesz, f->size))
                        return V_TRUNCATED;
                d->interp = malloc(interp->p_filesz);
                if (!d->interp) {
                        oom(c);
                        return V_UNREADABLE;
                }
                ssize_t n = pread_full(f->fd, d->interp, interp->p_filesz, interp->p_offset);
                if (n < 0)
                        return V_UNREADABLE;
                if ((uint64_t) n < interp->p_filesz)
                        return V_TRUNCATED;
                if (d->interp[interp->p_filesz - 1] != '\0' || d->interp[0] == '\0')
                        return V_BAD_INTERP;
        }

        if (!dyn || dyn->p_filesz == 0)
                return V_OK;    /* static */
        if (!range_in_file(dyn->p_offset, dyn->p_filesz, f->size))
                return V_TRUNCATED;

        bool is64 = c->cls == ELFCLASS64;
        size_t entsize = is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
        size_t len = dyn->p_filesz < DYNAMIC_MAX ? (size_t) dyn->p_filesz : DYNAMIC_MAX;
        len -= len % entsize;
        _cleanup_free_ unsigned char *buf = malloc(len ? len : 1);
        if (!buf) {
                oom(c);
                return V_UNREADABLE;
        }
        ssize_t n = pread_full(f->fd, buf, len, dyn->p_offset);
        if (n < 0)
                return V_UNREADABLE;
        if ((size_t) n < len)
                return V_TRUNCATED;

        size_t n_entries = len / entsize, n_needed = 0;
        _cleanup_free_ uint64_t *needed = malloc((n_entries ? n_entries : 1) * sizeof(uint64_t));
        if (!needed) {
                oom(c);
                return V_UNREADABLE;
        }
        uint64_t strtab_addr = 0, strsz = UINT64_MAX, rpath = 0, runpath = 0, soname = 0;
        bool have_strtab = false, have_rpath = false, have_runpath = false, have_soname = false;
        for (size_t i = 0; i < n_entries; i++) {
                int64_t tag;
                uint64_t val;
                if (is64) {
                        Elf64_Dyn e;
                        memcpy(&e, buf + i * entsize, sizeof(e));
                        tag = e.d_tag, val = e.d_un.d_val;
                } else {
                        Elf32_Dyn e;
                        memcpy(&e, buf + i * entsize, sizeof(e));
                        tag = e.d_tag, val = e.d_un.d_val;
                }
                if (tag == DT_NULL)
                        break;
                switch (tag) {
                case DT_NEEDED:
                        needed[n_needed++] = val;
                        break;
                case DT_STRTAB:
                        strtab_addr = val, have_strtab = true;
                        break;
                case DT_STRSZ:
                        strsz = val;
                        break;
                case DT_RPATH:
                        rpath = val, have_rpath = true;
                        break;
                case DT_RUNPATH:
                        runpath = val, have_runpath = true;
                        break;
                case DT_SONAME:
                        soname = val, have_soname = true;
                        break;
                case DT_FLAGS_1:
                        d->nodeflib = val & DF_1_NODEFLIB;
                        break;
                }
        }
        if (n_needed == 0 && !have_rpath && !have_runpath && !have_soname)
                return V_OK;

        struct strtab t = { .f = f };
        if (!have_strtab || !vaddr_to_offset(f, strtab_addr, &t.offset))
                return V_BAD_DYNAMIC;
        t.size = f->size - t.offset;    /* t.offset is inside the file: PT_LOADs were checked */
        if (strsz < t.size)
                t.size = strsz;
        _cleanup_free_ char *whole = NULL;
        if (t.size <= STRTAB_WHOLE_MAX) {
                whole = malloc(t.size ? t.size : 1);
                if (!whole) {
                        oom(c);
                        return V_UNREADABLE;
                }
                n = pread_full(f->fd, whole, t.size, t.offset);
                if (n < 0)
                        return V_UNREADABLE;
                t.size = (uint64_t) n;
                t.whole = whole;
        }

        enum verdict v;
        if (have_rpath && (v = strtab_get(c, &t, rpath, &d->rpath)) != V_OK)
                return v;
        if (have_runpath && (v = strtab_get(c, &t, runpath, &d->runpath)) != V_OK)
                return v;
        if (have_soname && (v = strtab_get(c, &t, soname, &d->soname)) != V_OK)
                return v;
        for (size_t i = 0; i < n_needed; i++) {
                _cleanup_free_ char *s = NULL;
                if ((v = strtab_get(c, &t, needed[i], &s)) != V_OK)
                        return v;
                if (s[0] == '\0')
                        return V_BAD_STRING;
                if (strv_push(&d->needed, s) < 0) {
                        oom(c);
                        return V_UNREADABLE;
                }
        }
        return V_OK;
}

/* ---- lookups in the tree, remembered ---- */

static void probe_uncached(struct ctx *c, const char *path, struct probe *p)
{
        *p = (struct probe) { .verdict = V_MISSING };

        /* O_PATH first: opening a device node for reading can have side effects. */
        _cleanup_close_ int pfd = open_in_root(c, path, O_PATH);
        if (pfd < 0)
                return;         /* like ld.so, which goes on searching after any error */
        struct stat st;
        if (fstat(pfd, &st) < 0) {
                p->verdict = V_UNREADABLE;
                return;
        }
        p->dev = st.st_dev;
        p->ino = st.st_ino;
        if (!S_ISREG(st.st_mode)) {
                p->verdict = V_NOT_REGULAR;
                return;
        }

        _cleanup_close_ int fd = open_in_root(c, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return;
        struct elf_file f;
        elf_file_init(&f, fd, &st);
        p->verdict = elf_read_head(c, &f);
        elf_file_done(&f);
}

/* What the file at an in-root path is, as a library or interpreter. */
static struct probe probe_path(struct ctx *c, const char *path)
{
        void *v;

        if (map_get(&c->probes, path, &v))
                return *(struct probe *) v;

        struct probe *p = malloc(sizeof(*p));
        if (!p) {
                oom(c);
                return (struct probe) { .verdict = V_MISSING };
        }
        probe_uncached(c, path, p);
        struct probe r = *p;
        if (map_put(&c->probes, path, p) < 0) {
                free(p);
                oom(c);
        }
        return r;
}

/* ld.so too remembers which search directories do not exist and skips them. */
static bool dir_exists(struct ctx *c, const char *dir)
{
        void *v;

        if (map_get(&c->dirs, dir, &v))
                return (uintptr_t) v == 1;
        _cleanup_close_ int fd = open_in_root(c, dir, O_PATH | O_DIRECTORY);
        if (map_put(&c->dirs, dir, (void *) (uintptr_t) (fd >= 0 ? 1 : 2)) < 0)
                oom(c);
        return fd >= 0;
}

/* As ld.so: a missing file or one of another class or machine is passed over, anything
 * else found ends the search (a broken file is a fatal error of ld.so). */
static bool try_path(struct ctx *c, const char *path, struct lookup *r)
{
        struct probe p = probe_path(c, path);
        if (p.verdict == V_MISSING || p.verdict == V_FOREIGN)
                return false;
        r->verdict = p.verdict;
        r->dev = p.dev;
        r->ino = p.ino;
        snprintf(r->path, sizeof(r->path), "%s", path);
        return true;
}

static bool try_dir(struct ctx *c, const char *dir, const char *name, struct lookup *r)
{
        char path[PATH_MAX];
        size_t len = strlen(dir);

        while (len > 1 && dir[len - 1] == '/')
                len--;
        if (len == 1 && dir[0] == '/')
                len = 0;
        int k = snprintf(path, sizeof(path), "%.*s/%s", (int) len, dir, name);
        if (k < 0 || (size_t) k >= sizeof(path))
                return false;
        if (!dir_exists(c, len ? dir : "/"))
                return false;
        return try_path(c, path, r);
}

static bool is_default_dir_of(const struct ctx *c, const char *path)
{
        const char *slash = strrchr(path, '/');
        if (!slash)
                return false;
        size_t len = (size_t) (slash - path);
        for (size_t i = 0; i < c->default_dirs.n; i++)
                if (strlen(c->default_dirs.s[i]) == len && strncmp(c->default_dirs.s[i], path, len) == 0)
                        return true;
        return false;
}

/* The part of the search that is the same for every file: ld.so.cache, then the
 * directories of ld.so.conf, then the default directories. */
static void search_system(struct ctx *c, const char *name, bool nodeflib, struct lookup *r)
{
        void *v;

        if (!nodeflib && map_get(&c->names, name, &v)) {
                const struct cached_lookup *cl = v;
                r->verdict = cl->verdict;
                r->dev = cl->dev;
                r->ino = cl->ino;
                snprintf(r->path, sizeof(r->path), "%s", cl->path);
                return;
        }

        *r = (struct lookup) { .verdict = V_MISSING };
        if (map_get(&c->ldcache, name, &v)) {
                const struct strv *paths = v;
                for (size_t i = 0; i < paths->n; i++) {
                        if (nodeflib && is_default_dir_of(c, paths->s[i]))
                                continue;
                        if (try_path(c, paths->s[i], r))
                                goto found;
                }
        }
        for (size_t i = 0; i < c->conf_dirs.n; i++)
                if (try_dir(c, c->conf_dirs.s[i], name, r))
                        goto found;
        if (!nodeflib)
                for (size_t i = 0; i < c->default_dirs.n; i++)
                        if (try_dir(c, c->default_dirs.s[i], name, r))
                                goto found;
found:
        if (nodeflib)
                return;
        size_t plen = strlen(r->path);
        struct cached_lookup *cl = malloc(sizeof(*cl) + plen + 1);
        if (!cl) {
                oom(c);
                return;
        }
        cl->verdict = r->verdict;
        cl->dev = r->dev;
        cl->ino = r->ino;
        memcpy(cl->path, r->path, plen + 1);
        if (map_put(&c->names, name, cl) < 0) {
                free(cl);
                oom(c);
        }
}

static bool is_ident_char(char ch)
{
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* Expands $ORIGIN, $LIB, $PLATFORM (also written ${...}) of s[0..len) into out; an unknown
 * or unexpandable $NAME stays as it is, like in ld.so. False when it does not fit. */
static bool expand_dst(const struct ctx *c, const char *s, size_t len, const char *origin, char *out, size_t size)
{
        const struct {
                const char *name;
                const char *value;
        } dsts[] = {
                { "ORIGIN", origin },
                { "LIB", c->lib_dst },
                { "PLATFORM", c->arch ? c->arch->platform : NULL },
        };
        size_t o = 0;

        for (size_t i = 0; i < len;) {
                const char *value = NULL;
                size_t skip = 0;
                if (s[i] == '$')
                        for (size_t k = 0; k < ARRAY_SIZE(dsts) && !skip; k++) {
                                size_t nl = strlen(dsts[k].name);
                                if (!dsts[k].value)
                                        continue;
                                if (len - i > nl && strncmp(s + i + 1, dsts[k].name, nl) == 0 &&
                                    (len - i == nl + 1 || !is_ident_char(s[i + 1 + nl])))
                                        skip = nl + 1;
                                else if (len - i >= nl + 3 && s[i + 1] == '{' &&
                                         strncmp(s + i + 2, dsts[k].name, nl) == 0 && s[i + 2 + nl] == '}')
                                        skip = nl + 3;
                                if (skip)
                                        value = dsts[k].value;
                        }
                if (value) {
                        size_t vl = strlen(value);
                        if (o + vl >= size)
                                return false;
                        memcpy(out + o, value, vl);
                        o += vl;
                        i += skip;
                } else {
                        if (o + 1 >= size)
                                return false;
                        out[o++] = s[i++];
                }
        }
        out[o] = '\0';
        return true;
}

/* One DT_NEEDED of a file, searched as ld.so does with the file's own DT_RPATH or
 * DT_RUNPATH; what its loaders add is looked at in simulate(). */
static void resolve_needed(struct ctx *c, const char *name, const struct strv *own, const char *origin,
                           bool nodeflib, struct lookup *r)
{
        if (strchr(name, '/')) {
                *r = (struct lookup) { .verdict = V_MISSING };
                if (!expand_dst(c, name, strlen(name), origin, r->path, sizeof(r->path)))
                        return;
                struct probe p = probe_path(c, r->path);
                r->verdict = p.verdict;
                r->dev = p.dev;
                r->ino = p.ino;
                return;
        }

        for (size_t i = 0; i < own->n; i++)
                if (try_dir(c, own->s[i], name, r))
                        return;
        search_system(c, name, nodeflib, r);
}

/* Directories of a DT_RPATH/DT_RUNPATH string, expanded. Empty entries (the current
 * directory of the process) are left out: they depend on where a program is started. */
static void split_search_path(struct ctx *c, const char *s, const char *origin, struct strv *dirs)
{
        while (*s) {
                size_t len = strcspn(s, ":");
                char dir[PATH_MAX];
                if (len > 0 && expand_dst(c, s, len, origin, dir, sizeof(dir)) && strv_push(dirs, dir) < 0)
                        oom(c);
                s += len;
                if (*s == ':')
                        s++;
        }
}

static int64_t name_id(struct ctx *c, const char *name)
{
        void *v;

        if (map_get(&c->name_ids, name, &v))
                return (int64_t) (uintptr_t) v - 1;
        if (map_put(&c->name_ids, name, (void *) (uintptr_t) (c->n_names + 1)) < 0) {
                oom(c);
                return -1;
        }
        return c->n_names++;
}

static struct rec *new_rec(struct ctx *c)
{
        if (c->n_recs == c->cap_recs) {
                size_t cap = c->cap_recs ? c->cap_recs * 2 : 256;
                struct rec *p = realloc(c->recs, cap * sizeof(*p));
                if (!p) {
                        oom(c);
                        return NULL;
                }
                c->recs = p;
                c->cap_recs = cap;
        }
        struct rec *r = &c->recs[c->n_recs++];
        *r = (struct rec) { .soname = -1, .interp_name = -1, .loader = -1 };
        return r;
}

static void rec_done(struct rec *r)
{
        free(r->path);
        free(r->needs);
        strv_free(&r->rpath_dirs);
}

/* Checks what does not depend on who loads the file (interpreter, libraries that are
 * broken where the file's own search finds them) and records the rest for simulate(). */
static void check_deps(struct ctx *c, const struct elf_file *f, const struct elf_deps *d)
{
        const char *path = c->path;
        enum verdict interp = V_MISSING;

        if (d->interp) {
                interp = probe_path(c, d->interp).verdict;
                if (interp == V_MISSING)
                        report(c, path, "interpreter %s not found", d->interp);
                else if (interp != V_OK)
                        report(c, path, "interpreter %s: not a valid ELF file (%s)", d->interp,
                               verdict_text[interp]);
        }

        struct rec *rec = new_rec(c);
        if (!rec)
                return;
        rec->path = strdup(path);
        rec->needs = calloc(d->needed.n ? d->needed.n : 1, sizeof(*rec->needs));
        if (!rec->path || !rec->needs) {
                oom(c);
                return;
        }
        rec->dev = f->dev;
        rec->ino = f->ino;
        rec->program = d->interp != NULL;
        rec->has_runpath = d->runpath != NULL;
        if (interp == V_OK) {
                const char *base = strrchr(d->interp, '/');
                rec->interp_name = name_id(c, base ? base + 1 : d->interp);
        }
        if (d->soname)
                rec->soname = name_id(c, d->soname);
        if (d->needed.n == 0)
                return;

        char origin[PATH_MAX];
        const char *slash = strrchr(path, '/');
        size_t olen = slash ? (size_t) (slash - path) : 0;
        snprintf(origin, sizeof(origin), "%.*s", (int) olen, path);
        if (origin[0] == '\0')
                strcpy(origin, "/");

        struct strv runpath_dirs = {};
        if (d->runpath)
                split_search_path(c, d->runpath, origin, &runpath_dirs);
        else if (d->rpath)
                split_search_path(c, d->rpath, origin, &rec->rpath_dirs);
        const struct strv *own = d->runpath ? &runpath_dirs : &rec->rpath_dirs;

        struct lookup *r = malloc(sizeof(*r));
        if (!r)
                oom(c);
        for (size_t i = 0; i < d->needed.n && !c->error; i++) {
                const char *name = d->needed.s[i];
                int64_t id = name_id(c, name);
                if (id < 0)
                        break;
                struct need *n = &rec->needs[rec->n_needs++];
                *n = (struct need) { .name = (uint32_t) id, .verdict = V_OK, .target = -1 };
                /* The interpreter is there before anything else is loaded (libc.so.6 needs
                 * ld-linux-x86-64.so.2). A library's is its program's: assumed the tree's. */
                if (id == (rec->program ? rec->interp_name : c->interp_soname))
                        continue;
                resolve_needed(c, name, own, origin, d->nodeflib, r);
                n->verdict = r->verdict;
                n->dev = r->dev;
                n->ino = r->ino;
                if (r->verdict != V_OK && r->verdict != V_MISSING)
                        report(c, path, "%s: not a valid ELF file (%s: %s)", name, r->path,
                               verdict_text[r->verdict]);
        }
        free(r);
        strv_free(&runpath_dirs);
}

/* ---- the load simulation ---- */

struct file_id {
        dev_t dev;
        ino_t ino;
        size_t rec;
};

static int cmp_file_id(const void *a, const void *b)
{
        const struct file_id *x = a, *y = b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return 0;
}

static int64_t find_rec(const struct file_id *ids, size_t n, dev_t dev, ino_t ino)
{
        struct file_id key = { .dev = dev, .ino = ino };
        const struct file_id *f = bsearch(&key, ids, n, sizeof(*ids), cmp_file_id);
        return f ? (int64_t) f->rec : -1;
}

struct sim {
        struct ctx *c;
        const struct file_id *ids;
        uint32_t *loaded;               /* per name id: generation when loaded (or failed) */
        size_t *queue;
        struct lookup r;
};

/* A name that the object's own search does not find may be in the DT_RPATH of the objects
 * that load it, up to the program, unless the object has DT_RUNPATH (ld.so's order puts
 * those before the object's own search; looked at only when that search fails). */
static bool search_loaders(struct sim *s, const struct rec *obj, const char *name)
{
        struct ctx *c = s->c;

        if (obj->has_runpath)
                return false;
        for (int64_t l = obj->loader; l >= 0; l = c->recs[l].loader)
                for (size_t i = 0; i < c->recs[l].rpath_dirs.n; i++)
                        if (try_dir(c, c->recs[l].rpath_dirs.s[i], name, &s->r))
                                return true;
        return false;
}

/* Loads root and its dependencies breadth-first as ld.so does: a DT_NEEDED name matches
 * an object already loaded under that name or soname before any search, so a library may
 * rely on its loader having loaded what it needs (systemd's libsystemd-core-252.so finds
 * libsystemd-shared-252.so only that way). What cannot be loaded is reported at root. */
static void simulate(struct sim *s, size_t root, uint32_t gen, const char *const *names)
{
        struct ctx *c = s->c;
        struct rec *top = &c->recs[root];
        size_t head = 0, tail = 0;

        top->visited = gen;
        top->loader = -1;
        s->queue[tail++] = root;
        if (top->soname >= 0)
                s->loaded[top->soname] = gen;
        int64_t interp = top->program ? top->interp_name : c->interp_soname;
        if (interp >= 0)
                s->loaded[interp] = gen;

        while (head < tail) {
                size_t o = s->queue[head++];
                struct rec *obj = &c->recs[o];
                for (size_t i = 0; i < obj->n_needs; i++) {
                        struct need *n = &obj->needs[i];
                        if (s->loaded[n->name] == gen)
                                continue;
                        /* Loaded now, or failed: either way not looked at again. */
                        s->loaded[n->name] = gen;

                        int64_t t = n->target;
                        if (n->verdict == V_MISSING) {
                                const char *name = names[n->name];
                                if (!search_loaders(s, obj, name)) {
                                        if (o == root)
                                                report(c, top->path, "%s not found", name);
                                        else
                                                report(c, top->path, "%s not found (needed by %s)", name,
                                                       obj->path);
                                        continue;
                                }
                                if (s->r.verdict != V_OK) {
                                        report(c, top->path, "%s: not a valid ELF file (%s: %s)", name,
                                               s->r.path, verdict_text[s->r.verdict]);
                                        continue;
                                }
                                t = find_rec(s->ids, c->n_recs, s->r.dev, s->r.ino);
                        } else if (n->verdict != V_OK)
                                continue;       /* reported by check_deps() */

                        if (t < 0 || c->recs[t].visited == gen)
                                continue;
                        struct rec *dep = &c->recs[t];
                        dep->visited = gen;
                        dep->loader = (int64_t) o;
                        if (c->recs[root].program)
                                dep->reached = true;
                        if (dep->soname >= 0)
                                s->loaded[dep->soname] = gen;
                        s->queue[tail++] = (size_t) t;
                }
        }
}

/* Every program is loaded as the kernel and ld.so would; so is every library that no
 * program loads (plugins for dlopen(), or unused): as `ldd LIBRARY` would. */
static void simulate_all(struct ctx *c)
{
        struct sim s = { .c = c };
        _cleanup_free_ struct file_id *ids = calloc(c->n_recs ? c->n_recs : 1, sizeof(*ids));
        _cleanup_free_ const char **names = calloc(c->n_names ? c->n_names : 1, sizeof(*names));
        _cleanup_free_ uint32_t *loaded = calloc(c->n_names ? c->n_names : 1, sizeof(*loaded));
        _cleanup_free_ size_t *queue = calloc(c->n_recs ? c->n_recs : 1, sizeof(*queue));
        if (!ids || !names || !loaded || !queue) {
                oom(c);
                return;
        }

        for (size_t i = 0; i < c->n_recs; i++)
                ids[i] = (struct file_id) { .dev = c->recs[i].dev, .ino = c->recs[i].ino, .rec = i };
        qsort(ids, c->n_recs, sizeof(*ids), cmp_file_id);
        for (size_t i = 0; i < c->name_ids.cap; i++)
                if (c->name_ids.slots[i].key)
                        names[(uintptr_t) c->name_ids.slots[i].value - 1] = c->name_ids.slots[i].key;
        for (size_t i = 0; i < c->n_recs; i++)
                for (size_t k = 0; k < c->recs[i].n_needs; k++) {
                        struct need *n = &c->recs[i].needs[k];
                        if (n->verdict == V_OK && (n->dev || n->ino))
                                n->target = find_rec(ids, c->n_recs, n->dev, n->ino);
                }

        s.ids = ids;
        s.loaded = loaded;
        s.queue = queue;
        uint32_t gen = 0;
        for (int pass = 0; pass < 2; pass++)
                for (size_t i = 0; i < c->n_recs && !c->error; i++) {
                        const struct rec *r = &c->recs[i];
                        if (pass == 0 ? r->program : !r->program && !r->reached)
                                simulate(&s, i, ++gen, names);
                }
}

/* ---- the walk ---- */

/* Like ReaR's own check: kernel modules (ET_REL, loaded by the kernel) and firmware (for
 * other processors) are none of ld.so's business, and they are most of a rescue tree. */
static bool skip_dir(const char *path)
{
        static const char *const dirs[] = {
                "/lib/modules", "/usr/lib/modules", "/lib/firmware", "/usr/lib/firmware",
        };
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                if (strcmp(path, dirs[i]) == 0)
                        return true;
        return false;
}

/* Kernel modules again, and syslinux's COM32 modules (ELF files that syslinux loads and
 * links itself, with DT_NEEDED names like libcom32.c32 that ld.so never sees). */
static bool skip_file(const char *name, size_t len)
{
        static const char *const suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", ".c32" };
        for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
                size_t sl = strlen(suffixes[i]);
                if (len > sl && strcmp(name + len - sl, suffixes[i]) == 0)
                        return true;
        }
        return false;
}

/* c->path is the file's path. */
/* The rest of a file whose head was read: c->path is its path. */
static void check_file(struct ctx *c, struct elf_file *f, enum verdict v)
{
        struct elf_deps d = {};
        if (v == V_OK)
                v = elf_read_deps(c, f, &d);
        switch (v) {
        case V_NOT_REGULAR:     /* d_type was wrong */
        case V_NOT_ELF:
        case V_FOREIGN:
        case V_OTHER_TYPE:
        case V_DEBUGINFO:
                break;
        case V_OK:
                c->n_checked++;
                check_deps(c, f, &d);
                break;
        default:
                if (c->error || (v == V_UNREADABLE && f->head_len == 0))
                        break;  /* out of memory, or not known to be an ELF file at all */
                c->n_checked++;
                report(c, c->path, "not a valid ELF file (%s)", verdict_text[v]);
                break;
        }
        elf_deps_done(&d);
}

static void batch_flush(struct ctx *c, size_t plen)
{
        struct batch *b = &c->batch;

        /* The heads are there or on their way; the dynamic sections are asked for next. */
        for (size_t i = 0; i < b->n && !c->error; i++) {
                struct elf_file *f = &b->files[i];
                elf_file_init(f, b->fds[i], NULL);
                b->verdicts[i] = elf_read_head(c, f);
                for (size_t k = 0; b->verdicts[i] == V_OK && k < f->phnum; k++)
                        if (f->phdrs[k].p_type == PT_DYNAMIC && f->phdrs[k].p_filesz > 0)
                                (void) posix_fadvise(f->fd, (off_t) f->phdrs[k].p_offset,
                                                     (off_t) f->phdrs[k].p_filesz, POSIX_FADV_WILLNEED);
        }
        for (size_t i = 0; i < b->n; i++) {
                const char *name = b->names + b->name_at[i];
                c->path[plen] = '/';
                strcpy(c->path + plen + 1, name);       /* fits: checked in walk_dir() */
                if (!c->error)
                        check_file(c, &b->files[i], b->verdicts[i]);
                elf_file_done(&b->files[i]);
                close(b->fds[i]);
        }
        c->path[plen] = '\0';
        b->n = b->used = 0;
}

static void batch_add(struct ctx *c, int dir_fd, const char *name, size_t nlen, size_t plen)
{
        struct batch *b = &c->batch;

        int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return;
        (void) posix_fadvise(fd, 0, HEAD_BYTES, POSIX_FADV_WILLNEED);
        b->fds[b->n] = fd;
        b->name_at[b->n] = b->used;
        memcpy(b->names + b->used, name, nlen + 1);
        b->used += nlen + 1;
        if (++b->n == BATCH_MAX)
                batch_flush(c, plen);
}

/* Takes dir_fd. c->path[0..plen) is the in-root path of the directory. Returns -errno when
 * the directory cannot be read (only the caller of the top level cares). */
static int walk_dir(struct ctx *c, int dir_fd, size_t plen, unsigned depth)
{
        DIR *d = fdopendir(dir_fd);
        if (!d) {
                int r = negative_errno();
                close(dir_fd);
                return r;
        }

        int r = 0;
        for (;;) {
                errno = 0;
                struct dirent *de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                r = negative_errno();
                        break;
                }
                if (c->error)
                        break;
                const char *name = de->d_name;
                if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                        continue;
                size_t nlen = strlen(name);
                if (plen + 1 + nlen >= sizeof(c->path))
                        continue;
                unsigned char type = de->d_type;
                if (type == DT_UNKNOWN) {
                        struct stat st;
                        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                continue;
                        type = IFTODT(st.st_mode);
                }

                if (type == DT_DIR) {
                        /* The files so far first: they use c->path. */
                        batch_flush(c, plen);
                        c->path[plen] = '/';
                        memcpy(c->path + plen + 1, name, nlen + 1);
                        if (depth >= WALK_DEPTH_MAX || skip_dir(c->path))
                                continue;
                        int fd = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0)
                                continue;
                        struct stat st;
                        /* Only directories are compared: on an overlayfs, files may report the
                         * st_dev of their lower layer. */
                        if (fstat(fd, &st) < 0 || st.st_dev != c->root_dev) {
                                close(fd);
                                continue;
                        }
                        (void) walk_dir(c, fd, plen + 1 + nlen, depth + 1);
                } else if (type == DT_REG && !skip_file(name, nlen))
                        batch_add(c, dirfd(d), name, nlen, plen);
        }
        batch_flush(c, plen);
        closedir(d);
        return r;
}

/* ---- the tree's configuration ---- */

static int read_in_root(struct ctx *c, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int pfd = open_in_root(c, path, O_PATH);
        if (pfd < 0)
                return pfd;
        struct stat st;
        if (fstat(pfd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        _cleanup_close_ int fd = open_in_root(c, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fd;

        size_t len = (uint64_t) st.st_size < max ? (size_t) st.st_size : max;
        _cleanup_free_ char *buf = malloc(len + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = pread_full(fd, buf, len, 0);
        if (n < 0)
                return (int) n;
        buf[n] = '\0';
        *ret = take_ptr(&buf);
        *ret_len = (size_t) n;
        return 0;
}

static uint32_t get_u32(const char *p)
{
        uint32_t v;
        memcpy(&v, p, sizeof(v));
        return v;
}

static void ldcache_add(struct ctx *c, const char *strings, size_t strings_len, uint32_t key, uint32_t value)
{
        if (key >= strings_len || value >= strings_len)
                return;
        const char *name = strings + key, *path = strings + value;
        if (!memchr(name, '\0', strings_len - key) || !memchr(path, '\0', strings_len - value))
                return;

        void *v;
        struct strv *paths;
        if (map_get(&c->ldcache, name, &v))
                paths = v;
        else {
                paths = calloc(1, sizeof(*paths));
                if (!paths || map_put(&c->ldcache, name, paths) < 0) {
                        free(paths);
                        oom(c);
                        return;
                }
        }
        if (strv_push(paths, path) < 0)
                oom(c);
}

/* /etc/ld.so.cache of the tree, as glibc's dl-cache.h describes it: the old format
 * "ld.so-1.7.0" (header of 16 bytes, entries of 12: flags, key, value; strings relative to
 * the end of the entries), optionally followed (8-byte aligned) by the new format
 * "glibc-ld.so.cache1.1" (header of 48 bytes with nlibs at 20, entries of 24: flags, key,
 * value, osversion, hwcap; strings relative to its own start), which since glibc 2.32 is
 * the whole file. Entries are not filtered by their flags: the class and machine of every
 * candidate file are checked anyway. An unknown or corrupt cache counts as empty. */
static void load_ldcache(struct ctx *c)
{
        static const char old_magic[] = "ld.so-1.7.0", new_magic[] = "glibc-ld.so.cache1.1";
        const size_t old_header = 16, old_entry = 12, new_header = 48, new_entry = 24;
        _cleanup_free_ char *buf = NULL;
        size_t len;

        if (read_in_root(c, "/etc/ld.so.cache", LDCACHE_MAX, &buf, &len) < 0)
                return;

        size_t new_at = SIZE_MAX;
        if (len >= old_header && memcmp(buf, old_magic, sizeof(old_magic) - 1) == 0) {
                uint32_t nlibs = get_u32(buf + 12);
                if ((len - old_header) / old_entry < nlibs)
                        return;
                size_t end = old_header + (size_t) nlibs * old_entry;
                size_t aligned = (end + 7) & ~(size_t) 7;
                if (aligned <= len && len - aligned >= new_header &&
                    memcmp(buf + aligned, new_magic, sizeof(new_magic) - 1) == 0)
                        new_at = aligned;
                else {
                        for (uint32_t i = 0; i < nlibs; i++) {
                                const char *e = buf + old_header + (size_t) i * old_entry;
                                ldcache_add(c, buf + end, len - end, get_u32(e + 4), get_u32(e + 8));
                        }
                        return;
                }
        } else if (len >= new_header && memcmp(buf, new_magic, sizeof(new_magic) - 1) == 0)
                new_at = 0;
        if (new_at == SIZE_MAX)
                return;

        const char *base = buf + new_at;
        size_t blen = len - new_at;
        uint32_t nlibs = get_u32(base + 20);
        if ((blen - new_header) / new_entry < nlibs)
                return;
        for (uint32_t i = 0; i < nlibs && !c->error; i++) {
                const char *e = base + new_header + (size_t) i * new_entry;
                int32_t flags = (int32_t) get_u32(e);
                /* FLAG_ELF or FLAG_ELF_LIBC6 in the type bits: not a libc5/a.out entry. */
                if ((flags & 0xff) != 1 && (flags & 0xff) != 3)
                        continue;
                ldcache_add(c, base, blen, get_u32(e + 4), get_u32(e + 8));
        }
}

static void add_conf_dir(struct ctx *c, const char *dir)
{
        if (map_get(&c->conf_seen, dir, NULL))
                return;
        if (map_put(&c->conf_seen, dir, NULL) < 0 || strv_push(&c->conf_dirs, dir) < 0)
                oom(c);
}

static void parse_conf(struct ctx *c, const char *path, unsigned depth);

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "include PATTERN": like glob() in ldconfig, but only the last component may have
 * wildcards (the only form distributions use: /etc/ld.so.conf.d/ *.conf). A relative
 * pattern is relative to the directory of the including file. */
static void include_conf(struct ctx *c, const char *pattern, const char *including, unsigned depth)
{
        char full[PATH_MAX];
        int k;

        if (pattern[0] == '/')
                k = snprintf(full, sizeof(full), "%s", pattern);
        else {
                const char *slash = strrchr(including, '/');
                int dlen = slash ? (int) (slash - including) : 0;
                k = snprintf(full, sizeof(full), "%.*s/%s", dlen, including, pattern);
        }
        if (k < 0 || (size_t) k >= sizeof(full))
                return;

        char *slash = strrchr(full, '/');
        const char *file_pattern = slash + 1;
        *slash = '\0';
        const char *dir = full[0] ? full : "/";
        if (strpbrk(dir, "*?["))
                return;
        if (!strpbrk(file_pattern, "*?[")) {
                char one[PATH_MAX];
                if (snprintf(one, sizeof(one), "%s/%s", full, file_pattern) < (int) sizeof(one))
                        parse_conf(c, one, depth + 1);
                return;
        }

        int fd = open_in_root(c, dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return;
        }
        struct strv names = {};
        struct dirent *de;
        while ((de = readdir(d)))
                if (fnmatch(file_pattern, de->d_name, FNM_PERIOD) == 0 && strv_push(&names, de->d_name) < 0)
                        oom(c);
        closedir(d);

        if (names.n)
                qsort(names.s, names.n, sizeof(*names.s), cmp_str);
        for (size_t i = 0; i < names.n && !c->error; i++) {
                char one[PATH_MAX];
                if (snprintf(one, sizeof(one), "%s/%s", full, names.s[i]) < (int) sizeof(one))
                        parse_conf(c, one, depth + 1);
        }
        strv_free(&names);
}

/* ld.so itself never reads ld.so.conf: ldconfig turns it into ld.so.cache. Its directories
 * are searched too so that a cache that is older than the tree does not hide libraries
 * (see elfcheck.h). One directory per line ("DIR=TYPE" of libc5 times is accepted),
 * "include PATTERN...", "hwcap ..." ignored, '#' comments. */
static void parse_conf(struct ctx *c, const char *path, unsigned depth)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;

        if (depth > CONF_DEPTH_MAX || c->conf_files >= CONF_FILES_MAX)
                return;
        c->conf_files++;
        if (read_in_root(c, path, CONF_MAX, &buf, &len) < 0)
                return;

        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line && !c->error; line = strtok_r(NULL, "\n", &save)) {
                line[strcspn(line, "#")] = '\0';
                line += strspn(line, " \t\r\f\v");
                size_t l = strlen(line);
                while (l > 0 && strchr(" \t\r\f\v", line[l - 1]))
                        line[--l] = '\0';
                if (l == 0)
                        continue;

                if (strncmp(line, "include", 7) == 0 && (line[7] == ' ' || line[7] == '\t')) {
                        char *psave = NULL;
                        for (char *p = strtok_r(line + 8, " \t", &psave); p; p = strtok_r(NULL, " \t", &psave))
                                include_conf(c, p, path, depth);
                        continue;
                }
                if (strncmp(line, "hwcap", 5) == 0 && (line[5] == ' ' || line[5] == '\t'))
                        continue;

                char *eq = strchr(line, '=');
                if (eq)
                        *eq = '\0';
                l = strlen(line);
                while (l > 1 && line[l - 1] == '/')
                        line[--l] = '\0';
                if (l > 0)
                        add_conf_dir(c, line);
        }
}

static void host_flavour(struct ctx *c)
{
        c->cls = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
        c->data = HOST_ELFDATA;
#if defined(__x86_64__) && defined(__ILP32__)
        c->machine = EM_X86_64;
#elif defined(__x86_64__)
        c->machine = EM_X86_64;
#elif defined(__i386__)
        c->machine = EM_386;
#elif defined(__aarch64__)
        c->machine = EM_AARCH64;
#elif defined(__arm__)
        c->machine = EM_ARM;
#elif defined(__powerpc64__)
        c->machine = EM_PPC64;
#elif defined(__s390x__)
        c->machine = EM_S390;
#elif defined(__riscv)
        c->machine = EM_RISCV;
#else
        c->machine = EM_NONE;   /* taken from the first ELF file of the walk */
#endif
}

/* The tree's class and machine: those of its shell or init, which must run natively in the
 * container; failing those, of the helper itself. Also the soname of their interpreter. */
static void detect_flavour(struct ctx *c)
{
        static const char *const mains[] = {
                "/bin/sh", "/bin/bash", "/usr/bin/bash", "/sbin/init", "/usr/lib/systemd/systemd",
                "/bin/busybox", "/usr/bin/env", "/bin/ls",
        };
        const char *main_path = NULL;

        host_flavour(c);
        for (size_t i = 0; i < ARRAY_SIZE(mains) && !main_path; i++) {
                _cleanup_close_ int pfd = open_in_root(c, mains[i], O_PATH);
                struct stat st;
                if (pfd < 0 || fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                _cleanup_close_ int fd = open_in_root(c, mains[i], O_RDONLY | O_NOCTTY | O_NONBLOCK);
                unsigned char e[sizeof(Elf64_Ehdr)];
                if (fd < 0 || pread_full(fd, e, sizeof(e), 0) != (ssize_t) sizeof(e))
                        continue;
                if (memcmp(e, ELFMAG, SELFMAG) != 0 || e[EI_DATA] != HOST_ELFDATA ||
                    (e[EI_CLASS] != ELFCLASS32 && e[EI_CLASS] != ELFCLASS64))
                        continue;
                uint16_t type, machine;
                /* e_type and e_machine follow e_ident in both classes. */
                memcpy(&type, e + EI_NIDENT, sizeof(type));
                memcpy(&machine, e + EI_NIDENT + 2, sizeof(machine));
                if (type != ET_EXEC && type != ET_DYN)
                        continue;
                c->cls = e[EI_CLASS];
                c->data = e[EI_DATA];
                c->machine = machine;
                main_path = mains[i];
        }

        for (size_t i = 0; i < ARRAY_SIZE(arches); i++)
                if (arches[i].machine == c->machine && arches[i].cls == c->cls)
                        c->arch = &arches[i];

        if (!main_path)
                return;
        _cleanup_close_ int fd = open_in_root(c, main_path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return;
        struct elf_file f;
        elf_file_init(&f, fd, &st);
        struct elf_deps d = {};
        if (elf_read_head(c, &f) == V_OK && elf_read_deps(c, &f, &d) == V_OK && d.interp &&
            probe_path(c, d.interp).verdict == V_OK) {
                const char *base = strrchr(d.interp, '/');
                c->interp_soname = name_id(c, base ? base + 1 : d.interp);
        }
        elf_deps_done(&d);
        elf_file_done(&f);
}

/* glibc's default directories, with Debian's multiarch ones first; $LIB as the tree has it. */
static void setup_dirs(struct ctx *c)
{
        char dir[64];
        bool multiarch = false;

        if (c->arch) {
                snprintf(dir, sizeof(dir), "/lib/%s", c->arch->triplet);
                multiarch = dir_exists(c, dir);
                if (strv_push(&c->default_dirs, dir) < 0)
                        oom(c);
                snprintf(dir, sizeof(dir), "/usr/lib/%s", c->arch->triplet);
                if (strv_push(&c->default_dirs, dir) < 0)
                        oom(c);
        }
        if (c->cls == ELFCLASS64 && (strv_push(&c->default_dirs, "/lib64") < 0 ||
                                     strv_push(&c->default_dirs, "/usr/lib64") < 0))
                oom(c);
        if (strv_push(&c->default_dirs, "/lib") < 0 || strv_push(&c->default_dirs, "/usr/lib") < 0)
                oom(c);

        if (multiarch)
                snprintf(c->lib_dst, sizeof(c->lib_dst), "lib/%s", c->arch->triplet);
        else
                snprintf(c->lib_dst, sizeof(c->lib_dst), "%s", c->cls == ELFCLASS64 ? "lib64" : "lib");
}

static void ctx_done(struct ctx *c)
{
        for (size_t i = 0; i < c->ldcache.cap; i++)
                if (c->ldcache.slots[i].key) {
                        strv_free(c->ldcache.slots[i].value);
                        free(c->ldcache.slots[i].value);
                        c->ldcache.slots[i].value = NULL;
                }
        map_free(&c->ldcache, false);
        map_free(&c->probes, true);
        map_free(&c->name_ids, false);
        for (size_t i = 0; i < c->n_recs; i++)
                rec_done(&c->recs[i]);
        free(c->recs);
        map_free(&c->dirs, false);
        map_free(&c->names, true);
        map_free(&c->conf_seen, false);
        strv_free(&c->default_dirs);
        strv_free(&c->conf_dirs);
        if (c->root_fd >= 0)
                close(c->root_fd);
}

int elf_check_tree(const char *root, elf_problem_fn problem, void *userdata, size_t *n_checked)
{
        struct ctx *c = calloc(1, sizeof(*c));
        struct stat st;
        int r = 0;

        if (n_checked)
                *n_checked = 0;
        if (!c)
                return -ENOMEM;
        c->problem = problem;
        c->userdata = userdata;
        c->interp_soname = -1;
        c->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (c->root_fd < 0 || fstat(c->root_fd, &st) < 0) {
                r = negative_errno();
                goto out;
        }
        c->root_dev = st.st_dev;

        /* Without openat2() (before Linux 5.6, or refused by a seccomp filter) symlinks
         * resolve as they should only when the tree is the process's root: in the
         * container, the probe's case. */
        int fd = open_in_root(c, ".", O_PATH | O_DIRECTORY);
        if (fd == -ENOSYS || fd == -EPERM) {
                struct stat self_root;
                if (stat("/", &self_root) < 0 || self_root.st_dev != st.st_dev || self_root.st_ino != st.st_ino) {
                        r = -ENOSYS;
                        goto out;
                }
                c->plain_open = true;
        } else if (fd >= 0)
                close(fd);

        detect_flavour(c);
        setup_dirs(c);
        load_ldcache(c);
        parse_conf(c, "/etc/ld.so.conf", 0);
        if (c->error) {
                r = c->error;
                goto out;
        }

        /* A file description of its own: the walk's readdir moves its offset. */
        fd = openat(c->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = negative_errno();
                goto out;
        }
        c->path[0] = '\0';
        r = walk_dir(c, fd, 0, 0);
        if (r == 0 && !c->error)
                simulate_all(c);
        if (r == 0)
                r = c->error;
out:
        if (n_checked)
                *n_checked = c->n_checked;
        ctx_done(c);
        free(c);
        return r;
}
