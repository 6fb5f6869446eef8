/* report.c: the summary, report.json, junit.xml and the Prometheus textfile, for a PASS report
 * and for a FAIL report full of what terminals print (quotes, backslashes, escape sequences,
 * invalid UTF-8, XML specials). The files are parsed by python3's json and xml modules and, when
 * python3-jsonschema is installed, validated against doc/report.schema.json. */
#include <dirent.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "report.h"
#include "unit.h"
#include "util.h"

#define STARTED 1714567890      /* 2024-05-01T12:51:30Z */

static char tmpdir[] = "/tmp/test_report.XXXXXX";
static char schema[PATH_MAX];
static int have_python, have_jsonschema;

static struct check_item pass_items[] = {
        { "init", CHECK_OK, "systemd is running", NULL, 0.05 },
        { "ready-line", CHECK_OK, "Relax-and-Recover rescue system is ready", NULL, 1.2 },
        { "prompt:tty1", CHECK_OK, "login: after 1.300 s", NULL, 1.3 },
        { "units", CHECK_IGNORED, "systemd-remount-fs.service cannot work in a container", NULL, -1 },
        { "rear", CHECK_OK, "rear -V: Relax-and-Recover 2.7", NULL, 2.5 },
};

static struct tty_result pass_ttys[] = {
        { "console", 0, 0.01, -1, "tty-console.log" },
        { "tty1", 1, 0.5, 1.3, "tty-tty1.log" },
        { "tty2", 0, -1, -1, "" },
};

static const struct report pass_report = {
        .image = "rescue-img",
        .rootfs = "/var/lib/rear/rootfs",
        .version = "0.1.0",
        .init_kind = "systemd",
        .verdict = "PASS",
        .started_at = STARTED,
        .seconds_total = 3.4564,
        .seconds_to_ready = 1.2,
        .seconds_to_prompt = 1.3,
        .seconds_waited_by_image = 0.25,
        .seconds_waited_really = 0.05,
        .shutdown = "powered off",
        .seconds_to_shutdown = 0.3,
        .layout_changed = 1,
        .items = pass_items,
        .n_items = ARRAY_SIZE(pass_items),
        .ttys = pass_ttys,
        .n_ttys = ARRAY_SIZE(pass_ttys),
};

#define NASTY_IMAGE "img \"q\" \\ back\nline\x1b[31m<&>'\xff"
#define NASTY_DETAIL "no shell after \"root\" login: \\ <&> 'x'\x1b[1m\xc3\x28"
#define NASTY_EXCERPT "line1\r\n\x1b[1;31mred\x1b[0m & <tag>\r\n\x1b]0;title\x07" "bell\x07 del\x7f bad \xfe\xff\xef\xbf\xbe\n"
#define LONG_LINE "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static struct check_item fail_items[] = {
        { "init", CHECK_OK, "systemd is running", NULL, 0.05 },
        { "login", CHECK_FAIL, NASTY_DETAIL, NASTY_EXCERPT, 31 },
        { "prompt:tty1", CHECK_FAIL, "no login: prompt after 30 s",
          "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\n" LONG_LINE LONG_LINE LONG_LINE "\r\n\r\n", -1 },
        { "units", CHECK_IGNORED, "systemd-journald-audit.socket: no audit in containers", NULL, -1 },
};

static struct tty_result fail_ttys[] = {
        { "tty1", 1, 0.5, -1, "tty-tty1.log" },
};

static const struct report fail_report = {
        .image = NASTY_IMAGE,
        .rootfs = "/var/lib/rear/ro\"ot",
        .version = "0.1.0",
        .init_kind = "systemd",
        .verdict = "FAIL",
        .started_at = STARTED,
        .seconds_total = 31.5,
        .seconds_to_ready = -1,
        .seconds_to_prompt = -1,
        .seconds_waited_by_image = -1,
        .seconds_waited_really = -1,
        .shutdown = "killed (timeout)",
        .seconds_to_shutdown = -1,
        .layout_changed = -1,
        .items = fail_items,
        .n_items = ARRAY_SIZE(fail_items),
        .ttys = fail_ttys,
        .n_ttys = ARRAY_SIZE(fail_ttys),
};

static char *slurp(const char *dir, const char *name)
{
        char path[PATH_MAX];
        char *buf = NULL;

        if (path_join(path, sizeof(path), dir, name) < 0 || read_file(path, 1 << 20, &buf, NULL) < 0)
                return NULL;
        return buf;
}

/* Exit status of a shell command, -1 when it did not exit normally. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
        char cmd[4 * PATH_MAX];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        int status = system(cmd);
        return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* dir holds exactly the n files named: no temp file was left behind. */
static int holds_only(const char *dir, const char *const *names, size_t n)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        size_t seen = 0;
        int ok = d != NULL;

        while (ok && (de = readdir(d))) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int known = 0;
                for (size_t i = 0; i < n; i++)
                        known |= strcmp(de->d_name, names[i]) == 0;
                ok = known;
                seen++;
        }
        if (d)
                closedir(d);
        return ok && seen == n;
}

static int has_line(const char *text, const char *line)
{
        size_t len = strlen(line);

        for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, line, len) == 0 && (p[len] == '\n' || p[len] == '\0'))
                        return 1;
        return 0;
}

static int lines_starting(const char *text, const char *prefix)
{
        int n = 0;

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                n += strncmp(p, prefix, strlen(prefix)) == 0;
        return n;
}

/* Clean text: no control character but LF, nothing outside printable ASCII but UTF-8. */
static int is_clean(const char *text)
{
        for (const unsigned char *p = (const unsigned char *) text; *p; p++)
                if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
                        return 0;
        return 1;
}

static char *summary_of(const struct report *r)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        int ret = report_print_summary(r, f);
        fclose(f);
        if (ret < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static void check_parses(const char *dir)
{
        if (!have_python) {
                printf("# skip: no python3 to parse the files\n");
                return;
        }
        CHECK(run("python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding=\"utf-8\"))' %s/report.json", dir) == 0);
        CHECK(run("python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' %s/junit.xml", dir) == 0);
        if (!have_jsonschema) {
                printf("# skip: python3-jsonschema is not installed\n");
                return;
        }
        /* Valid, and the schema does constrain: the same document with a bad verdict is not. */
        CHECK(run("python3 -c 'import json,sys,jsonschema as j; s=json.load(open(sys.argv[1])); "
                  "j.Draft202012Validator.check_schema(s); v=j.Draft202012Validator(s); "
                  "d=json.load(open(sys.argv[2], encoding=\"utf-8\")); v.validate(d); d[\"verdict\"]=\"MAYBE\"; "
                  "sys.exit(v.is_valid(d))' '%s' %s/report.json", schema, dir) == 0);
}

static void test_pass(void)
{
        static const char *const files[] = { "summary.txt", "report.json", "junit.xml" };
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s/pass", tmpdir);
        CHECK(mkdir(dir, 0755) == 0);
        CHECK(report_write_files(&pass_report, dir) == 0);
        /* Again: replaces the files, leaves nothing else. */
        CHECK(report_write_files(&pass_report, dir) == 0);
        CHECK(holds_only(dir, files, ARRAY_SIZE(files)));

        _cleanup_free_ char *summary = slurp(dir, "summary.txt");
        _cleanup_free_ char *printed = summary_of(&pass_report);
        if (CHECK(summary && printed)) {
                CHECK(strcmp(summary, printed) == 0);
                CHECK(has_line(summary, "image:        rescue-img"));
                CHECK(has_line(summary, "rootfs:       /var/lib/rear/rootfs"));
                CHECK(has_line(summary, "init:         systemd"));
                CHECK(has_line(summary, "started:      2024-05-01T12:51:30Z"));
                CHECK(has_line(summary, "verdict:      PASS"));
                CHECK(has_line(summary, "total:        3.456 s"));
                CHECK(has_line(summary, "ready:        1.200 s"));
                CHECK(has_line(summary, "first prompt: 1.300 s"));
                CHECK(has_line(summary, "image sleeps: 0.250 s asked for, 0.050 s taken"));
                CHECK(has_line(summary, "shutdown:     powered off (0.300 s)"));
                CHECK(lines_starting(summary, "ok      ") == 4);
                CHECK(lines_starting(summary, "ignored ") == 1);
                CHECK(lines_starting(summary, "FAIL") == 0);
                CHECK(has_line(summary, "ok      ready-line   Relax-and-Recover rescue system is ready"));
                CHECK(has_line(summary, "ignored units        systemd-remount-fs.service cannot work in a container"));
                CHECK(strlen(summary) > 15 && strcmp(summary + strlen(summary) - 15, "\nVERDICT: PASS\n") == 0);
        }

        _cleanup_free_ char *json = slurp(dir, "report.json");
        if (CHECK(json)) {
                CHECK(strstr(json, "\"schema\": \"rear-testrescue-report\""));
                CHECK(strstr(json, "\"schema_version\": 1,"));
                CHECK(strstr(json, "\"verdict\": \"PASS\""));
                CHECK(strstr(json, "\"started_at\": \"2024-05-01T12:51:30Z\""));
                CHECK(strstr(json, "\"total_seconds\": 3.456,"));
                CHECK(strstr(json, "\"ready_seconds\": 1.200,"));
                CHECK(strstr(json, "\"image_wait_seconds\": 0.250,"));
                CHECK(strstr(json, "\"image_wait_taken_seconds\": 0.050,"));
                CHECK(strstr(json, "{\"name\": \"units\", \"status\": \"ignored\", "
                                   "\"detail\": \"systemd-remount-fs.service cannot work in a container\", "
                                   "\"seconds\": null, \"excerpt\": null}"));
                CHECK(strstr(json, "{\"name\": \"tty1\", \"getty_expected\": true, \"first_output_seconds\": 0.500, "
                                   "\"prompt_seconds\": 1.300, \"log\": \"tty-tty1.log\"}"));
                CHECK(strstr(json, "{\"name\": \"tty2\", \"getty_expected\": false, \"first_output_seconds\": null, "
                                   "\"prompt_seconds\": null, \"log\": null}"));
        }

        _cleanup_free_ char *junit = slurp(dir, "junit.xml");
        if (CHECK(junit)) {
                CHECK(strstr(junit, "<testsuite name=\"rear-testrescue\" tests=\"5\" failures=\"0\" errors=\"0\" "
                                    "skipped=\"1\" time=\"3.456\" timestamp=\"2024-05-01T12:51:30\">"));
                CHECK(strstr(junit, "<testcase classname=\"rear-testrescue.rescue-img\" name=\"init\" time=\"0.050\"/>"));
                CHECK(strstr(junit, "<testcase classname=\"rear-testrescue.rescue-img\" name=\"units\" time=\"0.000\">\n"
                                    "    <skipped message=\"systemd-remount-fs.service cannot work in a container\"/>\n"
                                    "  </testcase>"));
                CHECK(!strstr(junit, "<failure"));
        }
        check_parses(dir);
}

static void test_fail(void)
{
        static const char *const files[] = { "summary.txt", "report.json", "junit.xml" };
        char dir[PATH_MAX];

        snprintf(dir, sizeof(dir), "%s/fail", tmpdir);
        CHECK(mkdir(dir, 0755) == 0);
        CHECK(report_write_files(&fail_report, dir) == 0);
        CHECK(holds_only(dir, files, ARRAY_SIZE(files)));

        _cleanup_free_ char *summary = slurp(dir, "summary.txt");
        if (CHECK(summary)) {
                CHECK(is_clean(summary));
                CHECK(!strstr(summary, "\xef\xbf\xbe"));
                CHECK(has_line(summary, "image:        img \"q\" \\ back line<&>'\xef\xbf\xbd"));
                CHECK(has_line(summary, "rootfs:       /var/lib/rear/ro\"ot"));
                CHECK(has_line(summary, "verdict:      FAIL"));
                CHECK(has_line(summary, "ready:        never"));
                CHECK(has_line(summary, "first prompt: never"));
                CHECK(!strstr(summary, "image sleeps:"));
                CHECK(has_line(summary, "shutdown:     killed (timeout)"));
                CHECK(lines_starting(summary, "ok      ") + lines_starting(summary, "FAIL    ") +
                      lines_starting(summary, "ignored ") == 4);
                CHECK(has_line(summary, "FAIL    login        no shell after \"root\" login: \\ <&> 'x'\xef\xbf\xbd("));
                CHECK(has_line(summary, "FAIL    prompt:tty1  no login: prompt after 30 s"));
                /* The excerpts, cleaned and indented under their checks. */
                CHECK(strstr(summary, "(\n        | line1\n        | red & <tag>\n"
                                      "        | bell^G del^? bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\nFAIL    prompt:tty1"));
                CHECK(!has_line(summary, "        | l4"));
                CHECK(has_line(summary, "        | l5"));
                CHECK(lines_starting(summary, "        | ") == 3 + 8);
                CHECK(strstr(summary, "        | " LONG_LINE LONG_LINE " ...\nignored units"));
                CHECK(strlen(summary) > 58 &&
                      strcmp(summary + strlen(summary) - 58,
                             "\nVERDICT: FAIL (2 of 3 checks failed: login, prompt:tty1)\n") == 0);
        }

        _cleanup_free_ char *json = slurp(dir, "report.json");
        if (CHECK(json)) {
                CHECK(!strchr(json, '\x1b'));
                CHECK(strstr(json, "\"image\": \"img \\\"q\\\" \\\\ back\\nline\\u001b[31m<&>'\xef\xbf\xbd\","));
                CHECK(strstr(json, "\"rootfs\": \"/var/lib/rear/ro\\\"ot\","));
                CHECK(strstr(json, "\"verdict\": \"FAIL\""));
                CHECK(strstr(json, "\"ready_seconds\": null,"));
                CHECK(strstr(json, "\"shutdown_seconds\": null\n"));
                CHECK(strstr(json, "{\"name\": \"login\", \"status\": \"fail\", "
                                   "\"detail\": \"no shell after \\\"root\\\" login: \\\\ <&> 'x'\xef\xbf\xbd(\", "
                                   "\"seconds\": 31.000, "
                                   "\"excerpt\": \"line1\\nred & <tag>\\nbell^G del^? bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\\n\"}"));
        }

        _cleanup_free_ char *junit = slurp(dir, "junit.xml");
        if (CHECK(junit)) {
                CHECK(!strchr(junit, '\x1b'));
                CHECK(strstr(junit, "tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\" time=\"31.500\""));
                CHECK(strstr(junit, "<property name=\"image\" value=\"img &quot;q&quot; \\ back line&lt;&amp;&gt;&apos;\xef\xbf\xbd\"/>"));
                CHECK(strstr(junit, "<testcase classname=\"rear-testrescue.img__q____back_line__31m\" name=\"login\" time=\"31.000\">\n"
                                    "    <failure type=\"FAIL\" message=\"no shell after &quot;root&quot; login: \\ "
                                    "&lt;&amp;&gt; &apos;x&apos;\xef\xbf\xbd(\">line1\nred &amp; &lt;tag&gt;\n"));
                CHECK(strstr(junit, "name=\"prompt:tty1\" time=\"0.000\">\n    <failure type=\"FAIL\" message=\"no login: prompt after 30 s\">l1\n"));
                CHECK(strstr(junit, "<skipped message=\"systemd-journald-audit.socket: no audit in containers\"/>"));
        }
        check_parses(dir);
}

/* A caller that says PASS while a check failed still gets a FAIL report. */
static void test_contradiction(void)
{
        struct report r = fail_report;
        r.verdict = "PASS";

        _cleanup_free_ char *summary = summary_of(&r);
        CHECK(summary && strstr(summary, "\nVERDICT: FAIL (2 of 3 checks failed: login, prompt:tty1)\n"));
        CHECK(check_status_name(CHECK_OK) && strcmp(check_status_name(CHECK_FAIL), "fail") == 0);
}

/* A warning: PASS with the count, a passed JUnit case that says so; with fail_on_warning a
 * FAIL in every format. */
static void test_warning(void)
{
        struct check_item items[] = {
                { "init", CHECK_OK, "systemd is running", NULL, 0.05 },
                { "prompt:ttyS0", CHECK_WARN, "serial-getty@ttyS0.service waits for udev", NULL, -1 },
        };
        struct report r = pass_report;
        char *summary = NULL, *junit = NULL;
        size_t len;

        r.items = items;
        r.n_items = ARRAY_SIZE(items);
        FILE *f = open_memstream(&summary, &len);
        CHECK(report_print_summary(&r, f) == 0);
        fclose(f);
        CHECK(summary && strstr(summary, "\nwarn    prompt:ttyS0  serial-getty@ttyS0.service waits for udev\n"));
        CHECK(summary && strstr(summary, "\nVERDICT: PASS (1 warning)\n"));
        free(summary);
        CHECK(report_write_files(&r, tmpdir) == 0);
        junit = slurp(tmpdir, "junit.xml");
        CHECK(junit && strstr(junit, "<system-out>warning: serial-getty@ttyS0.service waits for udev</system-out>"));
        CHECK(junit && strstr(junit, "failures=\"0\""));
        free(junit);

        r.fail_on_warning = 1;
        r.verdict = "FAIL";
        f = open_memstream(&summary, &len);
        CHECK(report_print_summary(&r, f) == 0);
        fclose(f);
        CHECK(summary && strstr(summary, "\nVERDICT: FAIL (1 warning, --fail-on-warning)\n"));
        free(summary);
        CHECK(report_write_files(&r, tmpdir) == 0);
        junit = slurp(tmpdir, "junit.xml");
        CHECK(junit && strstr(junit, "<failure type=\"WARN\"") && strstr(junit, "failures=\"1\""));
        free(junit);
        _cleanup_free_ char *json = slurp(tmpdir, "report.json");
        CHECK(json && strstr(json, "\"status\": \"warn\"") && strstr(json, "\"verdict\": \"FAIL\""));
        /* Warnings cannot fail a PASS verdict unless asked to. */
        r.fail_on_warning = 0;
        r.verdict = "PASS";
        CHECK(report_write_files(&r, tmpdir) == 0);
        _cleanup_free_ char *json2 = slurp(tmpdir, "report.json");
        CHECK(json2 && strstr(json2, "\"verdict\": \"PASS\""));
}

static void test_prometheus(void)
{
        static const char *const files[] = { "rear.prom" };
        char dir[PATH_MAX], path[PATH_MAX], missing[PATH_MAX];
        struct stat st;

        snprintf(dir, sizeof(dir), "%s/textfiles", tmpdir);
        snprintf(path, sizeof(path), "%s/textfiles/rear.prom", tmpdir);
        snprintf(missing, sizeof(missing), "%s/missing/rear.prom", tmpdir);
        CHECK(mkdir(dir, 0755) == 0);

        /* Readable by node_exporter whatever the umask of the job. */
        mode_t old = umask(077);
        CHECK(report_write_prometheus(&pass_report, path) == 0);
        umask(old);
        CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644);
        CHECK(holds_only(dir, files, ARRAY_SIZE(files)));

        _cleanup_free_ char *pass = slurp(dir, "rear.prom");
        if (CHECK(pass)) {
                CHECK(has_line(pass, "# TYPE rear_testrescue_last_run_timestamp_seconds gauge"));
                CHECK(has_line(pass, "rear_testrescue_last_run_timestamp_seconds{image=\"rescue-img\"} 1714567890"));
                CHECK(has_line(pass, "# TYPE rear_testrescue_success gauge"));
                CHECK(has_line(pass, "rear_testrescue_success{image=\"rescue-img\"} 1"));
                CHECK(has_line(pass, "rear_testrescue_ready_seconds{image=\"rescue-img\"} 1.200"));
                CHECK(has_line(pass, "rear_testrescue_duration_seconds{image=\"rescue-img\"} 3.456"));
                CHECK(has_line(pass, "rear_testrescue_checks_failed{image=\"rescue-img\"} 0"));
                CHECK(has_line(pass, "rear_testrescue_checks_warned{image=\"rescue-img\"} 0"));
                CHECK(has_line(pass, "# TYPE rear_testrescue_layout_changed gauge"));
                CHECK(has_line(pass, "rear_testrescue_layout_changed{image=\"rescue-img\"} 1"));
                CHECK(lines_starting(pass, "# HELP rear_testrescue_") == 7);
                CHECK(lines_starting(pass, "# TYPE rear_testrescue_") == 7);
                CHECK(lines_starting(pass, "rear_testrescue_") == 7);
        }

        CHECK(report_write_prometheus(&fail_report, path) == 0);
        CHECK(holds_only(dir, files, ARRAY_SIZE(files)));
        _cleanup_free_ char *fail = slurp(dir, "rear.prom");
        if (CHECK(fail)) {
                CHECK(has_line(fail, "rear_testrescue_success{image=\"img \\\"q\\\" \\\\ back\\nline\x1b[31m<&>'\xef\xbf\xbd\"} 0"));
                CHECK(has_line(fail, "rear_testrescue_checks_failed{image=\"img \\\"q\\\" \\\\ back\\nline\x1b[31m<&>'\xef\xbf\xbd\"} 2"));
                /* Never ready: the series is left out, not NaN. */
                CHECK(!strstr(fail, "ready_seconds"));
                /* No 'rear checklayout' asked: left out, not a guess. */
                CHECK(!strstr(fail, "layout_changed"));
                CHECK(lines_starting(fail, "rear_testrescue_") == 5);
        }

        CHECK(report_write_prometheus(&pass_report, missing) == -ENOENT);
        CHECK(report_write_prometheus(&pass_report, "/tmp/") == -EINVAL);
        CHECK(report_write_files(&pass_report, missing) == -ENOENT);
}

/* doc/report.schema.json, found from this file's path as compiled (relative to the source tree
 * when built by make), else from the test binary's, tests/unit/test_report. */
static void find_schema(const char *argv0)
{
        const char *me = __FILE__, *tail = "tests/unit/test_report.c";
        size_t prefix = strlen(me) > strlen(tail) ? strlen(me) - strlen(tail) : 0;

        snprintf(schema, sizeof(schema), "%.*sdoc/report.schema.json", (int) prefix, me);
        if (access(schema, R_OK) == 0)
                return;
        const char *slash = strrchr(argv0, '/');
        snprintf(schema, sizeof(schema), "%.*s/../../doc/report.schema.json",
                 slash ? (int) (slash - argv0) : 1, slash ? argv0 : ".");
}

int main(int argc, char **argv)
{
        (void) argc;

        if (!CHECK(mkdtemp(tmpdir)))
                return unit_done();
        find_schema(argv[0]);
        have_python = run("python3 -c '' >/dev/null 2>&1") == 0;
        have_jsonschema = have_python && run("python3 -c 'import jsonschema' >/dev/null 2>&1") == 0;
        if (have_jsonschema)
                CHECK(access(schema, R_OK) == 0 && !strchr(schema, '\''));

        test_pass();
        test_fail();
        test_contradiction();
        test_warning();
        test_prometheus();

        if (getenv("KEEP")) printf("# kept %s\n", tmpdir); else run("rm -rf %s", tmpdir);
        return unit_done();
}
