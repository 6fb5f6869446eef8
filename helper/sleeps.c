#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sleeps.h"
#include "util.h"

/* The container counts as idle after this long without work: long enough for a
 * process woken by a sleep's end to exec its next program. */
#define QUIET_MS 20
/* Below this share of one CPU the container is not working (the kernel's own
 * bookkeeping of sleeping processes shows up as a few microseconds). */
#define QUIET_CPU_PERCENT 5
/* How often the container is looked at while a sleep is held. */
#define SAMPLE_MS 5

static int open_cgroup_file(const char *cgroup_path, const char *name)
{
        char path[PATH_MAX];

        int r = path_join(path, sizeof(path), cgroup_path, name);
        if (r < 0)
                return r;
        r = open(path, O_RDONLY | O_CLOEXEC);
        return r < 0 ? negative_errno() : r;
}

void sleeps_init(struct sleeps *s, const char *cgroup_path, bool skip)
{
        *s = (struct sleeps) { .cpu_stat_fd = -1, .cpu_pressure_fd = -1, .io_pressure_fd = -1 };
        if (cgroup_path) {
                s->cpu_stat_fd = open_cgroup_file(cgroup_path, "cpu.stat");
                s->cpu_pressure_fd = open_cgroup_file(cgroup_path, "cpu.pressure");
                s->io_pressure_fd = open_cgroup_file(cgroup_path, "io.pressure");
        }
        s->skip = skip && s->cpu_stat_fd >= 0;
        if (skip && !s->skip)
                log_debug("no cgroup to watch: the image's sleeps take their full time");
}

void sleeps_free(struct sleeps *s)
{
        closep(&s->cpu_stat_fd);
        closep(&s->cpu_pressure_fd);
        closep(&s->io_pressure_fd);
}

/* The number after "key" in a cgroup file ("usage_usec 123", "some ... total=123"). */
static unsigned long long read_counter(int fd, const char *key)
{
        char buf[512];
        ssize_t n;

        if (fd < 0)
                return 0;
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        const char *at = strstr(buf, key);
        return at ? strtoull(at + strlen(key), NULL, 10) : 0;
}

/* Anything done since the last sample: CPU time used, or time spent waiting for a
 * CPU or for I/O (a process in D state uses no CPU but is far from idle). */
static void sample(struct sleeps *s, long long now_us)
{
        unsigned long long cpu = read_counter(s->cpu_stat_fd, "usage_usec ");
        unsigned long long cpu_wait = read_counter(s->cpu_pressure_fd, "total=");
        unsigned long long io_wait = read_counter(s->io_pressure_fd, "total=");
        long long elapsed = now_us - s->sample_us;

        if (s->sample_us == 0 || cpu_wait != s->cpu_wait_usec || io_wait != s->io_wait_usec ||
            (long long) (cpu - s->cpu_usec) * 100 > elapsed * QUIET_CPU_PERCENT)
                s->busy_us = now_us;
        s->sample_us = now_us;
        s->cpu_usec = cpu;
        s->cpu_wait_usec = cpu_wait;
        s->io_wait_usec = io_wait;
}

/* How long the caller asked to sleep, in microseconds; -1: not ours to hold. */
static long long requested_us(struct seccomp_listener *l)
{
        const struct seccomp_notif *req = l->req;
        bool clock_call = req->data.nr == (int) SCMP_SYS(clock_nanosleep);
        uint64_t addr = clock_call ? req->data.args[2] : req->data.args[0];
        clockid_t clock = clock_call ? (clockid_t) req->data.args[0] : CLOCK_MONOTONIC;
        bool absolute = clock_call && (req->data.args[1] & TIMER_ABSTIME);
        struct timespec ts;

        if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME && clock != CLOCK_TAI)
                return -1;      /* CPU-time clocks and bad ids: the kernel answers */
        if (seccomp_listener_read(l, addr, &ts, sizeof(ts)) < 0 || ts.tv_sec < 0 ||
            ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
                return -1;      /* EFAULT, EINVAL: the kernel says so itself */
        if (absolute) {
                struct timespec now;
                clock_gettime(clock, &now);
                ts.tv_sec -= now.tv_sec;
                ts.tv_nsec -= now.tv_nsec;
                if (ts.tv_nsec < 0) {
                        ts.tv_nsec += 1000000000L;
                        ts.tv_sec--;
                }
                if (ts.tv_sec < 0)
                        return 0;
        }
        if (ts.tv_sec > SLEEPS_MAX_HELD_S || (ts.tv_sec == SLEEPS_MAX_HELD_S && ts.tv_nsec > 0))
                return -1;
        return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sleeps_hold(struct sleeps *s, struct seccomp_listener *l, long long now_us)
{
        long long us = requested_us(l);

        if (us < 0 || s->count == SLEEPS_MAX_HELD) {
                (void) seccomp_listener_continue(l, l->req->id);
                return;
        }
        s->held[s->count++] = (struct held_sleep) {
                .id = l->req->id, .start_us = now_us, .deadline_us = now_us + us,
        };
        s->held_total++;
        s->requested_us += us;
        /* The process went to sleep just now: what it did before is not idleness. */
        sample(s, now_us);
        s->busy_us = now_us;
}

static void end_sleep(struct sleeps *s, struct seccomp_listener *l, size_t i, long long now_us)
{
        const struct held_sleep *h = &s->held[i];

        /* -ENOENT: a signal interrupted it (the call restarts as a new notification),
         * or the process is gone. */
        if (seccomp_listener_reply(l, h->id, 0, 0) == 0) {
                s->taken_us += now_us - h->start_us;
                log_debug("a sleep of %.3f s ended after %.3f s%s", (double) (h->deadline_us - h->start_us) / 1e6,
                          (double) (now_us - h->start_us) / 1e6, now_us < h->deadline_us ? " (the container idled)" : "");
        }
        s->held[i] = s->held[--s->count];
}

static size_t earliest(const struct sleeps *s)
{
        size_t e = 0;

        for (size_t i = 1; i < s->count; i++)
                if (s->held[i].deadline_us < s->held[e].deadline_us)
                        e = i;
        return e;
}

int sleeps_tick(struct sleeps *s, struct seccomp_listener *l, long long now_us)
{
        for (size_t i = 0; i < s->count;) {
                if (s->held[i].deadline_us <= now_us)
                        end_sleep(s, l, i, now_us);
                else
                        i++;
        }
        if (s->count == 0)
                return -1;
        if (s->skip) {
                sample(s, now_us);
                if (now_us - s->busy_us >= QUIET_MS * 1000LL) {
                        /* Time jumps to the next deadline: the earliest sleeper wakes,
                         * and the others wait until it is done with what it woke for. */
                        end_sleep(s, l, earliest(s), now_us);
                        s->busy_us = now_us;
                        if (s->count == 0)
                                return -1;
                }
        }
        long long until_deadline = s->held[earliest(s)].deadline_us - now_us;
        long long wait_ms = (until_deadline + 999) / 1000;
        if (s->skip && wait_ms > SAMPLE_MS)
                wait_ms = SAMPLE_MS;
        return (int) wait_ms;
}

void sleeps_stop_skipping(struct sleeps *s)
{
        if (s->skip)
                log_debug("from now on the image's sleeps take their full time");
        s->skip = false;
}
