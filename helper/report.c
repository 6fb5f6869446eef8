/* What every report writer shares (report-text.h), the files written atomically, and the
 * node_exporter textfile. The summary, report.json and junit.xml have a file each. */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "report-text.h"
#include "util.h"

/* Report files are readable by all whatever the umask of cron or CI: node_exporter runs as
 * another user, and who may read a report is decided by its directory. */
#define REPORT_FILE_MODE 0644

const char *check_status_name(enum check_status s)
{
        switch (s) {
        case CHECK_OK:
                return "ok";
        case CHECK_FAIL:
                return "fail";
        case CHECK_IGNORED:
                return "ignored";
        case CHECK_WARN:
                return "warn";
        }
        return "unknown";
}

/* Length of the valid UTF-8 sequence at s (NUL-terminated) and its code point; 0 if the bytes
 * are not one: a stray continuation byte, a truncated or overlong sequence, a surrogate. */
size_t utf8_decode(const unsigned char *s, uint32_t *ret)
{
        size_t len;
        uint32_t c, min;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0) {
                len = 2, c = s[0] & 0x1f, min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3, c = s[0] & 0x0f, min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4, c = s[0] & 0x07, min = 0x10000;
        } else
                return 0;
        /* The terminating NUL is no continuation byte, so this never reads past the string. */
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}

/* Terminal output as clean text: escape sequences (CSI, OSC, DCS, charset selections) removed,
 * other control characters shown as ^X, C1 controls, the non-characters U+FFFE/U+FFFF (not
 * allowed in XML) and invalid UTF-8 replaced by U+FFFD. The result holds no control character
 * but LF and TAB (CLEAN_LINES) or none (CLEAN_LINE). NULL input gives "". NULL: out of memory. */
char *clean_text(const char *s, enum clean_mode mode)
{
        enum { TEXT, ESC, CSI, STRING } state = TEXT;
        const unsigned char *p = (const unsigned char *) (s ?: "");
        /* Worst cases: one invalid byte becomes 3, one control byte 2, a 2-byte C1 control 3. */
        char *out = malloc(3 * strlen((const char *) p) + 1), *o = out;
        if (!out)
                return NULL;

        while (*p) {
                unsigned char b = *p;
                uint32_t c;
                size_t n;

                switch (state) {
                case ESC:
                        /* Intermediate bytes, then one final byte; a control character ends the
                         * sequence early and is handled as text. */
                        if (b >= 0x20 && b <= 0x2f)
                                p++;
                        else if (b >= 0x30 && b <= 0x7e) {
                                p++;
                                state = b == '[' ? CSI : strchr("]PX^_", b) ? STRING : TEXT;
                        } else
                                state = TEXT;
                        continue;
                case CSI:
                        if (b >= 0x20 && b <= 0x3f)
                                p++;
                        else {
                                if (b >= 0x40 && b <= 0x7e)
                                        p++;
                                state = TEXT;
                        }
                        continue;
                case STRING:
                        /* Ended by BEL or ST (ESC \); also by a line break, so that a string
                         * cut off in the log does not swallow the lines after it. */
                        if (b == '\a')
                                state = TEXT, p++;
                        else if (b == 0x1b && p[1] == '\\')
                                state = TEXT, p += 2;
                        else if (b == '\n')
                                state = TEXT;
                        else
                                p++;
                        continue;
                case TEXT:
                        break;
                }

                if (b == 0x1b) {
                        state = ESC;
                        p++;
                        continue;
                }
                n = utf8_decode(p, &c);
                if (n == 0) {
                        o = stpcpy(o, REPLACEMENT);
                        p++;
                        continue;
                }
                if (c == '\r' && p[1] == '\n')
                        ;       /* the LF that follows makes the line break */
                else if (c == '\r' || c == '\n')
                        *o++ = mode == CLEAN_LINES ? '\n' : ' ';
                else if (c == '\t')
                        *o++ = mode == CLEAN_LINES ? '\t' : ' ';
                else if (c < 0x20 || c == 0x7f) {
                        *o++ = '^';
                        *o++ = (char) (c ^ 0x40);
                } else if ((c >= 0x80 && c <= 0x9f) || c == 0xfffe || c == 0xffff)
                        o = stpcpy(o, REPLACEMENT);
                else {
                        memcpy(o, p, n);
                        o += n;
                }
                p += n;
        }
        *o = '\0';
        return out;
}

/* Code points in a valid UTF-8 string: its width on a terminal, near enough for names. */
size_t utf8_width(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        n++;
        return n;
}

/* Seconds with 3 decimals, by integer arithmetic so that no locale can turn the point into a
 * comma. false when unknown: negative, NaN or absurdly large. */
bool format_seconds(char buf[static 32], double s)
{
        if (!(s >= 0 && s < 1e12))
                return false;
        long long ms = (long long) (s * 1000.0 + 0.5);
        snprintf(buf, 32, "%lld.%03lld", ms / 1000, ms % 1000);
        return true;
}

/* RFC 3339 in UTC ("2024-05-01T12:34:56Z"), or with no zone suffix for JUnit's timestamp. */
bool format_time(char buf[static 32], time_t t, bool zulu)
{
        struct tm tm;

        if (!gmtime_r(&t, &tm))
                return false;
        return strftime(buf, 32, zulu ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm) > 0;
}

size_t count_status(const struct report *r, enum check_status status)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_items; i++)
                if (r->items[i].status == status)
                        n++;
        return n;
}

/* Never PASS while a check failed, whatever the caller said: a report that contradicts itself
 * would let a broken image through. */
bool report_passed(const struct report *r)
{
        return r->verdict && strcmp(r->verdict, "PASS") == 0 && count_status(r, CHECK_FAIL) == 0 &&
               !(r->fail_on_warning && count_status(r, CHECK_WARN) > 0);
}

const char *report_image(const struct report *r)
{
        return r->image ?: r->rootfs ?: "";
}

/* The renderers below collect errors with ret |= ...: every helper returns 0 or -ENOMEM, so
 * the result is one of those too; stdio errors are left to stream_status() at the end. */
int stream_status(FILE *f)
{
        return ferror(f) ? -EIO : 0;
}

int put_clean(FILE *f, const char *s, enum clean_mode mode)
{
        _cleanup_free_ char *t = clean_text(s, mode);
        if (!t)
                return -ENOMEM;
        fputs(t, f);
        return 0;
}

/* ---- writing files ---- */

/* dir/name replaced through a temp file in the same directory and rename(): a reader
 * (node_exporter, a CI job) sees the old file or the new one, never half of one. */
static int write_atomic(const char *dir, const char *name, const char *content, size_t len)
{
        char path[PATH_MAX], tmp[PATH_MAX];
        int r;

        r = path_join(path, sizeof(path), dir, name);
        if (r < 0)
                return r;
        /* A dot name that node_exporter (which reads *.prom) and globbing users skip. */
        if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int) sizeof(tmp))
                return -ENAMETOOLONG;

        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        r = write_all(fd, content, len);
        /* fsync before rename: after a crash the name holds the old content or the new, not an
         * empty file. */
        if (r >= 0 && (fchmod(fd, REPORT_FILE_MODE) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0))
                r = negative_errno();
        if (r < 0)
                unlink(tmp);
        return r;
}

typedef int (*render_fn)(const struct report *r, FILE *f);

static int write_rendered(const struct report *r, const char *dir, const char *name, render_fn render)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int ret;

        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return negative_errno();
        ret = render(r, f);
        if (fclose(f) != 0 && ret >= 0)
                ret = -ENOMEM;
        if (ret < 0)
                return ret;
        return write_atomic(dir, name, buf, len);
}

int report_write_files(const struct report *r, const char *dir)
{
        int ret;

        ret = write_rendered(r, dir, "report.json", report_render_json);
        if (ret >= 0)
                ret = write_rendered(r, dir, "junit.xml", report_render_junit);
        if (ret >= 0)
                ret = write_rendered(r, dir, "summary.txt", report_print_summary);
        return ret;
}

/* ---- Prometheus textfile ---- */

/* A label value: backslash, quote and line feed escaped, invalid UTF-8 replaced (node_exporter
 * rejects the whole file otherwise). */
static void prom_label(FILE *f, const char *s)
{
        for (const unsigned char *p = (const unsigned char *) s; *p; ) {
                uint32_t c;
                size_t n = utf8_decode(p, &c);

                if (n == 0) {
                        fputs(REPLACEMENT, f);
                        p++;
                        continue;
                }
                if (c == '\\')
                        fputs("\\\\", f);
                else if (c == '"')
                        fputs("\\\"", f);
                else if (c == '\n')
                        fputs("\\n", f);
                else
                        fwrite(p, 1, n, f);
                p += n;
        }
}

static void prom_metric(FILE *f, const struct report *r, const char *name, const char *help, const char *value)
{
        fprintf(f, "# HELP rear_testrescue_%s %s\n# TYPE rear_testrescue_%s gauge\nrear_testrescue_%s{image=\"",
                name, help, name, name);
        prom_label(f, report_image(r));
        fprintf(f, "\"} %s\n", value);
}

/* Unknown values (never ready, no duration) are left out rather than written as NaN: a NaN
 * compares false with every threshold and would hide the image from an alert on slowness,
 * while absent() finds a missing series. */
static int render_prometheus(const struct report *r, FILE *f)
{
        char buf[32];

        snprintf(buf, sizeof(buf), "%lld", (long long) r->started_at);
        prom_metric(f, r, "last_run_timestamp_seconds", "Unix time when the last test of the rescue image started.", buf);
        prom_metric(f, r, "success", "1 if the last test of the rescue image passed, else 0.", report_passed(r) ? "1" : "0");
        if (r->layout_changed >= 0)
                prom_metric(f, r, "layout_changed", "1 if 'rear checklayout' found the disk layout or ReaR's configuration changed since the rescue image was made, else 0; absent when not asked.",
                            r->layout_changed ? "1" : "0");
        if (format_seconds(buf, r->seconds_to_ready))
                prom_metric(f, r, "ready_seconds", "Seconds from start to ReaR's ready line in the last test; absent when never ready.", buf);
        if (format_seconds(buf, r->seconds_total))
                prom_metric(f, r, "duration_seconds", "Seconds from start to verdict of the last test.", buf);
        snprintf(buf, sizeof(buf), "%zu", count_status(r, CHECK_FAIL));
        prom_metric(f, r, "checks_failed", "Checks that failed in the last test of the rescue image.", buf);
        snprintf(buf, sizeof(buf), "%zu", count_status(r, CHECK_WARN));
        prom_metric(f, r, "checks_warned", "Checks that warned in the last test of the rescue image (what a machine would hit but a container cannot show).", buf);
        return stream_status(f);
}

int report_write_prometheus(const struct report *r, const char *path)
{
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        if (!*name)
                return -EINVAL;

        /* The directory part; "/" stays "/" and a bare name lives in ".". */
        _cleanup_free_ char *dir = slash ? strndup(path, slash == path ? 1 : (size_t) (slash - path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        return write_rendered(r, dir, name, render_prometheus);
}

