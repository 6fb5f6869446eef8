#include <stdio.h>
#include <string.h>

#include "console.h"
#include "util.h"

const char console_ready_line[] = "Relax-and-Recover rescue system is ready";
const char console_corrupted_line[] = "Possibly corrupted Relax-and-Recover rescue system";

enum rule_match {
        MATCH_CONTAINS,         /* anywhere in a complete line */
        MATCH_PREFIX,           /* at the start of a complete line */
        MATCH_EXACT,            /* the whole complete line */
        MATCH_PROMPT,           /* at the end of the unfinished last line (a prompt has no newline) */
};

enum rule_event {
        EVENT_READY,            /* milestone: ReaR's setup finished */
        EVENT_CORRUPTED,        /* finding: ReaR's md5 self-check failed */
        EVENT_MD5_LINE,         /* finding: md5sum's complaint, the excerpt of EVENT_CORRUPTED */
        EVENT_SETUP_STEP,       /* milestone: "Running NN-name.sh..." */
        EVENT_FAILED_UNIT,      /* finding: "UNIT: Failed with result '...'." */
        EVENT_LOGIN_MARKER,     /* the login conversation's command ran */
        EVENT_LOGIN_INCORRECT,
        EVENT_LOGIN_PROMPT,
        EVENT_SHELL_PROMPT,
        EVENT_PASSWORD_PROMPT,
};

enum rule_where {
        ON_CONSOLE,             /* the console only */
        ON_ANY,                 /* every terminal */
};

/* Pattern -> milestone or finding. A release that words a line otherwise gets a row. */
static const struct console_rule {
        const char *pattern;
        enum rule_match match;
        enum rule_where where;
        enum rule_event event;
} console_rules[] = {
        { "Relax-and-Recover rescue system is ready",   MATCH_CONTAINS, ON_ANY,     EVENT_READY },
        { "Rescue System is ready",                     MATCH_CONTAINS, ON_ANY,     EVENT_READY },  /* ReaR 1.x */
        /* "./FILE: FAILED", "./FILE: FAILED open or read", "md5sum: WARNING: ..." */
        { ": FAILED",                                   MATCH_CONTAINS, ON_ANY,     EVENT_MD5_LINE },
        { "md5sum: ",                                   MATCH_PREFIX,   ON_ANY,     EVENT_MD5_LINE },
        { "Possibly corrupted Relax-and-Recover rescue system", MATCH_CONTAINS, ON_ANY, EVENT_MD5_LINE },
        { "Possibly corrupted Relax-and-Recover rescue system", MATCH_CONTAINS, ON_ANY, EVENT_CORRUPTED },
        { "Running ",                                   MATCH_PREFIX,   ON_ANY,     EVENT_SETUP_STEP },
        { ": Failed with result '",                     MATCH_CONTAINS, ON_CONSOLE, EVENT_FAILED_UNIT },
        { "rescue-login-42",                            MATCH_EXACT,    ON_ANY,     EVENT_LOGIN_MARKER },
        { "Login incorrect",                            MATCH_CONTAINS, ON_ANY,     EVENT_LOGIN_INCORRECT },
        { "login:",                                     MATCH_PROMPT,   ON_ANY,     EVENT_LOGIN_PROMPT },
        { "#",                                          MATCH_PROMPT,   ON_ANY,     EVENT_SHELL_PROMPT },
        { "$",                                          MATCH_PROMPT,   ON_ANY,     EVENT_SHELL_PROMPT },
        { "Password:",                                  MATCH_PROMPT,   ON_ANY,     EVENT_PASSWORD_PROMPT },
};

/* A console line that tells why something failed; systemd's debug chatter about
 * what a container cannot do ("..., ignoring", missing optional units) is not. */
static const char *const notable_signs[] = {
        "FAIL", "Fail", "fail", "missing", "not found", "No such file", "orrupt", "rror", "died", "Killed", "killed",
};
static const char *const notable_chatter[] = {
        "Failed to load configuration", "xattr", "ignoring", "Operation not permitted", "Read-only file system",
        "Cannot stat /run/credentials", "permission denied", "error-name=", "Not writing", "status=0/SUCCESS",
        "Failed at setting rlimit",
};

bool console_line_is_notable(const char *line)
{
        bool sign = false;

        for (size_t i = 0; i < ARRAY_SIZE(notable_signs) && !sign; i++)
                sign = strstr(line, notable_signs[i]) != NULL;
        for (size_t i = 0; i < ARRAY_SIZE(notable_chatter) && sign; i++)
                if (strstr(line, notable_chatter[i]))
                        return false;
        return sign;
}

static bool ends_with_word(const char *text, size_t len, const char *word)
{
        while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
                len--;
        size_t wl = strlen(word);
        return len >= wl && memcmp(text + len - wl, word, wl) == 0;
}

static bool rule_matches(const struct console_rule *rule, const char *text, size_t len)
{
        switch (rule->match) {
        case MATCH_CONTAINS:
                return strstr(text, rule->pattern) != NULL;
        case MATCH_PREFIX:
                return strncmp(text, rule->pattern, strlen(rule->pattern)) == 0;
        case MATCH_EXACT:
                return strcmp(text, rule->pattern) == 0;
        case MATCH_PROMPT:
                return ends_with_word(text, len, rule->pattern);
        }
        return false;
}

/* Appends line (cut like a notable line) and a newline to text of size size. */
static void append_line(char *text, size_t size, const char *line)
{
        size_t len = strlen(text);
        snprintf(text + len, size - len, "%.*s\n", NOTABLE_LINE_MAX - 2, line);
}

static void milestone(struct console_watch *cw, long long now, const char *fmt, const char *arg)
{
        char text[NOTABLE_LINE_MAX + 64];

        if (!cw->milestone)
                return;
        snprintf(text, sizeof(text), fmt, arg);
        cw->milestone(cw->userdata, now, text);
}

static void add_failed_unit(struct console_findings *f, const char *line, const char *failed)
{
        char unit[128];

        snprintf(unit, sizeof(unit), "%.*s", (int) (failed - line), line);
        for (size_t i = 0; i < f->n_failed_units; i++)
                if (strcmp(f->failed_units[i], unit) == 0)
                        return;
        if (f->n_failed_units < FAILED_UNITS_MAX)
                snprintf(f->failed_units[f->n_failed_units++], sizeof(f->failed_units[0]), "%s", unit);
}

/* "Running 55-migrate-network-devices.sh..." -> "55-migrate-network-devices.sh" */
static void note_setup_step(struct console_findings *f, const char *line)
{
        const char *name = line + strlen("Running ");
        f->last_step[0] = '\0';
        append_line(f->last_step, sizeof(f->last_step), line);
        f->last_step_lines = 1;
        snprintf(f->setup_script, sizeof(f->setup_script), "%.*s", (int) (strstr(line, "...") - name), name);
}

static void on_event(struct console_watch *cw, struct tty_watch *w, enum rule_event event, const char *line,
                     long long now)
{
        struct console_findings *f = &cw->found;

        switch (event) {
        case EVENT_READY:
                if (!f->ready_line_ms) {
                        f->ready_line_ms = now;
                        milestone(cw, now, "ReaR's setup is ready (%s)", w->terminal->name);
                }
                return;
        case EVENT_CORRUPTED:
                if (!f->corrupted_ms) {
                        f->corrupted_ms = now;
                        snprintf(f->corrupted_excerpt, sizeof(f->corrupted_excerpt), "%s", f->md5_complaints);
                        milestone(cw, now, "%s", "ReaR reports a corrupted rescue system (md5sums.txt)");
                }
                return;
        case EVENT_MD5_LINE:
                if (!f->corrupted_ms && strlen(f->md5_complaints) + strlen(line) + 2 < sizeof(f->md5_complaints))
                        append_line(f->md5_complaints, sizeof(f->md5_complaints), line);
                return;
        case EVENT_SETUP_STEP:
                if (!strstr(line, "..."))
                        return;
                if (!f->ready_line_ms && w == &cw->ttys[0])
                        note_setup_step(f, line);
                milestone(cw, now, "boot: %s", line);
                return;
        case EVENT_FAILED_UNIT:
                if (!f->frozen)
                        add_failed_unit(f, line, strstr(line, ": Failed with result '"));
                return;
        case EVENT_LOGIN_MARKER:
                w->marker = true;
                return;
        case EVENT_LOGIN_INCORRECT:
                w->login_incorrect = true;
                return;
        case EVENT_LOGIN_PROMPT:
                if (!w->prompt_ms) {
                        w->prompt_ms = now;
                        milestone(cw, now, "login prompt on %s", w->terminal->name);
                }
                return;
        case EVENT_SHELL_PROMPT:
                w->shell_prompt = true;
                return;
        case EVENT_PASSWORD_PROMPT:
                w->password_prompt = true;
                return;
        }
}

static void note_notable(struct console_findings *f, const char *line, bool setup_step)
{
        if (!console_line_is_notable(line))
                return;
        if (!setup_step && f->last_step_lines && f->last_step_lines < SETUP_STEP_LINES) {
                append_line(f->last_step, sizeof(f->last_step), line);
                f->last_step_lines++;
        }
        if (!f->frozen) {
                char *slot = f->notable[f->n_notable++ % NOTABLE_LINES];
                size_t len = strnlen(line, NOTABLE_LINE_MAX - 1);
                memcpy(slot, line, len);        /* a long line is cut: the start tells most */
                slot[len] = '\0';
        }
}

static void apply_rules(struct console_watch *cw, struct tty_watch *w, const char *text, size_t len, bool partial,
                        long long now)
{
        bool on_console = w == &cw->ttys[0];
        unsigned fired = 0;     /* each event once per line, however many rows match */

        for (size_t i = 0; i < ARRAY_SIZE(console_rules); i++) {
                const struct console_rule *rule = &console_rules[i];
                if ((rule->match == MATCH_PROMPT) != partial || (rule->where == ON_CONSOLE && !on_console) ||
                    (fired & (1u << rule->event)))
                        continue;
                if (rule_matches(rule, text, len)) {
                        fired |= 1u << rule->event;
                        on_event(cw, w, rule->event, text, now);
                }
        }
}

struct line_context {
        struct console_watch *cw;
        struct tty_watch *watch;
        long long now;
};

static void on_complete_line(void *userdata, const char *line)
{
        struct line_context *ctx = userdata;
        bool setup_step = strncmp(line, "Running ", 8) == 0 && strstr(line, "...");

        if (ctx->watch == &ctx->cw->ttys[0])
                note_notable(&ctx->cw->found, line, setup_step && !ctx->cw->found.ready_line_ms);
        apply_rules(ctx->cw, ctx->watch, line, strlen(line), false, ctx->now);
}

void console_feed(struct console_watch *cw, size_t index, const char *bytes, size_t n, long long now)
{
        struct line_context ctx = { .cw = cw, .watch = &cw->ttys[index], .now = now };

        line_reader_feed(&ctx.watch->lines, bytes, n, on_complete_line, &ctx);
        apply_rules(cw, ctx.watch, ctx.watch->lines.partial, ctx.watch->lines.len, true, now);
}

char *console_notable_excerpt(const struct console_findings *f)
{
        size_t first = f->n_notable > NOTABLE_LINES ? f->n_notable - NOTABLE_LINES : 0;
        char *text = calloc(NOTABLE_LINES, NOTABLE_LINE_MAX + 1);

        for (size_t i = first; text && i < f->n_notable; i++) {
                strcat(text, f->notable[i % NOTABLE_LINES]);
                strcat(text, "\n");
        }
        return text;
}

struct tty_watch *console_first_prompt(const struct console_watch *cw)
{
        struct tty_watch *best = NULL;

        for (size_t i = 0; i < cw->n_ttys; i++) {
                struct tty_watch *w = &cw->ttys[i];
                if (w->prompt_ms && (!best || (w->getty && !best->getty)))
                        best = w;
        }
        return best;
}
