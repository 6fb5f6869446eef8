/* report.json: schema "rear-testrescue-report" (doc/report-schema.md). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "report.h"
#include "report-text.h"
#include "util.h"

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

int report_render_json(const struct report *r, FILE *f)
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

