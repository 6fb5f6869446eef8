/* The verdict of --check and the files it is written to: summary.txt (one line per
 * check), report.json (schema "rear-testrescue-report", version REPORT_SCHEMA_VERSION),
 * junit.xml, and a node_exporter textfile. */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define REPORT_SCHEMA_VERSION 1

enum check_status {
        CHECK_OK,
        CHECK_FAIL,
        CHECK_IGNORED,          /* cannot work in any container, or not applicable: says why */
        CHECK_WARN,             /* the container cannot exercise it, but the image's files show
                                 * it would fail on a machine: PASS unless fail_on_warning */
};

struct check_item {
        char *name;             /* e.g. "init", "ready-line", "prompt:tty1", "login", "units", "rear" */
        enum check_status status;
        char *detail;           /* one line: what was seen, or why it failed / is ignored */
        char *excerpt;          /* NULL, or the last lines of the relevant log */
        double seconds;         /* since init was started, when decided; < 0 unknown */
};

struct tty_result {
        char name[16];          /* "console", "tty1", ..., "ttyS0" */
        int getty_expected;     /* the image starts a getty on it */
        double first_output_s;  /* < 0: never printed anything */
        double prompt_s;        /* < 0: no login prompt seen */
        char log_file[64];      /* relative to the report directory, e.g. "tty-tty1.log" */
};

struct report {
        const char *image;              /* name given by --image-name, else the rootfs path */
        const char *rootfs;
        const char *version;            /* rescue-spawn's version */
        const char *init_kind;          /* "systemd", "busybox init", ... */
        const char *verdict;            /* "PASS" or "FAIL" */
        int fail_on_warning;            /* a warning fails the verdict (--fail-on-warning) */
        time_t started_at;              /* wall clock */
        double seconds_total;           /* start to verdict */
        double seconds_to_ready;        /* ReaR's ready line; < 0 never */
        double seconds_to_prompt;       /* first login prompt; < 0 never */
        double seconds_waited_by_image; /* sleep the image's processes asked for before its first prompt; < 0 unknown */
        double seconds_waited_really;   /* how long those sleeps lasted (less when skipped); < 0 unknown */
        const char *shutdown;           /* "powered off", "killed (...)", ... */
        double seconds_to_shutdown;     /* power off request to end; < 0 unknown */
        int layout_changed;             /* 'rear checklayout' (--layout-changed): 1 changed since
                                         * the image was made, 0 not, -1 not asked */
        struct check_item *items;
        size_t n_items;
        struct tty_result *ttys;
        size_t n_ttys;
};

/* Write summary.txt, report.json and junit.xml into dir (which exists). 0 or -errno. */
int report_write_files(const struct report *r, const char *dir);
/* Write the textfile atomically (temp file + rename in the same directory). 0 or -errno. */
int report_write_prometheus(const struct report *r, const char *path);
/* The human summary, as also written to summary.txt. */
int report_print_summary(const struct report *r, FILE *out);
const char *check_status_name(enum check_status s);
