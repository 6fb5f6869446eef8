/* summary.txt, and what --check prints: one line per check, the excerpt of each that
 * failed or warned, the verdict. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "report.h"
#include "report-text.h"
#include "util.h"

/* Lines of a failed check's excerpt shown in the summary; report.json and junit.xml have it all. */
#define SUMMARY_EXCERPT_LINES 8
/* Long lines (a progress bar without line breaks) are cut, in code points. */
#define SUMMARY_EXCERPT_WIDTH 200

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

