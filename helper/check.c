/* --check, the orchestration: what happens when. The parts each have one job: console.c
 * (rules over what the terminals print), login.c (the conversation), probes.c and
 * probe-*.c (checks inside, structured results), inputwait.c (a boot waiting for a key),
 * image.c (what the image's files say), judge.c (the items), report.c (the files). */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bootfiles.h"
#include "check.h"
#include "console.h"
#include "image.h"
#include "inputwait.h"
#include "items.h"
#include "judge.h"
#include "lines.h"
#include "log.h"
#include "login.h"
#include "probes.h"
#include "report.h"
#include "util.h"

/* After the boot has settled (systemd's READY=1, ReaR's ready line or a first
 * prompt), how long the rest may still take: systemd starts gettys as Type=idle,
 * up to 5 s after the last job. */
#define SETTLE_GRACE_MS 15000
/* How long a systemd image may take beyond its ready line to send READY=1. */
#define NOTIFY_GRACE_MS 30000
#define PROBE_TIMEOUT_MS 60000
#define QUESTION_BYTES 600

struct check {
        const struct options *o;
        const struct rootfs_info *info;
        struct supervisor *s;
        char report_dir[PATH_MAX];      /* empty: no files */
        time_t started_at;

        struct image_facts facts;
        struct boot_medium boot;        /* --boot-medium, read before the boot */
        struct probe_env env;
        struct console_watch cw;
        struct login login;
        struct probes probes;
        struct input_wait input;
        char input_wait[600];           /* "" or why the boot waits for input */
        char input_excerpt[QUESTION_BYTES + 1];

        long long settled_ms, done_ms, last_status_ms;
        long long wait_asked_us;        /* the image's sleeps before its first prompt: asked for */
        long long wait_taken_us;        /* ... and how long they really lasted */
        long long sshd_listening_ms;

        struct item_list items;
};

static double seconds_since(const struct check *c, long long ms)
{
        return ms > 0 && c->s ? (double) (ms - c->s->start_ms) / 1000.0 : -1.0;
}

/* One line per milestone on stderr, so that a waiting admin never sees a silent minute. */
static void milestone(void *userdata, long long ms, const char *text)
{
        log_info("[%6.1f s] %s", seconds_since(userdata, ms), text);
}

static void check_on_output(void *userdata, struct terminal *t, const char *bytes, size_t n, long long now)
{
        struct check *c = userdata;
        console_feed(&c->cw, (size_t) (t - c->s->terminals->items), bytes, n, now);
}

static void check_on_child_exit(void *userdata, pid_t pid, int status, long long now)
{
        struct check *c = userdata;
        struct probe *p = probes_on_exit(&c->probes, pid, status);
        char text[80];

        if (p) {
                snprintf(text, sizeof(text), "probe %s finished", p->def->name);
                milestone(c, now, text);
        }
}

static void check_on_notify(void *userdata, const struct notify_message *m, long long now)
{
        if (m->ready)
                milestone(userdata, now, "systemd reports the boot finished (READY=1)");
}

static bool prompts_done(const struct check *c)
{
        for (size_t i = 0; i < c->cw.n_ttys; i++)
                if (c->cw.ttys[i].getty && !c->cw.ttys[i].getty->serial_unit && !c->cw.ttys[i].prompt_ms)
                        return false;
        return true;
}

/* Is a TCP socket of the container listening on port? Its network namespace's view,
 * read through its PID 1. */
static bool container_listens(pid_t pid, unsigned port)
{
        static const char *const tables[] = { "tcp", "tcp6" };
        for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
                char path[64], line[512];
                snprintf(path, sizeof(path), "/proc/%d/net/%s", (int) pid, tables[i]);
                _cleanup_fclose_ FILE *f = fopen(path, "re");
                while (f && fgets(line, sizeof(line), f)) {
                        unsigned local_port, state;
                        /* "  0: 00000000:0016 00000000:0000 0A ..." */
                        if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &local_port, &state) == 2 &&
                            local_port == port && state == 0x0a)
                                return true;
                }
        }
        return false;
}

/* What the check waits for now, for the live status line. */
static const char *waiting_for(const struct check *c, const struct supervisor *s, char *buf, size_t size)
{
        if (s->stop_cause != STOP_NONE)
                return "the power off";
        if (!c->cw.found.ready_line_ms)
                return "ReaR's ready line";
        if (c->info->init_kind == INIT_SYSTEMD && !s->ready_ms)
                return "systemd to finish its boot";
        for (size_t i = 0; i < c->cw.n_ttys; i++)
                if (c->cw.ttys[i].getty && !c->cw.ttys[i].getty->serial_unit && !c->cw.ttys[i].prompt_ms) {
                        snprintf(buf, size, "a login prompt on %s", c->cw.ttys[i].terminal->name);
                        return buf;
                }
        if (c->login.phase != LOGIN_DONE)
                return "the login as root";
        return "the probes";
}

static void stop(struct check *c, struct supervisor *s, long long now, const char *why)
{
        c->done_ms = now;
        c->cw.found.frozen = true;
        milestone(c, now, why);
        supervisor_request_stop(s, STOP_CHECK_DONE);
}

static void ignore_line(void *userdata, const char *line)
{
        (void) userdata;
        (void) line;
}

/* systemd 256 and later (Debian 13: 257) log on the console, at ReaR's LogLevel=debug, each
 * message they send to the notify socket: "STATUS=User job sysinit.service/start running
 * (9s / no limit)" every second while a setup script waits. Not part of its question. */
static const char notify_chatter[] = "Notify message sent to ";

/* Before ReaR's ready line: does the boot wait for someone to type? */
static void watch_input_wait(struct check *c, struct supervisor *s, long long now)
{
        struct input_waiter who;
        struct line_reader question = {};
        size_t len;

        if (c->cw.found.ready_line_ms || !input_wait_poll(&c->input, s->terminals, now, &who))
                return;
        const char *tail = ring_tail(&who.terminal->output, RING_SIZE, &len);
        lines_without(tail, len, notify_chatter, c->input_excerpt, sizeof(c->input_excerpt));
        /* The question: the unfinished last line of what is left. */
        line_reader_feed(&question, c->input_excerpt, strlen(c->input_excerpt), ignore_line, NULL);
        const char *partial = question.partial;
        snprintf(c->input_wait, sizeof(c->input_wait),
                 "the boot waits for input on %s: %s (%s, host PID %d) asks \"%.160s\" and nothing runs for %d s",
                 who.terminal->name, c->cw.found.setup_script[0] ? c->cw.found.setup_script : "a setup script",
                 who.comm, (int) who.pid, partial, INPUT_IDLE_MS / 1000);
        stop(c, s, now, c->input_wait);
}

static void check_on_tick(void *userdata, struct supervisor *s, long long now)
{
        struct check *c = userdata;
        char what[64];

        if (now - c->last_status_ms >= 1000) {
                c->last_status_ms = now;
                log_status("[%6.1f s] waiting for %s", seconds_since(c, now), waiting_for(c, s, what, sizeof(what)));
        }
        probes_read(&c->probes);
        if (c->settled_ms && now - c->settled_ms > PROBE_TIMEOUT_MS)
                probes_kill(&c->probes);
        if (s->stop_cause != STOP_NONE)
                return;
        if (!c->probes.items && probes_start(&c->probes, s->container, &c->env, true) < 0)
                log_error("cannot start the probes: %s", strerror(ENOMEM));
        if (!console_first_prompt(&c->cw)) {
                c->wait_asked_us = s->sleeps.requested_us;
                c->wait_taken_us = s->sleeps.taken_us;
        }
        /* Settled: systemd says its boot is done; other inits have no such word, so
         * ReaR's ready line or a first prompt stands in (also for a systemd that never says it). */
        bool seen = c->cw.found.ready_line_ms || console_first_prompt(&c->cw);
        bool settled = c->info->init_kind == INIT_SYSTEMD ? s->ready_ms || (seen && now - s->start_ms > NOTIFY_GRACE_MS) : seen;
        if (!c->settled_ms && settled) {
                c->settled_ms = now;
                if (probes_start(&c->probes, s->container, &c->env, false) < 0)
                        log_error("cannot start the probes: %s", strerror(ENOMEM));
                milestone(c, now, "running the probes inside the rescue system");
        }
        enum login_phase before = c->login.phase;
        login_step(&c->login, &c->cw, now);
        if (c->login.phase == LOGIN_DONE && before != LOGIN_DONE)
                milestone(c, now, c->login.detail);
        if (!c->settled_ms) {
                watch_input_wait(c, s, now);
                return;
        }
        bool want_sshd = c->facts.sshd_configured && c->facts.sshd_binary;
        if (want_sshd && !c->sshd_listening_ms && container_listens(s->container->pid, c->facts.sshd_port)) {
                c->sshd_listening_ms = now;
                milestone(c, now, "sshd listens");
        }
        bool everything_seen = c->cw.found.ready_line_ms && prompts_done(c) && c->login.phase == LOGIN_DONE &&
                               (!want_sshd || c->sshd_listening_ms);
        if ((everything_seen || now - c->settled_ms > SETTLE_GRACE_MS) && probes_done(&c->probes))
                stop(c, s, now, "checks done: powering off");
}

/* ---- setup and verdict ---- */

static int mkdir_parents(const char *path)
{
        char buf[PATH_MAX];
        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
                *p = '/';
        }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

int check_new(const struct options *o, const struct rootfs_info *info, struct check **ret)
{
        struct check *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->o = o;
        c->info = info;
        c->started_at = time(NULL);
        if (o->report_dir) {
                if ((r = mkdir_parents(o->report_dir)) < 0) {
                        log_error("cannot create the report directory %s: %s", o->report_dir, strerror(-r));
                        free(c);
                        return r;
                }
                snprintf(c->report_dir, sizeof(c->report_dir), "%s", o->report_dir);
        }
        if ((r = image_inspect(o->rootfs, info->init_kind, &c->facts)) < 0) {
                log_error("cannot read %s: %s", o->rootfs, strerror(-r));
                free(c);
                return r;
        }
        if (o->boot_medium && boot_medium_read(o->boot_medium, o->tftp_root, &c->boot) < 0 && !c->boot.error[0])
                snprintf(c->boot.error, sizeof(c->boot.error), "cannot read %s: out of memory", o->boot_medium);
        c->env = (struct probe_env) {
                .has_systemctl = c->facts.has_systemctl,
                .has_udevd = c->facts.has_udevd,
                .sshd_configured = c->facts.sshd_configured,
                .sshd_binary = c->facts.sshd_binary,
        };
        snprintf(c->env.kernel_version, sizeof(c->env.kernel_version), "%s", c->boot.kernel_version);
        *ret = c;
        return 0;
}

const char *check_log_dir(struct check *c)
{
        return c->report_dir[0] ? c->report_dir : NULL;
}

void check_attach(struct check *c, struct supervisor *s)
{
        c->s = s;
        c->cw = (struct console_watch) { .n_ttys = s->terminals->count, .milestone = milestone, .userdata = c };
        c->cw.ttys = calloc(c->cw.n_ttys, sizeof(*c->cw.ttys));
        for (size_t i = 0; c->cw.ttys && i < c->cw.n_ttys; i++)
                c->cw.ttys[i].terminal = &s->terminals->items[i];
        for (size_t g = 0; c->cw.ttys && g < c->facts.n_gettys; g++) {
                struct terminal *t = terminals_find(s->terminals, c->facts.gettys[g].tty);
                if (t && !c->cw.ttys[t - s->terminals->items].getty)
                        c->cw.ttys[t - s->terminals->items].getty = &c->facts.gettys[g];
        }
        c->input.cgroup = s->container->cgroup_path;
        s->hooks = (struct supervisor_hooks) {
                .userdata = c,
                .on_output = check_on_output,
                .on_notify = check_on_notify,
                .on_child_exit = check_on_child_exit,
                .on_tick = check_on_tick,
        };
        log_info("[%6.1f s] init started (%s); the image starts %zu getty(s)", 0.0,
                 init_kind_name(c->info->init_kind), c->facts.n_gettys);
}

static size_t tty_results(const struct check *c, struct tty_result *ttys, size_t max, double *first_prompt)
{
        size_t n = 0;

        *first_prompt = -1;
        for (size_t i = 0; c->s && i < c->cw.n_ttys && n < max; i++) {
                const struct tty_watch *w = &c->cw.ttys[i];
                struct tty_result *t = &ttys[n++];
                *t = (struct tty_result) {
                        .getty_expected = w->getty != NULL,
                        .first_output_s = seconds_since(c, w->terminal->first_output_ms),
                        .prompt_s = seconds_since(c, w->prompt_ms),
                };
                snprintf(t->name, sizeof(t->name), "%s", w->terminal->name);
                snprintf(t->log_file, sizeof(t->log_file), "tty-%s.log", w->terminal->name);
                if (w->prompt_ms && (*first_prompt < 0 || t->prompt_s < *first_prompt))
                        *first_prompt = t->prompt_s;
        }
        return n;
}

static int write_reports(struct check *c, const struct supervisor *s, double total)
{
        struct tty_result ttys[MAX_TTYS + 2];
        double first_prompt;
        size_t n_ttys = tty_results(c, ttys, ARRAY_SIZE(ttys), &first_prompt);
        bool failed = item_list_count(&c->items, CHECK_FAIL) > 0 ||
                      (c->o->fail_on_warning && item_list_count(&c->items, CHECK_WARN) > 0);
        char end[160];
        struct report r = {
                .image = c->o->image_name ?: c->o->rootfs,
                .rootfs = c->o->rootfs,
                .version = RESCUE_SPAWN_VERSION,
                .init_kind = init_kind_name(c->info->init_kind),
                .verdict = failed ? "FAIL" : "PASS",
                .fail_on_warning = c->o->fail_on_warning,
                .started_at = c->started_at,
                .seconds_total = total,
                .seconds_to_ready = c->cw.found.ready_line_ms ? seconds_since(c, c->cw.found.ready_line_ms) : -1,
                .seconds_to_prompt = first_prompt,
                .seconds_waited_by_image = s ? (double) c->wait_asked_us / 1e6 : -1,
                .seconds_waited_really = s ? (double) c->wait_taken_us / 1e6 : -1,
                .shutdown = s ? end_reason_describe(s->end, s->init_status, end, sizeof(end)) : "never started",
                .seconds_to_shutdown = s && s->stop_requested_ms ? (double) (s->end_ms - s->stop_requested_ms) / 1000.0 : -1,
                .layout_changed = c->o->layout_changed,
                .items = c->items.items,
                .n_items = c->items.n,
                .ttys = ttys,
                .n_ttys = n_ttys,
        };
        int ret;
        report_print_summary(&r, stdout);
        fflush(stdout);
        if (c->report_dir[0] && (ret = report_write_files(&r, c->report_dir)) < 0)
                log_error("cannot write the reports to %s: %s", c->report_dir, strerror(-ret));
        if (c->o->prometheus_file && (ret = report_write_prometheus(&r, c->o->prometheus_file)) < 0)
                log_error("cannot write %s: %s", c->o->prometheus_file, strerror(-ret));
        if (c->report_dir[0])
                log_info("reports in %s", c->report_dir);
        return failed ? 1 : 0;
}

int check_fail_start(struct check *c, const char *error)
{
        struct item_sink sink = item_list_sink(&c->items);
        item_add(&sink, "init", CHECK_FAIL, 0, NULL, "%s", error);
        return write_reports(c, NULL, 0);
}

int check_finish(struct check *c, const struct supervisor *s)
{
        struct item_sink sink = item_list_sink(&c->items);
        struct judge_input in = {
                .info = c->info,
                .facts = &c->facts,
                .env = &c->env,
                .s = s,
                .cw = &c->cw,
                .login = &c->login,
                .probes = &c->probes,
                .sshd_listening_ms = c->sshd_listening_ms,
                .input_wait = c->input_wait,
                .input_excerpt = c->input_excerpt,
                .rootfs = c->o->rootfs,
                .boot_medium = c->o->boot_medium,
                .boot = &c->boot,
        };

        probes_read(&c->probes);
        judge(&in, &sink);
        double total = (double) (now_ms() - s->start_ms) / 1000.0;
        log_status_clear();
        int exit_code = write_reports(c, s, total);
        log_info("verdict: %s after %.1f s", exit_code ? "FAIL" : "PASS", total);
        return exit_code;
}

int check_free(struct check *c, int exit_code)
{
        item_list_free(&c->items);
        probes_free(&c->probes);
        free(c->cw.ttys);
        free(c);
        return exit_code;
}
