/* Watching the terminals for --check: what the rescue system says, turned into
 * milestones (ReaR's ready line, a login prompt) and findings (a corrupted image,
 * a failed unit, the lines that tell why) by a table of rules (console.c), so that
 * another ReaR release's wording is one more row. Pure over the bytes it is fed:
 * no clock, no terminal, no process. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gettys.h"
#include "lines.h"
#include "terminals.h"

#define NOTABLE_LINES 12
#define NOTABLE_LINE_MAX 200
#define SETUP_STEP_LINES 4
#define MD5_COMPLAINTS_MAX 1500
#define FAILED_UNITS_MAX 32

/* What the check reads on one terminal. */
struct tty_watch {
        struct terminal *terminal;
        struct line_reader lines;
        long long prompt_ms;            /* "login:" seen; 0: not yet */
        const struct getty *getty;      /* the image starts a getty here (NULL: not expected) */
        bool shell_prompt, password_prompt, login_incorrect, marker;
};

/* What the console (terminal 0) told, in the order the rules found it. */
struct console_findings {
        long long ready_line_ms, corrupted_ms;
        /* The console's last lines that tell of a failure: the excerpt of a FAIL, since
         * the console's tail at the end only shows the power off. */
        char notable[NOTABLE_LINES][NOTABLE_LINE_MAX];
        size_t n_notable;
        char md5_complaints[MD5_COMPLAINTS_MAX];        /* md5sum's lines, then ReaR's verdict */
        char corrupted_excerpt[MD5_COMPLAINTS_MAX];
        /* ReaR's last "Running NN-name.sh..." and the first notable lines after it:
         * what a setup script that died said, before systemd's lines pile up. */
        char last_step[SETUP_STEP_LINES * NOTABLE_LINE_MAX];
        unsigned last_step_lines;
        char setup_script[NOTABLE_LINE_MAX];    /* "55-migrate-network-devices.sh" of the last step */
        /* systemd at ReaR's LogLevel=debug names a unit exactly: "UNIT: Failed with result 'x'." */
        char failed_units[FAILED_UNITS_MAX][128];
        size_t n_failed_units;
        bool frozen;                    /* the check is done: later lines are the power off's */
};

struct console_watch {
        struct tty_watch *ttys;         /* [0] is the console */
        size_t n_ttys;
        struct console_findings found;
        /* A milestone for the admin's progress (stderr); may be NULL. */
        void (*milestone)(void *userdata, long long ms, const char *text);
        void *userdata;
};

/* Feed what terminal index printed at time now (ms). */
void console_feed(struct console_watch *cw, size_t index, const char *bytes, size_t n, long long now);
/* The notable lines, oldest first, one a line ("" when none): a malloc'd string or NULL. */
char *console_notable_excerpt(const struct console_findings *f);
/* The watch of the first terminal with a login prompt (a getty's terminal preferred), or NULL. */
struct tty_watch *console_first_prompt(const struct console_watch *cw);
/* Is it a line that tells why something failed (not systemd's chatter)? */
bool console_line_is_notable(const char *line);

/* The ready line as ReaR 2.x prints it (for the reports). */
extern const char console_ready_line[];
extern const char console_corrupted_line[];
