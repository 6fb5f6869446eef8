#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "elfcheck.h"
#include "gettys.h"
#include "lines.h"
#include "log.h"
#include "report.h"
#include "util.h"

/* After the boot has settled (systemd's READY=1, ReaR's ready line or a first
 * prompt), how long the rest may still take: systemd starts gettys as Type=idle,
 * up to 5 s after the last job. */
#define SETTLE_GRACE_MS 15000
#define LOGIN_STEP_MS 20000
/* How long a systemd image may take beyond its ready line to send READY=1. */
#define NOTIFY_GRACE_MS 30000
#define PROBE_TIMEOUT_MS 60000
#define PROBE_OUTPUT_MAX (256u << 10)
#define EXCERPT_BYTES 1500
#define NOTABLE_LINES 12
#define NOTABLE_LINE_MAX 200
#define SETUP_STEP_LINES 4
#define LOGIN_MARKER "rescue-login-42"
#define LOGIN_COMMAND "echo rescue-login-$((40+2))\r"

static const char *const ready_lines[] = {
        "Relax-and-Recover rescue system is ready",
        "Rescue System is ready",               /* ReaR before 2.x */
};
static const char corrupted_line[] = "Possibly corrupted Relax-and-Recover rescue system";

/* What the check reads on one terminal: lines without escape sequences. */
struct tty_watch {
        struct terminal *terminal;
        struct line_reader lines;
        long long prompt_ms;
        const struct getty *getty;      /* the image starts a getty here (NULL: not expected) */
        bool shell_prompt, password_prompt, login_incorrect, marker;
};

enum login_phase { LOGIN_WAIT_PROMPT, LOGIN_SENT_USER, LOGIN_SENT_COMMAND, LOGIN_DONE };

struct probe;
typedef int (*probe_run_fn)(void);
typedef void (*probe_judge_fn)(struct check *c, struct probe *p);

struct probe {
        const char *name;
        probe_run_fn run;
        probe_judge_fn judge;
        pid_t pid;
        int fd;
        char *out;
        size_t len;
        bool done;
        int status;
};

struct check {
        const struct options *o;
        const struct rootfs_info *info;
        struct supervisor *s;
        char report_dir[PATH_MAX];      /* empty: no files */
        time_t started_at;

        struct getty gettys[MAX_GETTYS];
        size_t n_gettys;
        struct tty_watch *watch;        /* one per terminal */
        size_t n_watch;

        long long ready_line_ms, corrupted_ms, settled_ms, done_ms;
        /* The console's last lines that tell of a failure: the excerpt of a FAIL, since
         * the console's tail at the end only shows the power off. */
        char notable[NOTABLE_LINES][NOTABLE_LINE_MAX];
        size_t n_notable;
        char *corrupted_excerpt;
        char md5_complaints[EXCERPT_BYTES];     /* md5sum's lines on the console */
        /* ReaR's last "Running NN-name.sh..." and the first notable lines after it:
         * what a setup script that died said, before systemd's lines pile up. */
        char last_step[SETUP_STEP_LINES * NOTABLE_LINE_MAX];
        unsigned last_step_lines;
        long long wait_asked_us;        /* the image's sleeps before its first prompt: asked for */
        long long wait_taken_us;        /* ... and how long they really lasted */
        long long last_status_ms;
        char failed_units_console[1024];

        enum login_phase login;
        struct tty_watch *login_tty;
        long long login_step_ms;
        struct check_item login_item;
        bool login_decided;

        struct probe *probes;
        size_t n_probes;
        bool probes_started;
        bool has_systemctl;
        bool sshd_configured;           /* ReaR's "ssh:" line in /etc/inittab */
        bool sshd_binary;
        unsigned sshd_port;
        long long sshd_listening_ms;

        char start_error[512];
        struct check_item *items;
        size_t n_items;
};

static double seconds_since(const struct check *c, long long ms)
{
        return ms > 0 && c->s ? (double) (ms - c->s->start_ms) / 1000.0 : -1.0;
}

static void milestone(const struct check *c, long long ms, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line per milestone on stderr, so that a waiting admin never sees a silent minute. */
static void milestone(const struct check *c, long long ms, const char *fmt, ...)
{
        char text[600];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        log_info("[%6.1f s] %s", seconds_since(c, ms), text);
}

static void add_item(struct check *c, const char *name, enum check_status status, double seconds,
                     const char *excerpt, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_item(struct check *c, const char *name, enum check_status status, double seconds,
                     const char *excerpt, const char *fmt, ...)
{
        struct check_item *items = realloc(c->items, (c->n_items + 1) * sizeof(*items));
        char detail[1024];
        va_list ap;

        if (!items)
                return;
        c->items = items;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        items[c->n_items++] = (struct check_item) {
                .name = strdup(name),
                .status = status,
                .detail = strdup(detail),
                .excerpt = excerpt && *excerpt ? strdup(excerpt) : NULL,
                .seconds = seconds,
        };
}

static char *terminal_excerpt(const struct terminal *t)
{
        size_t len;
        const char *tail = ring_tail(&t->output, EXCERPT_BYTES, &len);
        return strndup(tail, len);
}

/* ---- reading the terminals ---- */

static bool contains(const char *line, const char *what)
{
        return strstr(line, what) != NULL;
}

static bool ends_with_word(const char *text, size_t len, const char *word)
{
        while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
                len--;
        size_t wl = strlen(word);
        return len >= wl && memcmp(text + len - wl, word, wl) == 0;
}

/* A console line that tells why something failed; systemd's debug chatter about
 * what a container cannot do ("..., ignoring", missing optional units) is not. */
static bool is_notable(const char *line)
{
        static const char *const signs[] = { "FAIL", "Fail", "fail", "missing", "not found", "No such file",
                                             "orrupt", "rror", "died", "Killed", "killed" };
        static const char *const chatter[] = { "Failed to load configuration", "xattr", "ignoring",
                                               "Operation not permitted", "Read-only file system",
                                               "Cannot stat /run/credentials", "permission denied",
                                               "error-name=", "Not writing", "status=0/SUCCESS",
                                               "Failed at setting rlimit" };
        bool sign = false;

        for (size_t i = 0; i < ARRAY_SIZE(signs) && !sign; i++)
                sign = strstr(line, signs[i]) != NULL;
        for (size_t i = 0; i < ARRAY_SIZE(chatter) && sign; i++)
                if (strstr(line, chatter[i]))
                        return false;
        return sign;
}

static char *notable_excerpt(const struct check *c)
{
        size_t first = c->n_notable > NOTABLE_LINES ? c->n_notable - NOTABLE_LINES : 0;
        char *text = calloc(NOTABLE_LINES, NOTABLE_LINE_MAX + 1);

        for (size_t i = first; text && i < c->n_notable; i++) {
                strcat(text, c->notable[i % NOTABLE_LINES]);
                strcat(text, "\n");
        }
        return text;
}

/* Appends line (cut like a notable line) and a newline to text of size size. */
static void append_line(char *text, size_t size, const char *line)
{
        size_t len = strlen(text);
        snprintf(text + len, size - len, "%.*s\n", NOTABLE_LINE_MAX - 2, line);
}

static void on_line(struct check *c, struct tty_watch *w, const char *line, long long now)
{
        bool setup_step = strncmp(line, "Running ", 8) == 0 && strstr(line, "...");

        if (w == &c->watch[0] && !c->ready_line_ms && setup_step) {
                c->last_step[0] = '\0';
                append_line(c->last_step, sizeof(c->last_step), line);
                c->last_step_lines = 1;
        } else if (w == &c->watch[0] && c->last_step_lines && c->last_step_lines < SETUP_STEP_LINES && is_notable(line)) {
                append_line(c->last_step, sizeof(c->last_step), line);
                c->last_step_lines++;
        }
        if (w == &c->watch[0] && !c->done_ms && is_notable(line)) {
                char *slot = c->notable[c->n_notable++ % NOTABLE_LINES];
                size_t len = strnlen(line, NOTABLE_LINE_MAX - 1);
                memcpy(slot, line, len);        /* a long line is cut: the start tells most */
                slot[len] = '\0';
        }
        for (size_t i = 0; i < ARRAY_SIZE(ready_lines); i++)
                if (!c->ready_line_ms && contains(line, ready_lines[i])) {
                        c->ready_line_ms = now;
                        milestone(c, now, "ReaR's setup is ready (%s)", w->terminal->name);
                }
        /* "./FILE: FAILED", "./FILE: FAILED open or read", "md5sum: WARNING: ...", then
         * ReaR's verdict: the excerpt of a corrupted image. */
        bool md5_line = contains(line, ": FAILED") || strncmp(line, "md5sum: ", 8) == 0 || contains(line, corrupted_line);
        if (!c->corrupted_ms && md5_line &&
            strlen(c->md5_complaints) + strlen(line) + 2 < sizeof(c->md5_complaints)) {
                strcat(c->md5_complaints, line);
                strcat(c->md5_complaints, "\n");
        }
        if (!c->corrupted_ms && contains(line, corrupted_line)) {
                c->corrupted_ms = now;
                c->corrupted_excerpt = strdup(c->md5_complaints);
                milestone(c, now, "%s", "ReaR reports a corrupted rescue system (md5sums.txt)");
        }
        if (setup_step)
                milestone(c, now, "boot: %s", line);
        /* systemd at ReaR's LogLevel=debug names the unit exactly: "UNIT: Failed with result 'x'." */
        const char *failed = strstr(line, ": Failed with result '");
        if (failed && !c->done_ms) {
                char unit[128];
                snprintf(unit, sizeof(unit), "%.*s", (int) (failed - line), line);
                if (!strstr(c->failed_units_console, unit) &&
                    strlen(c->failed_units_console) + strlen(unit) + 2 < sizeof(c->failed_units_console))
                        snprintf(c->failed_units_console + strlen(c->failed_units_console),
                                 sizeof(c->failed_units_console) - strlen(c->failed_units_console),
                                 "%s%s", c->failed_units_console[0] ? " " : "", unit);
        }
        if (strcmp(line, LOGIN_MARKER) == 0)
                w->marker = true;
        if (contains(line, "Login incorrect"))
                w->login_incorrect = true;
}

/* The unfinished last line: prompts do not end in a newline. */
static void on_partial(struct check *c, struct tty_watch *w, long long now)
{
        const char *partial = w->lines.partial;
        size_t len = w->lines.len;

        if (!w->prompt_ms && ends_with_word(partial, len, "login:")) {
                w->prompt_ms = now;
                milestone(c, now, "login prompt on %s", w->terminal->name);
        }
        if (ends_with_word(partial, len, "#") || ends_with_word(partial, len, "$"))
                w->shell_prompt = true;
        if (ends_with_word(partial, len, "Password:"))
                w->password_prompt = true;
}

struct line_context {
        struct check *check;
        struct tty_watch *watch;
        long long now;
};

static void on_complete_line(void *userdata, const char *line)
{
        struct line_context *ctx = userdata;
        on_line(ctx->check, ctx->watch, line, ctx->now);
}

static void check_on_output(void *userdata, struct terminal *t, const char *bytes, size_t n, long long now)
{
        struct check *c = userdata;
        struct line_context ctx = { .check = c, .watch = &c->watch[t - c->s->terminals->items], .now = now };

        line_reader_feed(&ctx.watch->lines, bytes, n, on_complete_line, &ctx);
        on_partial(c, ctx.watch, now);
}

/* ---- logging in like a person ---- */

static void type_into(struct tty_watch *w, const char *text)
{
        (void) write_all(w->terminal->master, text, strlen(text));
}

static void login_decide(struct check *c, enum check_status status, long long now, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void login_decide(struct check *c, enum check_status status, long long now, const char *fmt, ...)
{
        char detail[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        c->login = LOGIN_DONE;
        c->login_decided = true;
        c->login_item = (struct check_item) {
                .name = "login",
                .status = status,
                .detail = strdup(detail),
                .excerpt = status == CHECK_FAIL && c->login_tty ? terminal_excerpt(c->login_tty->terminal) : NULL,
                .seconds = seconds_since(c, now),
        };
        milestone(c, now, "%s", detail);
}

static struct tty_watch *first_prompt(struct check *c)
{
        struct tty_watch *best = NULL;
        for (size_t i = 0; i < c->n_watch; i++) {
                struct tty_watch *w = &c->watch[i];
                if (w->prompt_ms && (!best || (w->getty && !best->getty)))
                        best = w;
        }
        return best;
}

static void login_step(struct check *c, long long now)
{
        struct tty_watch *w = c->login_tty;

        switch (c->login) {
        case LOGIN_WAIT_PROMPT:
                if (!(w = first_prompt(c)))
                        return;
                c->login_tty = w;
                w->shell_prompt = w->password_prompt = w->login_incorrect = false;
                type_into(w, "root\r");
                c->login = LOGIN_SENT_USER;
                c->login_step_ms = now;
                return;
        case LOGIN_SENT_USER:
                if (w->password_prompt)
                        login_decide(c, CHECK_IGNORED, now, "root's login on %s asks for a password (TTY_ROOT_PASSWORD): not tried", w->terminal->name);
                else if (w->login_incorrect)
                        login_decide(c, CHECK_FAIL, now, "login as root on %s was refused", w->terminal->name);
                else if (w->shell_prompt) {
                        type_into(w, LOGIN_COMMAND);
                        c->login = LOGIN_SENT_COMMAND;
                        c->login_step_ms = now;
                } else if (now - c->login_step_ms > LOGIN_STEP_MS)
                        login_decide(c, CHECK_FAIL, now, "no shell prompt after logging in as root on %s", w->terminal->name);
                return;
        case LOGIN_SENT_COMMAND:
                if (w->marker) {
                        type_into(w, "exit\r");
                        login_decide(c, CHECK_OK, now, "root logged in on %s and the shell ran a command", w->terminal->name);
                } else if (now - c->login_step_ms > LOGIN_STEP_MS)
                        login_decide(c, CHECK_FAIL, now, "the shell on %s did not run a command", w->terminal->name);
                return;
        case LOGIN_DONE:
                return;
        }
}

/* ---- probes inside the running system ---- */

static char *const probe_env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/root", "LANG=C", "TERM=dumb", NULL,
};

static int run_argv(char *const *argv)
{
        execve(argv[0], argv, probe_env);
        execvpe(argv[0], argv, probe_env);
        printf("cannot execute %s: %s\n", argv[0], strerror(errno));
        return 127;
}

static int probe_rear(void)
{
        static char *const argv[] = { "rear", "-V", NULL };
        return run_argv(argv);
}

/* The programs ReaR itself requires, as its configuration in the image lists them. */
static int probe_required_progs(void)
{
        static char *const argv[] = { "bash", "-c",
                "for f in /usr/share/rear/conf/default.conf /usr/share/rear/conf/GNU/Linux.conf "
                "/etc/rear/os.conf /etc/rear/site.conf /etc/rear/local.conf /etc/rear/rescue.conf; do "
                "test -r $f && source $f >/dev/null 2>&1; done; "
                "test ${#REQUIRED_PROGS[@]} -gt 0 || { echo 'no REQUIRED_PROGS in the image'\"'\"'s ReaR configuration'; exit 2; }; "
                "missing=0; for p in \"${REQUIRED_PROGS[@]}\"; do test -n \"$p\" || continue; type -P \"$p\" >/dev/null || { echo \"missing: $p\"; missing=1; }; done; "
                "echo \"checked ${#REQUIRED_PROGS[@]}\"; exit $missing", NULL };
        return run_argv(argv);
}

static void print_elf_problem(void *userdata, const char *path, const char *problem)
{
        (void) userdata;
        printf("%s: %s\n", path, problem);
}

static int probe_libraries(void)
{
        size_t checked = 0;
        int r = elf_check_tree("/", print_elf_problem, NULL, &checked);
        if (r < 0) {
                printf("cannot walk the tree: %s\n", strerror(-r));
                return 2;
        }
        printf("checked %zu\n", checked);
        fflush(stdout);
        return 0;
}

static int probe_units(void)
{
        static char *const argv[] = { "systemctl", "--failed", "--plain", "--no-legend", "--no-pager", NULL };
        return run_argv(argv);
}

/* Units that cannot work in any container, with the reason, reported as ignored. */
static const struct ignored_unit {
        const char *unit;
        const char *reason;
} ignored_units[] = {
        { "systemd-udev-trigger.service", "triggers kernel uevents: /sys is read-only in a container" },
        { "systemd-udevd.service", "manages kernel devices: a container has none and no uevents" },
        { "systemd-modules-load.service", "loads kernel modules: refused in a container" },
        { "systemd-sysctl.service", "sets kernel parameters: /proc/sys is read-only in a container" },
        { "systemd-remount-fs.service", "remounts the root file system: the container's is prepared for it" },
        { "systemd-vconsole-setup.service", "sets up a virtual console: a container has pseudo-terminals" },
};

/* Units whose programs ReaR copies only from a host that runs systemd. */
static const char *const systemd_tool_units[] = {
        "systemd-udevd.service", "systemd-udevd-kernel.socket", "systemd-udevd-control.socket",
        "systemd-udev-trigger.service", "systemd-journald.service",
};

static const char *unit_ignored(const struct check *c, const char *unit)
{
        if (strcmp(unit, "sshd.service") == 0 && c->sshd_configured && !c->sshd_binary)
                return "the image asks for sshd but has none (no OpenSSH server on the host when mkrescue ran)";
        if (!c->has_systemctl)
                for (size_t i = 0; i < ARRAY_SIZE(systemd_tool_units); i++)
                        if (strcmp(unit, systemd_tool_units[i]) == 0)
                                return "the image has no systemd tools (ReaR adds them only when mkrescue runs on a host booted with systemd)";
        for (size_t i = 0; i < ARRAY_SIZE(ignored_units); i++)
                if (strcmp(unit, ignored_units[i].unit) == 0)
                        return ignored_units[i].reason;
        return NULL;
}

static bool exited_ok(const struct probe *p)
{
        return p->done && WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0;
}

static const char *last_line(const struct probe *p, char *buf, size_t size)
{
        const char *end = p->out + p->len;
        while (end > p->out && end[-1] == '\n')
                end--;
        const char *start = end;
        while (start > p->out && start[-1] != '\n')
                start--;
        snprintf(buf, size, "%.*s", (int) (end - start), start);
        return buf;
}

static void judge_rear(struct check *c, struct probe *p)
{
        char line[256];
        if (exited_ok(p) && p->out && strstr(p->out, "Relax-and-Recover"))
                add_item(c, "rear", CHECK_OK, -1, NULL, "rear runs: %s", last_line(p, line, sizeof(line)));
        else
                add_item(c, "rear", CHECK_FAIL, -1, p->out, "'rear -V' failed inside the rescue system");
}

static void judge_required_progs(struct check *c, struct probe *p)
{
        char line[256];
        if (exited_ok(p)) {
                add_item(c, "required-progs", CHECK_OK, -1, NULL, "every program in REQUIRED_PROGS is found (%s)",
                         last_line(p, line, sizeof(line)));
                return;
        }
        char missing[768] = "";
        for (const char *s = p->out; s && (s = strstr(s, "missing: ")); s += 9) {
                size_t len = strcspn(s + 9, "\n");
                if (strlen(missing) + len + 2 < sizeof(missing))
                        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%.*s",
                                 missing[0] ? " " : "", (int) len, s + 9);
        }
        add_item(c, "required-progs", CHECK_FAIL, -1, p->out, "%s",
                 missing[0] ? missing : "could not check REQUIRED_PROGS");
        if (missing[0]) {
                struct check_item *it = &c->items[c->n_items - 1];
                char detail[1024];
                snprintf(detail, sizeof(detail), "programs in REQUIRED_PROGS not found: %s", missing);
                free(it->detail);
                it->detail = strdup(detail);
        }
}

static void judge_libraries(struct check *c, struct probe *p)
{
        char line[256];
        size_t problems = 0;
        for (const char *s = p->out; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
                if (strncmp(s, "checked ", 8) != 0 && *s != '\n')
                        problems++;
        if (exited_ok(p) && problems == 0)
                add_item(c, "libraries", CHECK_OK, -1, NULL, "every ELF program and library finds its libraries (%s files)",
                         last_line(p, line, sizeof(line)) + 8);
        else
                add_item(c, "libraries", CHECK_FAIL, -1, p->out, "%zu ELF file(s) cannot load: %s", problems,
                         p->out ? strndupa(p->out, strcspn(p->out, "\n")) : "probe failed");
}

static void judge_units(struct check *c, struct probe *p)
{
        char failed[768] = "", ignored[768] = "";
        for (const char *s = p->out; s && *s;) {
                size_t len = strcspn(s, "\n");
                char unit[128];
                snprintf(unit, sizeof(unit), "%.*s", (int) strcspn(s, " \t\n"), s);
                if (unit[0] && strstr(unit, ".")) {
                        char *list = unit_ignored(c, unit) ? ignored : failed;
                        size_t size = sizeof(failed);
                        if (strlen(list) + strlen(unit) + 2 < size)
                                snprintf(list + strlen(list), size - strlen(list), "%s%s", list[0] ? " " : "", unit);
                }
                s += len + (s[len] == '\n');
        }
        if (ignored[0])
                add_item(c, "units-ignored", CHECK_IGNORED, -1, NULL, "failed, but not the image's fault here: %s (see the README)", ignored);
        if (!p->done || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0)
                add_item(c, "units", CHECK_FAIL, -1, p->out, "'systemctl --failed' did not work inside the rescue system");
        else if (failed[0])
                add_item(c, "units", CHECK_FAIL, -1, p->out, "failed units: %s", failed);
        else
                add_item(c, "units", CHECK_OK, -1, NULL, "no failed systemd unit");
}

static const struct probe_def {
        const char *name;
        probe_run_fn run;
        probe_judge_fn judge;
        bool systemctl;         /* only where the image has systemctl */
} probe_defs[] = {
        { "rear",           probe_rear,           judge_rear,           false },
        { "required-progs", probe_required_progs, judge_required_progs, false },
        { "libraries",      probe_libraries,      judge_libraries,      false },
        { "units",          probe_units,          judge_units,          true },
};

static void start_probes(struct check *c, long long now)
{
        c->probes_started = true;
        c->probes = calloc(ARRAY_SIZE(probe_defs), sizeof(*c->probes));
        if (!c->probes)
                return;
        for (size_t i = 0; i < ARRAY_SIZE(probe_defs); i++) {
                const struct probe_def *d = &probe_defs[i];
                struct probe *p = &c->probes[c->n_probes];
                int fds[2];

                if (d->systemctl && !c->has_systemctl)
                        continue;
                *p = (struct probe) { .name = d->name, .run = d->run, .judge = d->judge, .fd = -1 };
                c->n_probes++;
                if (pipe2(fds, O_CLOEXEC) < 0) {
                        p->done = true;
                        p->status = 127 << 8;
                        continue;
                }
                fflush(stdout);
                pid_t pid = container_spawn(c->s->container, fds[1]);
                if (pid == 0) {
                        int r = d->run();
                        fflush(stdout);
                        _exit(r);
                }
                close(fds[1]);
                p->fd = fds[0];
                fcntl(p->fd, F_SETFL, O_NONBLOCK);
                if (pid < 0) {
                        p->done = true;
                        p->status = 127 << 8;
                } else
                        p->pid = pid;
        }
        milestone(c, now, "%s", "running the probes inside the rescue system");
}

static void read_probe_output(struct probe *p)
{
        char buf[8192];
        for (;;) {
                ssize_t n = p->fd >= 0 ? read(p->fd, buf, sizeof(buf)) : -1;
                if (n <= 0)
                        return;
                if (p->len + (size_t) n > PROBE_OUTPUT_MAX)
                        continue;       /* keep the beginning: the first problems tell most */
                char *out = realloc(p->out, p->len + (size_t) n + 1);
                if (!out)
                        return;
                p->out = out;
                memcpy(p->out + p->len, buf, (size_t) n);
                p->len += (size_t) n;
                p->out[p->len] = '\0';
        }
}

static void check_on_child_exit(void *userdata, pid_t pid, int status, long long now)
{
        struct check *c = userdata;
        for (size_t i = 0; i < c->n_probes; i++) {
                struct probe *p = &c->probes[i];
                if (p->pid != pid)
                        continue;
                read_probe_output(p);
                closep(&p->fd);
                p->done = true;
                p->status = status;
                p->pid = 0;
                milestone(c, now, "probe %s finished", p->name);
        }
}

static bool probes_done(const struct check *c)
{
        for (size_t i = 0; i < c->n_probes; i++)
                if (!c->probes[i].done)
                        return false;
        return c->probes_started;
}

static bool prompts_done(const struct check *c)
{
        for (size_t i = 0; i < c->n_watch; i++)
                if (c->watch[i].getty && !c->watch[i].getty->serial_unit && !c->watch[i].prompt_ms)
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

static void check_on_notify(void *userdata, const struct notify_message *m, long long now)
{
        struct check *c = userdata;
        if (m->ready)
                milestone(c, now, "%s", "systemd reports the boot finished (READY=1)");
}

/* What the check waits for now, for the live status line. */
static const char *waiting_for(const struct check *c, const struct supervisor *s, char *buf, size_t size)
{
        if (s->stop_cause != STOP_NONE)
                return "the power off";
        if (!c->ready_line_ms)
                return "ReaR's ready line";
        if (c->info->init_kind == INIT_SYSTEMD && !s->ready_ms)
                return "systemd to finish its boot";
        for (size_t i = 0; i < c->n_watch; i++)
                if (c->watch[i].getty && !c->watch[i].getty->serial_unit && !c->watch[i].prompt_ms) {
                        snprintf(buf, size, "a login prompt on %s", c->watch[i].terminal->name);
                        return buf;
                }
        if (c->login != LOGIN_DONE)
                return "the login as root";
        return "the probes";
}

static void check_on_tick(void *userdata, struct supervisor *s, long long now)
{
        struct check *c = userdata;
        char what[64];

        if (now - c->last_status_ms >= 1000) {
                c->last_status_ms = now;
                log_status("[%6.1f s] waiting for %s", seconds_since(c, now), waiting_for(c, s, what, sizeof(what)));
        }

        for (size_t i = 0; i < c->n_probes; i++) {
                read_probe_output(&c->probes[i]);
                if (c->probes[i].pid > 0 && now - s->start_ms > PROBE_TIMEOUT_MS + c->settled_ms - s->start_ms)
                        kill(c->probes[i].pid, SIGKILL);
        }
        if (s->stop_cause != STOP_NONE)
                return;
        if (!first_prompt(c)) {
                c->wait_asked_us = s->sleeps.requested_us;
                c->wait_taken_us = s->sleeps.taken_us;
        }
        /* Settled: systemd says its boot is done; other inits have no such word, so
         * ReaR's ready line or a first prompt stands in (also for a systemd that never says it). */
        bool settled = c->info->init_kind == INIT_SYSTEMD
                ? s->ready_ms || ((c->ready_line_ms || first_prompt(c)) && now - s->start_ms > NOTIFY_GRACE_MS)
                : c->ready_line_ms || first_prompt(c);
        if (!c->settled_ms && settled) {
                c->settled_ms = now;
                start_probes(c, now);
        }
        login_step(c, now);
        if (!c->settled_ms)
                return;
        bool want_sshd = c->sshd_configured && c->sshd_binary;
        if (want_sshd && !c->sshd_listening_ms && container_listens(s->container->pid, c->sshd_port)) {
                c->sshd_listening_ms = now;
                milestone(c, now, "sshd listens on port %u", c->sshd_port);
        }
        bool everything_seen = c->ready_line_ms && prompts_done(c) && c->login == LOGIN_DONE &&
                               (!want_sshd || c->sshd_listening_ms);
        if ((everything_seen || now - c->settled_ms > SETTLE_GRACE_MS) && probes_done(c)) {
                c->done_ms = now;
                milestone(c, now, "%s", "checks done: powering off");
                supervisor_request_stop(s, STOP_CHECK_DONE);
        }
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

static bool image_has(const struct check *c, const char *const *paths)
{
        _cleanup_close_ int root_fd = open(c->o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (; root_fd >= 0 && *paths; paths++) {
                int fd = rootfs_open(root_fd, *paths, O_PATH);
                if (fd >= 0) {
                        close(fd);
                        return true;
                }
        }
        return false;
}

/* ReaR's run-sshd starts sshd when /etc/inittab has an "ssh:" line (rescue/default/500_ssh.sh). */
static void inspect_sshd(struct check *c)
{
        static const char *const sshd_paths[] = { "/bin/sshd", "/usr/sbin/sshd", "/sbin/sshd", NULL };
        _cleanup_close_ int root_fd = open(c->o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char line[512];

        c->sshd_port = 22;
        c->sshd_binary = image_has(c, sshd_paths);
        int fd = root_fd >= 0 ? rootfs_open(root_fd, "/etc/inittab", O_RDONLY) : -1;
        _cleanup_fclose_ FILE *inittab = fd >= 0 ? fdopen(fd, "re") : NULL;
        while (inittab && fgets(line, sizeof(line), inittab))
                if (strncmp(line, "ssh:", 4) == 0)
                        c->sshd_configured = true;
        fd = root_fd >= 0 ? rootfs_open(root_fd, "/etc/ssh/sshd_config", O_RDONLY) : -1;
        _cleanup_fclose_ FILE *config = fd >= 0 ? fdopen(fd, "re") : NULL;
        while (config && fgets(line, sizeof(line), config)) {
                unsigned port;
                if (sscanf(line, " Port %u", &port) == 1 && port > 0 && port < 65536)
                        c->sshd_port = port;
        }
}

int check_new(const struct options *o, const struct rootfs_info *info, struct check **ret)
{
        static const char *const systemctl_paths[] = { "/bin/systemctl", "/usr/bin/systemctl", NULL };
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
        c->n_gettys = image_gettys(o->rootfs, info->init_kind, c->gettys, MAX_GETTYS);
        c->has_systemctl = info->init_kind == INIT_SYSTEMD && image_has(c, systemctl_paths);
        inspect_sshd(c);
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
        c->n_watch = s->terminals->count;
        c->watch = calloc(c->n_watch, sizeof(*c->watch));
        for (size_t i = 0; c->watch && i < c->n_watch; i++)
                c->watch[i].terminal = &s->terminals->items[i];
        for (size_t g = 0; c->watch && g < c->n_gettys; g++) {
                struct terminal *t = terminals_find(s->terminals, c->gettys[g].tty);
                if (t && !c->watch[t - s->terminals->items].getty)
                        c->watch[t - s->terminals->items].getty = &c->gettys[g];
        }
        s->hooks = (struct supervisor_hooks) {
                .userdata = c,
                .on_output = check_on_output,
                .on_notify = check_on_notify,
                .on_child_exit = check_on_child_exit,
                .on_tick = check_on_tick,
        };
        log_info("[%6.1f s] init started (%s); the image starts %zu getty(s)", 0.0,
                 init_kind_name(c->info->init_kind), c->n_gettys);
}

static void judge_boot(struct check *c, const struct supervisor *s)
{
        struct terminal *console = &s->terminals->items[0];
        /* What went wrong, if the console said so; else how the console ended. */
        _cleanup_free_ char *console_tail = c->n_notable ? notable_excerpt(c) : terminal_excerpt(console);
        char end[160];

        if (s->init_gone && s->stop_cause == STOP_NONE)
                add_item(c, "init", CHECK_FAIL, seconds_since(c, s->end_ms), console_tail,
                         "init stopped by itself after %.1f s: %s", seconds_since(c, s->end_ms),
                         end_reason_describe(s->end, s->init_status, end, sizeof(end)));
        else
                add_item(c, "init", CHECK_OK, -1, NULL, "%s started and kept running", init_kind_name(c->info->init_kind));

        if (c->corrupted_ms)
                add_item(c, "ready-line", CHECK_FAIL, seconds_since(c, c->corrupted_ms), c->corrupted_excerpt,
                         "ReaR's self-check says: %s (a file does not match md5sums.txt)", corrupted_line);
        else if (c->ready_line_ms)
                add_item(c, "ready-line", CHECK_OK, seconds_since(c, c->ready_line_ms), NULL,
                         "ReaR's setup finished: \"%s\"", ready_lines[0]);
        else {
                /* The script that ran last and what it said, then the console's last
                 * few notable lines (those not already shown): short enough for the
                 * summary to show it all. */
                char excerpt[sizeof(c->last_step) + SETUP_STEP_LINES * NOTABLE_LINE_MAX];
                const char *tail_lines[NOTABLE_LINES];
                size_t n_tail = 0;
                _cleanup_free_ char *tail = console_tail ? strdup(console_tail) : NULL;
                snprintf(excerpt, sizeof(excerpt), "%s", c->last_step);
                for (char *line = tail; line && *line;) {
                        char *end = strchrnul(line, '\n');
                        char *next = *end ? end + 1 : end;
                        *end = '\0';
                        if (!strstr(c->last_step, line) && n_tail < NOTABLE_LINES)
                                tail_lines[n_tail++] = line;
                        line = next;
                }
                for (size_t i = n_tail > SETUP_STEP_LINES ? n_tail - SETUP_STEP_LINES : 0; i < n_tail; i++)
                        append_line(excerpt, sizeof(excerpt), tail_lines[i]);
                add_item(c, "ready-line", CHECK_FAIL, -1, excerpt,
                         "ReaR's setup (/etc/scripts/system-setup) never said it is ready");
        }

        if (c->n_gettys == 0)
                add_item(c, "gettys", CHECK_FAIL, -1, NULL, "the image starts no getty (no getty@ unit, no getty line in /etc/inittab)");
        for (size_t g = 0; g < c->n_gettys; g++) {
                const struct getty *getty = &c->gettys[g];
                struct terminal *t = terminals_find(s->terminals, getty->tty);
                char name[48];
                snprintf(name, sizeof(name), "prompt:%s", getty->tty);
                if (getty->serial_unit) {
                        add_item(c, name, CHECK_IGNORED, -1, NULL,
                                 "%s is bound to a udev device unit, which systemd never starts in a container", getty->source);
                        continue;
                }
                if (!t) {
                        add_item(c, name, CHECK_IGNORED, -1, NULL, "%s: %s is not emulated (see --ttys)", getty->source, getty->tty);
                        continue;
                }
                struct tty_watch *w = &c->watch[t - s->terminals->items];
                if (w->prompt_ms) {
                        add_item(c, name, CHECK_OK, seconds_since(c, w->prompt_ms), NULL, "login prompt after %.1f s (%s)",
                                 seconds_since(c, w->prompt_ms), getty->source);
                } else {
                        _cleanup_free_ char *tail = terminal_excerpt(t);
                        /* systemd 257 (Debian 13) resets the terminal before each start of
                         * a getty: escape sequences alone tell nothing, the console does. */
                        add_item(c, name, CHECK_FAIL, -1, lines_have_text(tail, strlen(tail)) ? tail : console_tail, "no login prompt (%s)%s", getty->source,
                                 t->first_output_ms ? "" : ": nothing was ever printed there");
                }
        }

        if (c->login_decided) {
                add_item(c, "login", c->login_item.status, c->login_item.seconds, c->login_item.excerpt, "%s", c->login_item.detail);
        } else
                add_item(c, "login", CHECK_FAIL, -1, NULL, "%s", c->login_tty ? "the login did not finish in time"
                                                                   : "no login prompt to log in at");
}

struct problem_text {
        char *text;
        size_t len;
};

static void collect_elf_problem(void *userdata, const char *path, const char *problem)
{
        struct problem_text *p = userdata;
        size_t add = strlen(path) + strlen(problem) + 3;
        char *text = p->len + add <= PROBE_OUTPUT_MAX ? realloc(p->text, p->len + add + 1) : NULL;

        if (!text)
                return;
        p->text = text;
        p->len += (size_t) sprintf(p->text + p->len, "%s: %s\n", path, problem);
}

/* A boot that died early cannot be probed inside; its libraries can still be read from
 * here (the check only reads), and often tell why: a corrupt library of init. */
static void judge_libraries_from_outside(struct check *c)
{
        struct problem_text problems = {};
        char checked[32];
        size_t n = 0;

        if (elf_check_tree(c->o->rootfs, collect_elf_problem, &problems, &n) < 0)
                return;
        snprintf(checked, sizeof(checked), "checked %zu\n", n);
        struct probe p = { .name = "libraries", .done = true, .out = problems.text ?: checked,
                           .len = problems.len };
        judge_libraries(c, &p);
        free(problems.text);
}

static void judge_probes(struct check *c)
{
        for (size_t i = 0; i < c->n_probes; i++)
                c->probes[i].judge(c, &c->probes[i]);
        if (!c->probes_started) {
                add_item(c, "probes", CHECK_FAIL, -1, NULL, "the boot never settled: no probe could run inside");
                judge_libraries_from_outside(c);
        } else if (c->info->init_kind == INIT_SYSTEMD && !c->has_systemctl) {
                struct probe console_units = { .name = "units", .done = true, .out = c->failed_units_console,
                                               .len = strlen(c->failed_units_console) };
                /* One unit name per line, as systemctl --failed would list them. */
                for (char *p = console_units.out; *p; p++)
                        if (*p == ' ')
                                *p = '\n';
                judge_units(c, &console_units);
                struct check_item *it = &c->items[c->n_items - 1];
                if (it->status == CHECK_OK) {
                        free(it->detail);
                        it->detail = strdup("no unit failed (from systemd's messages: the image has no systemctl to ask)");
                }
        } else if (c->info->init_kind != INIT_SYSTEMD)
                add_item(c, "units", CHECK_IGNORED, -1, NULL, "the image does not boot with systemd");
}

static void judge_sshd(struct check *c)
{
        if (!c->sshd_configured)
                add_item(c, "sshd", CHECK_IGNORED, -1, NULL, "the image does not start sshd (no \"ssh:\" line in /etc/inittab)");
        else if (!c->sshd_binary)
                add_item(c, "sshd", CHECK_IGNORED, -1, NULL,
                         "the image asks for sshd but has no sshd binary (no OpenSSH server on the host when mkrescue ran)");
        else if (c->sshd_listening_ms)
                add_item(c, "sshd", CHECK_OK, seconds_since(c, c->sshd_listening_ms), NULL, "sshd listens on port %u", c->sshd_port);
        else
                add_item(c, "sshd", CHECK_FAIL, -1, NULL, "sshd is configured but nothing listens on port %u", c->sshd_port);
}

static void judge_shutdown(struct check *c, const struct supervisor *s)
{
        char end[160];
        const char *how = end_reason_describe(s->end, s->init_status, end, sizeof(end));
        double took = s->stop_requested_ms ? (double) (s->end_ms - s->stop_requested_ms) / 1000.0 : -1;

        if (s->stop_cause == STOP_NONE)
                return;         /* init ended by itself: judged as "init" */
        /* Reported, not judged: a rescue system is there to be used, not shut down. */
        if (s->poweroff_failure[0])
                add_item(c, "shutdown", CHECK_IGNORED, took, s->poweroff_failure,
                         "the image's power off failed; systemd's immediate power off ended it (%s) %.1f s after the request",
                         how, took);
        else if (s->end == END_POWEROFF || s->end == END_HALT || s->end == END_REBOOT || s->end == END_EXITED)
                add_item(c, "shutdown", CHECK_OK, took, NULL, "%s %.1f s after the request", how, took);
        else
                add_item(c, "shutdown", CHECK_IGNORED, took, NULL,
                         "did not power off within %u s and was %s (reported, not judged)", s->stop_timeout_s, how);
}

static int write_reports(struct check *c, const struct supervisor *s, double total)
{
        struct tty_result ttys[MAX_TTYS + 2];
        size_t n_ttys = 0;
        size_t failed = 0;
        double first_prompt = -1;

        for (size_t i = 0; i < c->n_items; i++)
                failed += c->items[i].status == CHECK_FAIL;
        for (size_t i = 0; s && i < c->n_watch && n_ttys < ARRAY_SIZE(ttys); i++) {
                const struct tty_watch *w = &c->watch[i];
                struct tty_result *t = &ttys[n_ttys++];
                *t = (struct tty_result) {
                        .getty_expected = w->getty != NULL,
                        .first_output_s = seconds_since(c, w->terminal->first_output_ms),
                        .prompt_s = seconds_since(c, w->prompt_ms),
                };
                snprintf(t->name, sizeof(t->name), "%s", w->terminal->name);
                snprintf(t->log_file, sizeof(t->log_file), "tty-%s.log", w->terminal->name);
                if (w->prompt_ms && (first_prompt < 0 || t->prompt_s < first_prompt))
                        first_prompt = t->prompt_s;
        }
        char end[160];
        struct report r = {
                .image = c->o->image_name ?: c->o->rootfs,
                .rootfs = c->o->rootfs,
                .version = RESCUE_SPAWN_VERSION,
                .init_kind = init_kind_name(c->info->init_kind),
                .verdict = failed ? "FAIL" : "PASS",
                .started_at = c->started_at,
                .seconds_total = total,
                .seconds_to_ready = c->ready_line_ms ? seconds_since(c, c->ready_line_ms) : -1,
                .seconds_to_prompt = first_prompt,
                .seconds_waited_by_image = s ? (double) c->wait_asked_us / 1e6 : -1,
                .seconds_waited_really = s ? (double) c->wait_taken_us / 1e6 : -1,
                .shutdown = s ? end_reason_describe(s->end, s->init_status, end, sizeof(end)) : "never started",
                .seconds_to_shutdown = s && s->stop_requested_ms ? (double) (s->end_ms - s->stop_requested_ms) / 1000.0 : -1,
                .items = c->items,
                .n_items = c->n_items,
                .ttys = ttys,
                .n_ttys = n_ttys,
        };
        int r_ = 0;
        report_print_summary(&r, stdout);
        fflush(stdout);
        if (c->report_dir[0] && (r_ = report_write_files(&r, c->report_dir)) < 0)
                log_error("cannot write the reports to %s: %s", c->report_dir, strerror(-r_));
        if (c->o->prometheus_file && (r_ = report_write_prometheus(&r, c->o->prometheus_file)) < 0)
                log_error("cannot write %s: %s", c->o->prometheus_file, strerror(-r_));
        if (c->report_dir[0])
                log_info("reports in %s", c->report_dir);
        return failed ? 1 : 0;
}

int check_fail_start(struct check *c, const char *error)
{
        add_item(c, "init", CHECK_FAIL, 0, NULL, "%s", error);
        return write_reports(c, NULL, 0);
}

int check_finish(struct check *c, const struct supervisor *s)
{
        judge_boot(c, s);
        judge_probes(c);
        judge_sshd(c);
        judge_shutdown(c, s);
        double total = (double) (now_ms() - s->start_ms) / 1000.0;
        log_status_clear();
        int exit_code = write_reports(c, s, total);
        log_info("verdict: %s after %.1f s", exit_code ? "FAIL" : "PASS", total);
        return exit_code;
}

int check_free(struct check *c, int exit_code)
{
        for (size_t i = 0; i < c->n_items; i++) {
                free(c->items[i].name);
                free(c->items[i].detail);
                free(c->items[i].excerpt);
        }
        for (size_t i = 0; i < c->n_probes; i++) {
                closep(&c->probes[i].fd);
                free(c->probes[i].out);
        }
        free(c->corrupted_excerpt);
        free(c->login_item.detail);
        free(c->login_item.excerpt);
        free(c->items);
        free(c->probes);
        free(c->watch);
        free(c);
        return exit_code;
}
