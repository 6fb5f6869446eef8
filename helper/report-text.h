/* What the writers of report.c, report-summary.c, report-json.c and report-junit.c share:
 * text made safe for every reader (valid UTF-8, no control characters), numbers and times
 * formatted once, the verdict computed once. Internal to the report writers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report.h"

/* U+FFFD, in place of each byte that is not part of valid UTF-8: terminal logs carry
 * whatever the image printed, but every report must stay valid UTF-8 for its readers. */
#define REPLACEMENT "\xef\xbf\xbd"

enum clean_mode {
        CLEAN_LINE,             /* line breaks and tabs become spaces */
        CLEAN_LINES,            /* keeps line breaks (CR LF and lone CR become LF) and tabs */
};

/* Length of the valid UTF-8 sequence at s and its code point; 0 if the bytes are not one. */
size_t utf8_decode(const unsigned char *s, uint32_t *ret);
/* s without escape sequences and control characters, invalid UTF-8 replaced; malloc'd or NULL. */
char *clean_text(const char *s, enum clean_mode mode);
/* Code points of s. */
size_t utf8_width(const char *s);
/* "1.234" (3 decimals); false when s < 0 (unknown). */
bool format_seconds(char buf[static 32], double s);
/* ISO 8601, UTC. */
bool format_time(char buf[static 32], time_t t, bool zulu);
size_t count_status(const struct report *r, enum check_status status);
/* The verdict, never PASS while a check failed (or warned, with fail_on_warning). */
bool report_passed(const struct report *r);
const char *report_image(const struct report *r);
/* 0, or -EIO when the stream had an error. */
int stream_status(FILE *f);
/* s cleaned, to f. 0 or -ENOMEM. */
int put_clean(FILE *f, const char *s, enum clean_mode mode);

int report_render_json(const struct report *r, FILE *f);
int report_render_junit(const struct report *r, FILE *f);
