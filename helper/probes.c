#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "probes.h"
#include "util.h"

/* What one probe may send: the first problems tell most. */
#define PROBE_RECORDS_MAX (512u << 10)
#define RECORD_MAGIC 0x72747072u        /* "rtpr" */
#define NO_EXCERPT UINT32_MAX

static const struct probe_def probe_table[] = {
        { "rear",           probe_rear,           false },
        { "rear-config",    probe_rear_config,    false },
        { "required-progs", probe_required_progs, false },
        { "libraries",      probe_libraries,      false },
        { "units",          probe_units,          true },
        { "layout",         probe_layout,         false },
        { "backup",         probe_backup,         false },
        { "kernel-modules", probe_kernel_modules, false },
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

/* Hands every complete record of buf to sink; returns how many. */
static size_t records_deliver(const char *buf, size_t len, const struct item_sink *sink)
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
        d->run(env, &sink);
        _exit(0);
}

int probes_start(struct probes *ps, const struct container *c, const struct probe_env *env)
{
        ps->started = true;
        ps->items = calloc(ARRAY_SIZE(probe_table), sizeof(*ps->items));
        if (!ps->items)
                return -ENOMEM;
        for (size_t i = 0; i < ARRAY_SIZE(probe_table); i++) {
                const struct probe_def *d = &probe_table[i];
                struct probe *p = &ps->items[ps->n];
                int fds[2];

                if (d->needs_systemctl && !env->has_systemctl)
                        continue;
                *p = (struct probe) { .def = d, .fd = -1, .done = true, .status = 127 << 8 };
                ps->n++;
                if (pipe2(fds, O_CLOEXEC) < 0)
                        continue;
                fflush(stdout);
                pid_t pid = container_spawn(c, fds[1]);
                if (pid == 0)
                        probe_child(d, env, fds[1]);
                close(fds[1]);
                p->fd = fds[0];
                fcntl(p->fd, F_SETFL, O_NONBLOCK);
                if (pid > 0) {
                        p->pid = pid;
                        p->done = false;
                }
        }
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

void probe_deliver(const struct probe *p, const struct item_sink *sink)
{
        if (records_deliver(p->records, p->len, sink) > 0)
                return;
        if (!p->done)
                item_add(sink, p->def->name, CHECK_FAIL, -1, NULL, "the probe did not finish in time inside the rescue system");
        else if (WIFSIGNALED(p->status))
                item_add(sink, p->def->name, CHECK_FAIL, -1, NULL, "the probe was killed by signal %d inside the rescue system",
                         WTERMSIG(p->status));
        else
                item_add(sink, p->def->name, CHECK_FAIL, -1, NULL, "the probe could not run inside the rescue system");
}

int probe_run_here(probe_run_fn run, const struct probe_env *env, const struct item_sink *sink)
{
        _cleanup_close_ int fd = memfd_create("probe", MFD_CLOEXEC);
        struct item_sink to_fd = { .add = record_write, .userdata = &fd };

        if (fd < 0)
                return negative_errno();
        run(env, &to_fd);
        off_t len = lseek(fd, 0, SEEK_END);
        if (len <= 0)
                return len < 0 ? negative_errno() : 0;
        char *buf = mmap(NULL, (size_t) len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (buf == MAP_FAILED)
                return negative_errno();
        records_deliver(buf, (size_t) len, sink);
        munmap(buf, (size_t) len);
        return 0;
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

int probe_command(char *const *argv, char *out, size_t size)
{
        int fds[2], status;
        size_t len = 0;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        pid_t pid = fork();
        if (pid < 0) {
                closep(&fds[0]);
                closep(&fds[1]);
                return negative_errno();
        }
        if (pid == 0) {
                int null_fd = open("/dev/null", O_RDONLY);
                dup2(null_fd, 0);
                dup2(fds[1], 1);
                dup2(fds[1], 2);
                execvpe(argv[0], argv, command_env);
                _exit(errno == ENOENT ? 127 : errno == ENOEXEC ? 125 : 126);
        }
        closep(&fds[1]);
        for (char sink[4096];;) {
                char *to = len + 1 < size ? out + len : sink;
                size_t room = len + 1 < size ? size - 1 - len : sizeof(sink);
                ssize_t n = read(fds[0], to, room);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (to != sink)
                        len += (size_t) n;
        }
        closep(&fds[0]);
        if (size)
                out[len] = '\0';
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return status;
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
