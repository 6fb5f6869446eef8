#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "inputwait.h"
#include "util.h"

#define LOOK_EVERY_MS 1000

/* Programs that wait on a terminal by design: a getty at its prompt, a login. */
static const char *const waiting_by_design[] = { "agetty", "getty", "mingetty", "login" };

static int cpu_usage(const char *cgroup, unsigned long long *us)
{
        char path[PATH_MAX], *text = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/cpu.stat", cgroup);
        int r = read_file(path, 4096, &text, &len);
        if (r < 0)
                return r;
        r = sscanf(text, "usage_usec %llu", us) == 1 ? 0 : -EINVAL;
        free(text);
        return r;
}

/* Is process pid asleep reading one of the terminals (its stdin)? */
static const struct terminal *reads_terminal(pid_t pid, const struct terminals *ts, char *comm, size_t size)
{
        char path[64], *text = NULL;
        size_t len;
        struct stat fd0, slave;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        if (read_file(path, 1024, &text, &len) < 0)
                return NULL;
        const char *close_paren = strrchr(text, ')'), *open_paren = strchr(text, '(');
        bool sleeping = close_paren && open_paren && close_paren[1] == ' ' && close_paren[2] == 'S';
        if (open_paren && close_paren)
                snprintf(comm, size, "%.*s", (int) (close_paren - open_paren - 1), open_paren + 1);
        free(text);
        for (size_t i = 0; sleeping && i < ARRAY_SIZE(waiting_by_design); i++)
                sleeping = strcmp(comm, waiting_by_design[i]) != 0;
        snprintf(path, sizeof(path), "/proc/%d/fd/0", (int) pid);
        if (!sleeping || stat(path, &fd0) < 0 || !S_ISCHR(fd0.st_mode))
                return NULL;
        snprintf(path, sizeof(path), "/proc/%d/wchan", (int) pid);
        if (read_file(path, 128, &text, &len) < 0)
                return NULL;
        /* A reader of a tty sleeps in n_tty_read's wait (wait_woken), not in poll or select. */
        bool in_read = strcmp(text, "wait_woken") == 0 || strcmp(text, "n_tty_read") == 0;
        free(text);
        for (size_t i = 0; in_read && i < ts->count; i++)
                if (fstat(ts->items[i].holder, &slave) == 0 && slave.st_rdev == fd0.st_rdev)
                        return &ts->items[i];
        return NULL;
}

/* The first process of the cgroup tree below dir that reads a terminal. */
static bool find_reader(const char *dir, const struct terminals *ts, struct input_waiter *who, int depth)
{
        char path[PATH_MAX], *procs = NULL;
        size_t len;

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        if (read_file(path, 1u << 20, &procs, &len) >= 0) {
                for (char *save = NULL, *line = strtok_r(procs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        pid_t pid = (pid_t) atoi(line);
                        if (pid > 0 && (who->terminal = reads_terminal(pid, ts, who->comm, sizeof(who->comm)))) {
                                who->pid = pid;
                                free(procs);
                                return true;
                        }
                }
                free(procs);
        }
        DIR *d = depth < 8 ? opendir(dir) : NULL;
        bool found = false;
        for (struct dirent *e; d && !found && (e = readdir(d));) {
                if (e->d_type != DT_DIR || e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                found = find_reader(path, ts, who, depth + 1);
        }
        if (d)
                closedir(d);
        return found;
}

bool input_wait_poll(struct input_wait *w, const struct terminals *ts, long long now, struct input_waiter *who)
{
        unsigned long long us;

        if (!w->cgroup || now - w->last_look_ms < LOOK_EVERY_MS || cpu_usage(w->cgroup, &us) < 0)
                return false;
        bool idle = w->last_look_ms && us - w->cpu_us < INPUT_IDLE_CPU_US * (unsigned long long) (now - w->last_look_ms) / 1000;
        w->last_look_ms = now;
        w->cpu_us = us;
        if (!idle) {
                w->idle_since_ms = 0;
                return false;
        }
        if (!w->idle_since_ms)
                w->idle_since_ms = now;
        return now - w->idle_since_ms >= INPUT_IDLE_MS && find_reader(w->cgroup, ts, who, 0);
}
