#include <fcntl.h>
#include <inttypes.h>
#include <libmount.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/magic.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <sys/sysinfo.h>

#include "cgroup.h"
#include "limits.h"
#include "log.h"
#include "util.h"

/* How little free space counts as "the writable layer ran out": tmpfs fills page by
 * page, so a write that failed with ENOSPC leaves less than a few pages. */
#define WRITABLE_FULL_SLACK (128u << 10)

/* Policy: each cgroup limit, its controller, and the files that set and report it in
 * either hierarchy. The value written is made by format_value. */
static const struct cgroup_limit {
        const char *controller;
        const char *what;                               /* in messages */
        const char *v2_file, *v2_swap_file;             /* v2_swap_file: set to 0 (no swap beyond the limit) */
        const char *v1_file, *v1_swap_file;             /* v1_swap_file: set to the same value */
        const char *v2_events, *v1_events, *event_key;  /* the counter of limit hits */
        const char *v2_peak, *v1_peak;
        /* Set once init runs (limits_cgroups_after_exec), a normal process's value before:
         * the weight is for the image, not for the helper's own start of it. */
        const char *v2_before_exec, *v1_before_exec;
} cgroup_limits[N_CGROUP_LIMITS] = {
        [LIMIT_PIDS] = { "pids", "processes", "pids.max", NULL, "pids.max", NULL,
                         "pids.events", "pids.events", "max", "pids.peak", "pids.peak" },
        [LIMIT_MEMORY] = { "memory", "memory", "memory.max", "memory.swap.max",
                           "memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
                           "memory.events", "memory.oom_control", "oom_kill",
                           "memory.peak", "memory.max_usage_in_bytes" },
        [LIMIT_CPU] = { "cpu", "CPU weight", "cpu.weight", NULL, "cpu.shares", NULL,
                        NULL, NULL, NULL, NULL, NULL, "100", "1024" },
};

static const char *limit_group(const struct limits_cgroups *lc, enum limit_kind k, bool *v2);

static uint64_t limit_value(const struct limits *l, enum limit_kind k)
{
        switch (k) {
        case LIMIT_PIDS:
                return l->pids_max;
        case LIMIT_MEMORY:
                return l->memory_max;
        case LIMIT_CPU:
                return l->cpu_weight;
        default:
                return LIMIT_NONE;
        }
}

static void format_value(enum limit_kind k, uint64_t value, bool v1, char *buf, size_t size)
{
        /* v1's cpu.shares: 1024 is a normal process, as cpu.weight's 100. */
        if (k == LIMIT_CPU && v1)
                value = value * 1024 / 100 < 2 ? 2 : value * 1024 / 100;
        snprintf(buf, size, "%" PRIu64, value);
}

void format_bytes(uint64_t bytes, char *buf, size_t size)
{
        static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
        double v = (double) bytes;
        size_t u = 0;

        while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%" PRIu64 " bytes", bytes);
        else
                snprintf(buf, size, "%.*f %s", v < 10 && v != (double) (uint64_t) v ? 1 : 0, v, units[u]);
}

/* MemTotal of /proc/meminfo, in one system call. */
static uint64_t host_memory(void)
{
        struct sysinfo si;

        return sysinfo(&si) == 0 ? (uint64_t) si.totalram * si.mem_unit : 0;
}

void limits_resolve(struct limits *l)
{
        if (l->pids_max == LIMIT_DEFAULT)
                l->pids_max = DEFAULT_PIDS_MAX;
        if (l->memory_max == LIMIT_DEFAULT) {
                uint64_t half = host_memory() / 2;
                l->memory_max = half && half < DEFAULT_MEMORY_MAX ? half : DEFAULT_MEMORY_MAX;
        }
        if (l->writable_max == LIMIT_DEFAULT)
                l->writable_max = DEFAULT_WRITABLE_MAX;
        if (l->cpu_weight == LIMIT_DEFAULT)
                l->cpu_weight = DEFAULT_CPU_WEIGHT;
}

/* Does text hold word as one of its blank-separated words? */
static bool has_word(const char *text, const char *word)
{
        size_t len = strlen(word);

        for (const char *p = text; (p = strstr(p, word)); p += len)
                if ((p == text || p[-1] == ' ' || p[-1] == '\n') && (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
                        return true;
        return false;
}

/* The controllers delegated to the container's v2 group: those enabled in the subtree
 * of the helper's own group (its parent). NULL: none (or unreadable). */
static char *v2_delegated(const char *v2_path)
{
        char parent[PATH_MAX], file[PATH_MAX];
        const char *slash = strrchr(v2_path, '/');
        char *content = NULL;

        if (!slash || (size_t) (slash - v2_path) >= sizeof(parent))
                return NULL;
        snprintf(parent, sizeof(parent), "%.*s", (int) (slash - v2_path), v2_path);
        if (path_join(file, sizeof(file), parent, "cgroup.subtree_control") < 0 ||
            read_file(file, 4096, &content, NULL) < 0)
                return NULL;
        return content;
}

/* What the v1 groups are made from: the mount table and the helper's own groups, read
 * once for every controller. */
struct v1_context {
        struct libmnt_table *mounts;
        char *own;              /* /proc/self/cgroup */
};

static void v1_context_free(struct v1_context *v)
{
        mnt_unref_table(v->mounts);
        free(v->own);
}

/* The helper's group of the controller in /proc/self/cgroup ("N:cpu,cpuacct:/path"), or NULL. */
static char *own_group_of(const char *own, const char *controller)
{
        size_t len = strlen(controller);

        for (const char *line = own; *line; line = strchrnul(line, '\n'), line += *line == '\n') {
                const char *list = strchr(line, ':'), *end = strchrnul(line, '\n');
                const char *group = list && list < end ? memchr(list + 1, ':', (size_t) (end - list - 1)) : NULL;
                if (!group)
                        continue;
                for (const char *c = list + 1; c < group; c += strcspn(c, ",:") + (c[strcspn(c, ",:")] == ',')) {
                        if ((size_t) strcspn(c, ",:") == len && strncmp(c, controller, len) == 0)
                                return strndup(group + 1, (size_t) (end - group - 1));
                        if (c[strcspn(c, ",:")] == ':')
                                break;
                }
        }
        return NULL;
}

/* Where the v1 hierarchy of the controller is mounted, and the helper's group in it. */
static int v1_own_group(struct v1_context *v, const char *controller, char *path, size_t size)
{
        struct libmnt_iter *iter;
        struct libmnt_fs *fs;
        const char *target = NULL, *root = "/";
        int r;

        /* thread-self: the mounts of the mount namespace this runs in (the helper's other
         * thread may have made a namespace of its own, main.c). */
        if (!v->mounts && !(v->mounts = mnt_new_table_from_file("/proc/thread-self/mountinfo")))
                return -ENOMEM;
        if (!v->own && (r = read_file("/proc/self/cgroup", 65536, &v->own, NULL)) < 0)
                return r;
        if (!(iter = mnt_new_iter(MNT_ITER_FORWARD)))
                return -ENOMEM;
        while (mnt_table_next_fs(v->mounts, iter, &fs) == 0)
                if (strcmp(mnt_fs_get_fstype(fs) ?: "", "cgroup") == 0 &&
                    mnt_optstr_get_option(mnt_fs_get_fs_options(fs), controller, NULL, NULL) == 0) {
                        target = mnt_fs_get_target(fs);
                        root = mnt_fs_get_root(fs) ?: "/";
                        break;
                }
        mnt_free_iter(iter);
        if (!target)
                return -ENOENT;

        _cleanup_free_ char *own = own_group_of(v->own, controller);
        if (!own)
                return -ENOENT;
        const char *relative = own;
        size_t root_len = strlen(root);
        if (strcmp(root, "/") != 0) {
                if (strncmp(own, root, root_len) != 0)
                        return -ENOENT;
                relative = own + root_len;
        }
        int n = snprintf(path, size, "%s%s", target, strcmp(relative, "/") == 0 ? "" : relative);
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int write_in(const char *dir, const char *file, const char *value)
{
        char path[PATH_MAX];
        int r = path_join(path, sizeof(path), dir, file);
        return r < 0 ? r : write_file(path, value, 0);
}

/* The guard removes the v1 groups however the helper ends (cgroup.h), reading v1_path
 * once the helper is gone, which may be in the middle of this: a path is published
 * before its group exists (removing a group that is not there is no error), and whole
 * (publish_path). */
/* Where systemd and every distribution mount the controller's hierarchy, and the helper's
 * group in it, if that is there: a cgroup file system at /sys/fs/cgroup/CONTROLLER with
 * the helper's group at the path /proc/self/cgroup names. Whether it is the controller's
 * hierarchy tells the limit's file in the group made there (make_v1_group). Only where it
 * is not is the mount table read (libmount: 0.05-0.2 ms), e.g. in a container that has a
 * subtree of the hierarchy bound there. */
static int v1_usual_group(struct v1_context *v, const char *controller, char *path, size_t size)
{
        char target[64];
        struct statfs sfs;
        struct stat st;
        int r;

        snprintf(target, sizeof(target), "/sys/fs/cgroup/%s", controller);
        if (statfs(target, &sfs) < 0 || sfs.f_type != CGROUP_SUPER_MAGIC)
                return -ENOENT;
        if (!v->own && (r = read_file("/proc/self/cgroup", 65536, &v->own, NULL)) < 0)
                return r;
        _cleanup_free_ char *own = own_group_of(v->own, controller);
        if (!own)
                return -ENOENT;
        int n = snprintf(path, size, "%s%s", target, strcmp(own, "/") == 0 ? "" : own);
        if (n < 0 || (size_t) n >= size)
                return -ENAMETOOLONG;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -ENOENT;
}

/* The limit's group below own, its limit written: 0, -errno; -ENOENT (and no group) where
 * own is in a hierarchy without the controller. */
static int make_v1_group(struct limits_cgroups *lc, enum limit_kind k, const char *own, const char *value)
{
        const struct cgroup_limit *cl = &cgroup_limits[k];
        char path[PATH_MAX], name[64];
        int r;

        snprintf(name, sizeof(name), "rescue-spawn-%d", (int) getpid());
        if ((r = path_join(path, sizeof(path), own, name)) < 0)
                return r;
        publish_path(lc->v1_path[k], path);
        if ((r = cgroup_make(path)) < 0) {
                publish_path(lc->v1_path[k], "");
                return r;
        }
        if ((r = write_in(path, cl->v1_file, cl->v1_before_exec ?: value)) < 0) {
                if (r == -ENOENT) {
                        (void) rmdir(path);
                        publish_path(lc->v1_path[k], "");
                }
                return r;
        }
        if (cl->v1_swap_file)
                (void) write_in(path, cl->v1_swap_file, value);    /* without swap accounting it is not there */
        /* "tasks", not cgroup.procs: moving the one thread of PID 1 takes no global lock
         * (cgroup.procs waits for an RCU grace period, milliseconds on a busy host). */
        if ((r = path_join(path, sizeof(path), lc->v1_path[k], "tasks")) < 0)
                return r;
        lc->v1_procs_fd[k] = open(path, O_WRONLY | O_CLOEXEC);
        return lc->v1_procs_fd[k] < 0 ? negative_errno() : 0;
}

static int setup_v1(struct limits_cgroups *lc, struct v1_context *v, enum limit_kind k, const char *value)
{
        const char *controller = cgroup_limits[k].controller;
        char own[PATH_MAX];
        int r;

        if (v1_usual_group(v, controller, own, sizeof(own)) == 0 && (r = make_v1_group(lc, k, own, value)) != -ENOENT)
                return r;
        if ((r = v1_own_group(v, controller, own, sizeof(own))) < 0)
                return r;
        return make_v1_group(lc, k, own, value);
}

void limits_cgroups_setup(struct limits_cgroups *lc, const struct limits *l, const char *v2_path)
{
        _cleanup_(v1_context_free) struct v1_context v1 = {};
        _cleanup_free_ char *delegated = v2_path ? v2_delegated(v2_path) : NULL;

        *lc = (struct limits_cgroups) { .v2_path = v2_path, .limits = l };
        for (enum limit_kind k = 0; k < N_CGROUP_LIMITS; k++)
                lc->v1_procs_fd[k] = -1;
        for (enum limit_kind k = 0; k < N_CGROUP_LIMITS; k++) {
                const struct cgroup_limit *cl = &cgroup_limits[k];
                uint64_t v = limit_value(l, k);
                int r;

                if (v == LIMIT_NONE)
                        continue;
                if (delegated && has_word(delegated, cl->controller)) {
                        format_value(k, v, false, lc->value[k], sizeof(lc->value[k]));
                        if ((r = write_in(v2_path, cl->v2_file, cl->v2_before_exec ?: lc->value[k])) == 0) {
                                if (cl->v2_swap_file)
                                        (void) write_in(v2_path, cl->v2_swap_file, "0");
                                lc->in_v2[k] = true;
                                continue;
                        }
                        lc->v2_error[k] = r;
                }
                format_value(k, v, true, lc->value[k], sizeof(lc->value[k]));
                if ((lc->error[k] = setup_v1(lc, &v1, k, lc->value[k])) < 0)
                        closep(&lc->v1_procs_fd[k]);
        }
}

/* What limits_cgroups_setup came to: where each limit is set, or a warning. */
static void say_where(const struct limits_cgroups *lc)
{
        for (enum limit_kind k = 0; k < N_CGROUP_LIMITS; k++) {
                const struct cgroup_limit *cl = &cgroup_limits[k];

                if (!lc->limits || limit_value(lc->limits, k) == LIMIT_NONE)
                        continue;
                if (lc->v2_error[k])
                        log_debug("cannot set %s in %s: %s", cl->v2_file, lc->v2_path, strerror(-lc->v2_error[k]));
                if (lc->in_v2[k])
                        log_debug("limit of the %s: %s in %s (cgroup v2)", cl->what, lc->value[k], lc->v2_path);
                else if (!lc->error[k])
                        log_debug("limit of the %s: %s in %s (cgroup v1)", cl->what, lc->value[k], lc->v1_path[k]);
                else
                        log_info("warning: the container's %s cannot be limited (%s): no '%s' controller delegated "
                                 "to the helper's cgroup%s", cl->what, strerror(-lc->error[k]), cl->controller,
                                 lc->v2_path ? " (systemd: run it in a unit with Delegate=yes)" : "");
        }
}

int limits_cgroups_enter(const struct limits_cgroups *lc)
{
        for (size_t k = 0; k < N_CGROUP_LIMITS; k++)
                if (lc->v1_procs_fd[k] >= 0 && write(lc->v1_procs_fd[k], "0", 1) < 0)
                        return negative_errno();
        return 0;
}

void limits_cgroups_after_exec(const struct limits_cgroups *lc, const struct limits *l)
{
        say_where(lc);
        for (enum limit_kind k = 0; k < N_CGROUP_LIMITS; k++) {
                const struct cgroup_limit *cl = &cgroup_limits[k];
                char value[32];
                bool v2;
                const char *dir = limit_group(lc, k, &v2);
                int r;

                if (!dir || !(v2 ? cl->v2_before_exec : cl->v1_before_exec))
                        continue;
                format_value(k, limit_value(l, k), !v2, value, sizeof(value));
                if ((r = write_in(dir, v2 ? cl->v2_file : cl->v1_file, value)) < 0)
                        log_info("warning: cannot set the container's %s: %s", cl->what, strerror(-r));
        }
}

void limits_cgroups_close(struct limits_cgroups *lc)
{
        for (size_t k = 0; k < N_CGROUP_LIMITS; k++)
                closep(&lc->v1_procs_fd[k]);
}

/* The number after "key " in a flat-keyed cgroup file; false when there is none. */
static bool read_key(const char *dir, const char *file, const char *key, uint64_t *value)
{
        char path[PATH_MAX];
        _cleanup_free_ char *content = NULL;
        size_t len = strlen(key);

        if (!dir || !file || path_join(path, sizeof(path), dir, file) < 0 || read_file(path, 65536, &content, NULL) < 0)
                return false;
        for (const char *line = content; *line; line = strchrnul(line, '\n'), line += *line == '\n')
                if ((!key[0] || (strncmp(line, key, len) == 0 && line[len] == ' ')) &&
                    sscanf(line + (key[0] ? len + 1 : 0), "%" SCNu64, value) == 1)
                        return true;
        return false;
}

/* The limit's group and whether it is the v2 one; NULL when the limit was not set. */
static const char *limit_group(const struct limits_cgroups *lc, enum limit_kind k, bool *v2)
{
        *v2 = lc->in_v2[k];
        if (lc->in_v2[k])
                return lc->v2_path;
        return lc->v1_path[k][0] ? lc->v1_path[k] : NULL;
}

void limits_read_usage(const struct limits_cgroups *lc, const char *writable_dir, struct limits_usage *u)
{
        const char *dir;
        bool v2;

        *u = (struct limits_usage) {};
        if ((dir = limit_group(lc, LIMIT_PIDS, &v2))) {
                const struct cgroup_limit *cl = &cgroup_limits[LIMIT_PIDS];
                u->pids_known = read_key(dir, v2 ? cl->v2_events : cl->v1_events, cl->event_key, &u->pids_refused);
                (void) read_key(dir, v2 ? cl->v2_peak : cl->v1_peak, "", &u->pids_peak);
        }
        if ((dir = limit_group(lc, LIMIT_MEMORY, &v2))) {
                const struct cgroup_limit *cl = &cgroup_limits[LIMIT_MEMORY];
                u->memory_known = read_key(dir, v2 ? cl->v2_events : cl->v1_events, cl->event_key, &u->oom_kills);
                (void) read_key(dir, v2 ? cl->v2_peak : cl->v1_peak, "", &u->memory_peak);
        }
        struct statvfs sv;
        if (writable_dir && statvfs(writable_dir, &sv) == 0) {
                u->writable_known = true;
                u->writable_used = (uint64_t) (sv.f_blocks - sv.f_bfree) * sv.f_frsize;
                u->writable_full = (uint64_t) sv.f_bavail * sv.f_frsize < WRITABLE_FULL_SLACK ||
                                   (sv.f_files && sv.f_ffree == 0);
        }
}

static void append(char *buf, size_t size, const char *text)
{
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", len ? "; " : "", text);
}

bool limits_judge(const struct limits *l, const struct limits_usage *u, char *detail, size_t size)
{
        char text[256], a[32], b[32];

        detail[0] = '\0';
        if (u->pids_known && u->pids_refused) {
                snprintf(text, sizeof(text), "the image exceeded its limit of %" PRIu64 " processes: "
                         "the kernel refused %" PRIu64 " fork(s)", l->pids_max, u->pids_refused);
                append(detail, size, text);
        }
        if (u->memory_known && u->oom_kills) {
                format_bytes(l->memory_max, a, sizeof(a));
                snprintf(text, sizeof(text), "the image exceeded its memory limit of %s: the kernel's OOM killer "
                         "ended %" PRIu64 " process(es)", a, u->oom_kills);
                append(detail, size, text);
        }
        if (u->writable_known && u->writable_full) {
                format_bytes(l->writable_max, a, sizeof(a));
                snprintf(text, sizeof(text), "the image exceeded its writable layer of %s: writes to its "
                         "file system failed with \"No space left on device\"", a);
                append(detail, size, text);
        }
        if (detail[0])
                return false;

        snprintf(detail, size, "within its limits:");
        size_t len = strlen(detail);
        if (u->pids_peak)
                len += (size_t) snprintf(detail + len, size - len, " %" PRIu64 " of %" PRIu64 " processes at most,",
                                         u->pids_peak, l->pids_max);
        if (u->memory_peak && len < size) {
                format_bytes(u->memory_peak, a, sizeof(a));
                format_bytes(l->memory_max, b, sizeof(b));
                len += (size_t) snprintf(detail + len, size - len, " %s of %s memory at most,", a, b);
        }
        if (u->writable_known && len < size) {
                format_bytes(u->writable_used, a, sizeof(a));
                format_bytes(l->writable_max, b, sizeof(b));
                len += (size_t) snprintf(detail + len, size - len, " %s%s%s written,", a,
                                         l->writable_max ? " of " : "", l->writable_max ? b : "");
        }
        len = strlen(detail);
        if (detail[len - 1] == ',')
                detail[len - 1] = '\0';
        else
                snprintf(detail, size, "within its limits (no usage figures on this host)");
        return true;
}
