#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "probes.h"
#include "util.h"

/* What one probe may send: the first problems tell most. */
#define PROBE_RECORDS_MAX (512u << 10)
#define RECORD_MAGIC 0x72747072u        /* "rtpr" */
#define NO_EXCERPT UINT32_MAX

/* In the order of the report. rear-config takes longest (rear itself starts slowly, 0.5-1 s)
 * and only reads files: it starts with the boot, whose first seconds (systemd, ssh-keygen,
 * the md5 check of every file) keep one CPU busy, not two. The others start when the boot
 * has settled; libraries, the longest of them, first, and the short ones yield the CPU to it
 * (nice 5). */
static const struct probe_def probe_table[] = {
        { "rear",           probe_rear,           false, false, 5 },
        { "rear-config",    probe_rear_config,    false, true,  0 },
        { "required-progs", probe_required_progs, false, false, 5 },
        { "libraries",      probe_libraries,      false, false, 0 },
        { "units",          probe_units,          true,  false, 5 },
        { "layout",         probe_layout,         false, false, 5 },
        { "backup",         probe_backup,         false, false, 5 },
        { "kernel-modules", probe_kernel_modules, false, false, 5 },
};

/* One item as a probe sends it: this header, then name, detail and excerpt (no NULs). */
struct record_header {
        uint32_t magic;
        int32_t status;
        double seconds;
        uint32_t name_len, detail_len, excerpt_len;
};

static void record_write(void *userdata, const struct check_item *item)
{
        int fd = *(int *) userdata;
        size_t detail_len = strlen(item->detail ?: ""), excerpt_len = item->excerpt ? strlen(item->excerpt) : 0;
        if (excerpt_len > PROBE_RECORDS_MAX / 2)
                excerpt_len = PROBE_RECORDS_MAX / 2;
        struct record_header h = {
                .magic = RECORD_MAGIC,
                .status = item->status,
                .seconds = item->seconds,
                .name_len = (uint32_t) strlen(item->name),
                .detail_len = (uint32_t) detail_len,
                .excerpt_len = item->excerpt ? (uint32_t) excerpt_len : NO_EXCERPT,
        };
        (void) write_all(fd, &h, sizeof(h));
        (void) write_all(fd, item->name, h.name_len);
        (void) write_all(fd, item->detail ?: "", detail_len);
        (void) write_all(fd, item->excerpt ?: "", excerpt_len);
}

size_t probe_records_deliver(const char *buf, size_t len, const struct item_sink *sink)
{
        size_t n = 0;

        for (size_t off = 0; off + sizeof(struct record_header) <= len; n++) {
                struct record_header h;
                memcpy(&h, buf + off, sizeof(h));
                size_t excerpt_len = h.excerpt_len == NO_EXCERPT ? 0 : h.excerpt_len;
                size_t body = (size_t) h.name_len + h.detail_len + excerpt_len;
                if (h.magic != RECORD_MAGIC || h.status < CHECK_OK || h.status > CHECK_WARN ||
                    body > len - off - sizeof(h))
                        break;
                const char *p = buf + off + sizeof(h);
                _cleanup_free_ char *name = strndup(p, h.name_len);
                _cleanup_free_ char *detail = strndup(p + h.name_len, h.detail_len);
                _cleanup_free_ char *excerpt = h.excerpt_len == NO_EXCERPT ? NULL
                        : strndup(p + h.name_len + h.detail_len, excerpt_len);
                struct check_item item = { .name = name, .status = h.status, .detail = detail,
                                           .excerpt = excerpt, .seconds = h.seconds };
                if (name && detail)
                        sink->add(sink->userdata, &item);
                off += sizeof(h) + body;
        }
        return n;
}

static void probe_child(const struct probe_def *d, const struct probe_env *env, int fd)
{
        struct item_sink sink = { .add = record_write, .userdata = &fd };
        if (d->nice)
                (void) nice(d->nice);
        d->run(env, &sink);
        _exit(0);
}

static void probe_spawn(struct probe *p, const struct container *c, const struct probe_env *env)
{
        int fds[2];

        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        fflush(stdout);
        pid_t pid = container_spawn(c, fds[1]);
        if (pid == 0)
                probe_child(p->def, env, fds[1]);
        close(fds[1]);
        p->fd = fds[0];
        fcntl(p->fd, F_SETFL, O_NONBLOCK);
        p->spawned = true;
        if (pid > 0) {
                p->pid = pid;
                p->done = false;
        }
}

int probes_start(struct probes *ps, const struct container *c, const struct probe_env *env, bool at_boot)
{
        if (!ps->items) {
                ps->items = calloc(ARRAY_SIZE(probe_table), sizeof(*ps->items));
                if (!ps->items)
                        return -ENOMEM;
                for (size_t i = 0; i < ARRAY_SIZE(probe_table); i++)
                        if (!probe_table[i].needs_systemctl || env->has_systemctl)
                                ps->items[ps->n++] = (struct probe) { .def = &probe_table[i], .fd = -1, .done = true,
                                                                      .status = 127 << 8 };
        }
        ps->started |= !at_boot;
        for (int pass = 0; pass < 2; pass++)       /* nice 0 first */
                for (size_t i = 0; i < ps->n; i++)
                        if (!ps->items[i].spawned && ps->items[i].def->at_boot == at_boot &&
                            (ps->items[i].def->nice == 0) == (pass == 0))
                                probe_spawn(&ps->items[i], c, env);
        return 0;
}

static void probe_read(struct probe *p)
{
        char buf[8192];

        for (;;) {
                ssize_t n = p->fd >= 0 ? read(p->fd, buf, sizeof(buf)) : -1;
                if (n <= 0)
                        return;
                if (p->len + (size_t) n > PROBE_RECORDS_MAX)
                        continue;       /* a record cut off here is dropped whole */
                char *records = realloc(p->records, p->len + (size_t) n);
                if (!records)
                        return;
                p->records = records;
                memcpy(p->records + p->len, buf, (size_t) n);
                p->len += (size_t) n;
        }
}

void probes_read(struct probes *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                probe_read(&ps->items[i]);
}

struct probe *probes_on_exit(struct probes *ps, pid_t pid, int status)
{
        for (size_t i = 0; i < ps->n; i++) {
                struct probe *p = &ps->items[i];
                if (p->pid != pid || pid <= 0)
                        continue;
                probe_read(p);
                closep(&p->fd);
                p->done = true;
                p->status = status;
                p->pid = 0;
                return p;
        }
        return NULL;
}

bool probes_done(const struct probes *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                if (!ps->items[i].done)
                        return false;
        return ps->started;
}

void probes_kill(struct probes *ps)
{
        for (size_t i = 0; i < ps->n; i++)
                if (ps->items[i].pid > 0)
                        kill(ps->items[i].pid, SIGKILL);
}

void probe_deliver(const struct probe *p, const struct item_sink *sink, bool settled)
{
        if (probe_records_deliver(p->records, p->len, sink) > 0 || !settled)
                return;
        if (!p->done)
                item_add(sink, p->def->name, CHECK_FAIL, -1, NULL, "the probe did not finish in time inside the rescue system");
        else if (WIFSIGNALED(p->status))
                item_add(sink, p->def->name, CHECK_FAIL, -1, NULL, "the probe was killed by signal %d inside the rescue system",
                         WTERMSIG(p->status));
        else
                item_add(sink, p->def->name, CHECK_FAIL, -1, NULL, "the probe could not run inside the rescue system");
}

void probes_free(struct probes *ps)
{
        for (size_t i = 0; i < ps->n; i++) {
                closep(&ps->items[i].fd);
                free(ps->items[i].records);
        }
        free(ps->items);
        *ps = (struct probes) {};
}

static char *const command_env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/root", "LANG=C", "TERM=dumb", NULL,
};

/* Index of the first of stop_at that text holds, or -1. */
static int stopped_at(const char *text, const char *const *stop_at)
{
        for (int i = 0; stop_at && stop_at[i]; i++)
                if (strstr(text, stop_at[i]))
                        return i;
        return -1;
}

int probe_command_until(char *const *argv, char *out, size_t size, const char *const *stop_at)
{
        int fds[2], status, stop = -1;
        size_t len = 0;

        if (size == 0 || pipe2(fds, O_CLOEXEC) < 0)
                return size == 0 ? -EINVAL : negative_errno();
        pid_t pid = fork();
        if (pid < 0) {
                closep(&fds[0]);
                closep(&fds[1]);
                return negative_errno();
        }
        if (pid == 0) {
                int null_fd = open("/dev/null", O_RDONLY);
                setpgid(0, 0);          /* one kill ends it and what it started */
                dup2(null_fd, 0);
                dup2(fds[1], 1);
                dup2(fds[1], 2);
                execvpe(argv[0], argv, command_env);
                _exit(errno == ENOENT ? 127 : errno == ENOEXEC ? 125 : 126);
        }
        closep(&fds[1]);
        out[0] = '\0';
        for (char discard[4096]; stop < 0;) {
                char *to = len + 1 < size ? out + len : discard;
                size_t room = len + 1 < size ? size - 1 - len : sizeof(discard);
                ssize_t n = read(fds[0], to, room);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (to != discard) {
                        len += (size_t) n;
                        out[len] = '\0';
                        stop = stopped_at(out, stop_at);
                }
        }
        closep(&fds[0]);
        if (stop >= 0)
                kill(-pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return stop >= 0 ? PROBE_STOPPED_AT(stop) : status;
}

int probe_command(char *const *argv, char *out, size_t size)
{
        return probe_command_until(argv, out, size, NULL);
}

static bool in_path(const char *name, char *path, size_t size)
{
        static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };

        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                snprintf(path, size, "%s/%s", name[0] == '/' ? "" : dirs[i], name[0] == '/' ? name + 1 : name);
                if (access(path, X_OK) == 0)
                        return true;
        }
        return false;
}

int probe_program(const char *name, const char *arg, char *why, size_t size)
{
        char path[PATH_MAX], out[2048], line[256];

        if (!in_path(name, path, sizeof(path))) {
                snprintf(why, size, "%s not found", name);
                return -ENOENT;
        }
        char *const argv[] = { path, (char *) arg, NULL };
        int status = probe_command(argv, out, sizeof(out));
        if (status >= 0 && WIFSIGNALED(status))
                snprintf(why, size, "%s %s was killed by signal %d", path, arg, WTERMSIG(status));
        else if (status < 0 || WEXITSTATUS(status) >= 125)
                snprintf(why, size, "%s does not run: %s", path,
                         out[0] ? probe_last_line(out, line, sizeof(line)) : "cannot execute it");
        else
                return 0;
        return -ENOEXEC;
}

const char *probe_last_line(const char *text, char *buf, size_t size)
{
        const char *end = text + strlen(text);
        while (end > text && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        const char *start = end;
        while (start > text && start[-1] != '\n')
                start--;
        snprintf(buf, size, "%.*s", (int) (end - start), start);
        return buf;
}
