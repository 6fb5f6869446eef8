/* junit.xml: one test case per check, for CI systems. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "report.h"
#include "report-text.h"
#include "util.h"

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

int report_render_junit(const struct report *r, FILE *f)
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

