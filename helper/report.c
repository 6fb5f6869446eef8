#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "util.h"

/* U+FFFD, in place of each byte that is not part of valid UTF-8: terminal logs carry
 * whatever the image printed, but every report must stay valid UTF-8 for its readers. */
#define REPLACEMENT "\xef\xbf\xbd"

/* Lines of a failed check's excerpt shown in the summary; report.json and junit.xml have it all. */
#define SUMMARY_EXCERPT_LINES 8
/* Long lines (a progress bar without line breaks) are cut, in code points. */
#define SUMMARY_EXCERPT_WIDTH 200

/* Report files are readable by all whatever the umask of cron or CI: node_exporter runs as
 * another user, and who may read a report is decided by its directory. */
#define REPORT_FILE_MODE 0644

enum clean_mode {
        CLEAN_LINE,             /* line breaks and tabs become spaces */
        CLEAN_LINES,            /* keeps line breaks (CR LF and lone CR become LF) and tabs */
};

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
static size_t utf8_decode(const unsigned char *s, uint32_t *ret)
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
static char *clean_text(const char *s, enum clean_mode mode)
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
static size_t utf8_width(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                if (((unsigned char) *s & 0xc0) != 0x80)
                        n++;
        return n;
}

/* Seconds with 3 decimals, by integer arithmetic so that no locale can turn the point into a
 * comma. false when unknown: negative, NaN or absurdly large. */
static bool format_seconds(char buf[static 32], double s)
{
        if (!(s >= 0 && s < 1e12))
                return false;
        long long ms = (long long) (s * 1000.0 + 0.5);
        snprintf(buf, 32, "%lld.%03lld", ms / 1000, ms % 1000);
        return true;
}

/* RFC 3339 in UTC ("2024-05-01T12:34:56Z"), or with no zone suffix for JUnit's timestamp. */
static bool format_time(char buf[static 32], time_t t, bool zulu)
{
        struct tm tm;

        if (!gmtime_r(&t, &tm))
                return false;
        return strftime(buf, 32, zulu ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S", &tm) > 0;
}

static size_t count_status(const struct report *r, enum check_status status)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_items; i++)
                if (r->items[i].status == status)
                        n++;
        return n;
}

/* Never PASS while a check failed, whatever the caller said: a report that contradicts itself
 * would let a broken image through. */
static bool report_passed(const struct report *r)
{
        return r->verdict && strcmp(r->verdict, "PASS") == 0 && count_status(r, CHECK_FAIL) == 0 &&
               !(r->fail_on_warning && count_status(r, CHECK_WARN) > 0);
}

static const char *report_image(const struct report *r)
{
        return r->image ?: r->rootfs ?: "";
}

/* The renderers below collect errors with ret |= ...: every helper returns 0 or -ENOMEM, so
 * the result is one of those too; stdio errors are left to stream_status() at the end. */
static int stream_status(FILE *f)
{
        return ferror(f) ? -EIO : 0;
}

/* ---- summary ---- */

static int put_clean(FILE *f, const char *s, enum clean_mode mode)
{
        _cleanup_free_ char *t = clean_text(s, mode);
        if (!t)
                return -ENOMEM;
        fputs(t, f);
        return 0;
}

static int summary_field(FILE *f, const char *key, const char *value)
{
        fprintf(f, "%-14s", key);
        int r = put_clean(f, value, CLEAN_LINE);
        fputc('\n', f);
        return r;
}

static int summary_seconds(FILE *f, const char *key, double s, const char *unknown)
{
        char buf[32];

        return summary_field(f, key, format_seconds(buf, s) ? strcat(buf, " s") : unknown);
}

/* The last lines of an excerpt, indented under its check. */
static int summary_excerpt(FILE *f, const char *excerpt)
{
        _cleanup_free_ char *t = clean_text(excerpt, CLEAN_LINES);
        if (!t)
                return -ENOMEM;

        size_t len = strlen(t);
        while (len > 0 && strchr(" \t\n", t[len - 1]))
                len--;
        t[len] = '\0';
        if (len == 0)
                return 0;

        char *start = t + len;
        for (int lines = 0; start > t; start--)
                if (start[-1] == '\n' && ++lines == SUMMARY_EXCERPT_LINES)
                        break;

        for (char *line = start; line; ) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = '\0';
                size_t end = strlen(line), width = 0, cut = 0;
                while (end > 0 && strchr(" \t", line[end - 1]))
                        end--;
                /* Cut at a code point boundary. */
                while (cut < end && width < SUMMARY_EXCERPT_WIDTH) {
                        cut++;
                        while (cut < end && ((unsigned char) line[cut] & 0xc0) == 0x80)
                                cut++;
                        width++;
                }
                fprintf(f, "        | %.*s%s\n", (int) cut, line, cut < end ? " ..." : "");
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

int report_print_summary(const struct report *r, FILE *out)
{
        size_t failed = count_status(r, CHECK_FAIL), ran = r->n_items - count_status(r, CHECK_IGNORED);
        size_t name_width = 0;
        char buf[32];
        int ret = 0;

        ret |= summary_field(out, "image:", report_image(r));
        if (r->rootfs && strcmp(r->rootfs, report_image(r)) != 0)
                ret |= summary_field(out, "rootfs:", r->rootfs);
        ret |= summary_field(out, "init:", r->init_kind ?: "unknown");
        ret |= summary_field(out, "started:", format_time(buf, r->started_at, true) ? buf : "unknown");
        ret |= summary_field(out, "verdict:", report_passed(r) ? "PASS" : "FAIL");
        ret |= summary_seconds(out, "total:", r->seconds_total, "unknown");
        ret |= summary_seconds(out, "ready:", r->seconds_to_ready, "never");
        ret |= summary_seconds(out, "first prompt:", r->seconds_to_prompt, "never");
        if (format_seconds(buf, r->seconds_waited_by_image)) {
                char taken[32], waits[128];
                snprintf(waits, sizeof(waits), "%s s asked for, %s s taken", buf,
                         format_seconds(taken, r->seconds_waited_really) ? taken : "?");
                ret |= summary_field(out, "image sleeps:", waits);
        }
        fprintf(out, "%-14s", "shutdown:");
        ret |= put_clean(out, r->shutdown ?: "unknown", CLEAN_LINE);
        if (format_seconds(buf, r->seconds_to_shutdown))
                fprintf(out, " (%s s)", buf);
        fputs("\n\n", out);

        for (size_t i = 0; i < r->n_items; i++) {
                _cleanup_free_ char *name = clean_text(r->items[i].name, CLEAN_LINE);
                if (!name)
                        return -ENOMEM;
                if (utf8_width(name) > name_width)
                        name_width = utf8_width(name);
        }

        for (size_t i = 0; i < r->n_items; i++) {
                const struct check_item *it = &r->items[i];
                _cleanup_free_ char *name = clean_text(it->name, CLEAN_LINE);
                if (!name)
                        return -ENOMEM;
                fprintf(out, "%-8s%s", it->status == CHECK_FAIL ? "FAIL" : check_status_name(it->status), name);
                if (it->detail && *it->detail) {
                        fprintf(out, "%*s", (int) (name_width - utf8_width(name) + 2), "");
                        ret |= put_clean(out, it->detail, CLEAN_LINE);
                }
                fputc('\n', out);
                if (it->status == CHECK_FAIL || it->status == CHECK_WARN)
                        ret |= summary_excerpt(out, it->excerpt);
        }

        size_t warned = count_status(r, CHECK_WARN);
        if (report_passed(r) && warned == 0)
                fputs("\nVERDICT: PASS\n", out);
        else if (report_passed(r))
                fprintf(out, "\nVERDICT: PASS (%zu warning%s)\n", warned, warned == 1 ? "" : "s");
        else if (failed == 0 && warned > 0)
                fprintf(out, "\nVERDICT: FAIL (%zu warning%s, --fail-on-warning)\n", warned, warned == 1 ? "" : "s");
        else if (failed == 0)
                fputs("\nVERDICT: FAIL\n", out);
        else {
                fprintf(out, "\nVERDICT: FAIL (%zu of %zu checks failed: ", failed, ran);
                for (size_t i = 0, n = 0; i < r->n_items; i++)
                        if (r->items[i].status == CHECK_FAIL) {
                                fputs(n++ ? ", " : "", out);
                                ret |= put_clean(out, r->items[i].name, CLEAN_LINE);
                        }
                fputs(")\n", out);
        }
        return ret < 0 ? ret : stream_status(out);
}

/* ---- report.json ---- */

/* A JSON string: quote and backslash escaped, control characters as \u00XX, invalid UTF-8 as
 * U+FFFD. NULL gives null. */
static void json_string(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; ) {
                uint32_t c;
                size_t n = utf8_decode(p, &c);

                if (n == 0) {
                        fputs(REPLACEMENT, f);
                        p++;
                        continue;
                }
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", (char) c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\u%04x", (unsigned) c);
                else
                        fwrite(p, 1, n, f);
                p += n;
        }
        fputc('"', f);
}

/* Terminal output (details, excerpts) goes into report.json cleaned like in the summary: the
 * raw bytes are in the tty logs. */
static int json_terminal_text(FILE *f, const char *s)
{
        if (!s) {
                fputs("null", f);
                return 0;
        }
        _cleanup_free_ char *t = clean_text(s, CLEAN_LINES);
        if (!t)
                return -ENOMEM;
        json_string(f, t);
        return 0;
}

static void json_seconds(FILE *f, double s)
{
        char buf[32];

        fputs(format_seconds(buf, s) ? buf : "null", f);
}

static int render_json(const struct report *r, FILE *f)
{
        char buf[32];
        int ret = 0;

        fprintf(f, "{\n  \"schema\": \"rear-testrescue-report\",\n  \"schema_version\": %d,\n", REPORT_SCHEMA_VERSION);
        fputs("  \"image\": ", f);
        json_string(f, report_image(r));
        fputs(",\n  \"rootfs\": ", f);
        json_string(f, r->rootfs);
        fputs(",\n  \"rescue_spawn_version\": ", f);
        json_string(f, r->version);
        fputs(",\n  \"init\": ", f);
        json_string(f, r->init_kind);
        fprintf(f, ",\n  \"verdict\": \"%s\",\n  \"started_at\": ", report_passed(r) ? "PASS" : "FAIL");
        json_string(f, format_time(buf, r->started_at, true) ? buf : NULL);

        fputs(",\n  \"timings\": {\n    \"total_seconds\": ", f);
        json_seconds(f, r->seconds_total);
        fputs(",\n    \"ready_seconds\": ", f);
        json_seconds(f, r->seconds_to_ready);
        fputs(",\n    \"first_prompt_seconds\": ", f);
        json_seconds(f, r->seconds_to_prompt);
        fputs(",\n    \"image_wait_seconds\": ", f);
        json_seconds(f, r->seconds_waited_by_image);
        fputs(",\n    \"image_wait_taken_seconds\": ", f);
        json_seconds(f, r->seconds_waited_really);
        fputs(",\n    \"shutdown_seconds\": ", f);
        json_seconds(f, r->seconds_to_shutdown);
        fputs("\n  },\n  \"shutdown\": ", f);
        json_string(f, r->shutdown);

        fputs(",\n  \"checks\": [", f);
        for (size_t i = 0; i < r->n_items; i++) {
                const struct check_item *it = &r->items[i];

                fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
                json_string(f, it->name ?: "");
                fprintf(f, ", \"status\": \"%s\", \"detail\": ", check_status_name(it->status));
                ret |= json_terminal_text(f, it->detail ?: "");
                fputs(", \"seconds\": ", f);
                json_seconds(f, it->seconds);
                fputs(", \"excerpt\": ", f);
                ret |= json_terminal_text(f, it->excerpt);
                fputc('}', f);
        }
        fputs(r->n_items ? "\n  ],\n  \"ttys\": [" : "],\n  \"ttys\": [", f);
        for (size_t i = 0; i < r->n_ttys; i++) {
                const struct tty_result *t = &r->ttys[i];

                fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
                json_string(f, t->name);
                fprintf(f, ", \"getty_expected\": %s, \"first_output_seconds\": ", t->getty_expected ? "true" : "false");
                json_seconds(f, t->first_output_s);
                fputs(", \"prompt_seconds\": ", f);
                json_seconds(f, t->prompt_s);
                fputs(", \"log\": ", f);
                json_string(f, t->log_file[0] ? t->log_file : NULL);
                fputc('}', f);
        }
        fputs(r->n_ttys ? "\n  ]\n}\n" : "]\n}\n", f);
        return ret < 0 ? ret : stream_status(f);
}

/* ---- junit.xml ---- */

/* Cleaned text with the five XML specials escaped: fit for an attribute value (CLEAN_LINE, so
 * no line break for a parser to fold) or for character data. */
static int xml_text(FILE *f, const char *s, enum clean_mode mode)
{
        _cleanup_free_ char *t = clean_text(s, mode);
        if (!t)
                return -ENOMEM;
        for (const char *p = t; *p; p++)
                switch (*p) {
                case '&':
                        fputs("&amp;", f);
                        break;
                case '<':
                        fputs("&lt;", f);
                        break;
                case '>':
                        fputs("&gt;", f);
                        break;
                case '"':
                        fputs("&quot;", f);
                        break;
                case '\'':
                        fputs("&apos;", f);
                        break;
                default:
                        fputc(*p, f);
                }
        return 0;
}

static bool is_ascii_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The image as one segment of a JUnit class name: CI front ends split class names at dots and
 * slashes, so anything but letters, digits, '-' and '_' becomes '_'. */
static void junit_class_segment(FILE *f, const char *image)
{
        const char *p = image, *end = image + strlen(image);

        while (p < end && !is_ascii_alnum(*p))
                p++;
        while (end > p && !is_ascii_alnum(end[-1]))
                end--;
        if (p == end) {
                fputs("image", f);
                return;
        }
        for (; p < end; p++)
                fputc(is_ascii_alnum(*p) || *p == '-' || *p == '_' ? *p : '_', f);
}

static int junit_property(FILE *f, const char *name, const char *value)
{
        if (!value)
                return 0;
        fprintf(f, "    <property name=\"%s\" value=\"", name);
        int r = xml_text(f, value, CLEAN_LINE);
        fputs("\"/>\n", f);
        return r;
}

static int render_junit(const struct report *r, FILE *f)
{
        char buf[32];
        int ret = 0;

        fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
        fprintf(f, "<testsuite name=\"rear-testrescue\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%s\"",
                r->n_items, count_status(r, CHECK_FAIL) + (r->fail_on_warning ? count_status(r, CHECK_WARN) : 0),
                count_status(r, CHECK_IGNORED),
                format_seconds(buf, r->seconds_total) ? buf : "0.000");
        /* JUnit's schema wants the timestamp without a zone; it is UTC. */
        if (format_time(buf, r->started_at, false))
                fprintf(f, " timestamp=\"%s\"", buf);
        fputs(">\n  <properties>\n", f);
        ret |= junit_property(f, "image", report_image(r));
        ret |= junit_property(f, "rootfs", r->rootfs);
        ret |= junit_property(f, "init", r->init_kind);
        ret |= junit_property(f, "verdict", report_passed(r) ? "PASS" : "FAIL");
        ret |= junit_property(f, "shutdown", r->shutdown);
        fputs("  </properties>\n", f);

        for (size_t i = 0; i < r->n_items; i++) {
                const struct check_item *it = &r->items[i];

                fputs("  <testcase classname=\"rear-testrescue.", f);
                junit_class_segment(f, report_image(r));
                fputs("\" name=\"", f);
                ret |= xml_text(f, it->name, CLEAN_LINE);
                /* The time into the boot when the check was decided: checks overlap, so
                 * they have no durations of their own. */
                fprintf(f, "\" time=\"%s\"", format_seconds(buf, it->seconds) ? buf : "0.000");
                if (it->status == CHECK_OK) {
                        fputs("/>\n", f);
                        continue;
                }
                /* JUnit knows no warning: a passed case that says it on its output, or a
                 * failure when warnings fail the verdict. */
                if (it->status == CHECK_WARN && !r->fail_on_warning) {
                        fputs(">\n    <system-out>warning: ", f);
                        ret |= xml_text(f, it->detail, CLEAN_LINE);
                        fputs("</system-out>\n  </testcase>\n", f);
                        continue;
                }
                bool failure = it->status == CHECK_FAIL || it->status == CHECK_WARN;
                fputs(it->status == CHECK_FAIL ? ">\n    <failure type=\"FAIL\" message=\""
                      : failure ? ">\n    <failure type=\"WARN\" message=\"" : ">\n    <skipped message=\"", f);
                ret |= xml_text(f, it->detail, CLEAN_LINE);
                if (failure && it->excerpt) {
                        fputs("\">", f);
                        ret |= xml_text(f, it->excerpt, CLEAN_LINES);
                        fputs("</failure>\n", f);
                } else
                        fputs("\"/>\n", f);
                fputs("  </testcase>\n", f);
        }
        fputs("</testsuite>\n", f);
        return ret < 0 ? ret : stream_status(f);
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

        ret = write_rendered(r, dir, "report.json", render_json);
        if (ret >= 0)
                ret = write_rendered(r, dir, "junit.xml", render_junit);
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
