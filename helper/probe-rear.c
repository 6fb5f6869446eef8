/* Probes of ReaR itself inside the rescue system: it runs, its configuration parses
 * and reads to the end, the programs it requires are there, and the backup it would
 * restore is configured completely. */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "probes.h"
#include "util.h"

#define OUTPUT_MAX 8192

/* ReaR's configuration as `rear recover` reads it (usr/sbin/rear), then a command. */
#define SOURCE_CONFIG \
        "SHARE_DIR=/usr/share/rear CONFIG_DIR=/etc/rear VAR_DIR=/var/lib/rear; " \
        "for f in $SHARE_DIR/conf/default.conf $SHARE_DIR/conf/GNU/Linux.conf " \
        "$CONFIG_DIR/os.conf $CONFIG_DIR/site.conf $CONFIG_DIR/local.conf $CONFIG_DIR/rescue.conf; do " \
        "test -r $f && source $f >/dev/null 2>&1; done; "

static bool exited_ok(int status)
{
        return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void probe_rear(const struct probe_env *env, const struct item_sink *sink)
{
        static char *const argv[] = { "rear", "-V", NULL };
        char out[OUTPUT_MAX], line[256];
        int status = probe_command(argv, out, sizeof(out));

        (void) env;
        if (exited_ok(status) && strstr(out, "Relax-and-Recover"))
                item_add(sink, "rear", CHECK_OK, -1, NULL, "rear runs: %s", probe_last_line(out, line, sizeof(line)));
        else
                item_add(sink, "rear", CHECK_FAIL, -1, out, "'rear -V' failed inside the rescue system");
}

/* Files that file sources by a literal absolute path ("source /etc/rear/x.conf", ". /x"). */
static size_t sourced_files(const char *file, char list[][PATH_MAX], size_t n, size_t max)
{
        _cleanup_fclose_ FILE *f = fopen(file, "re");
        char line[1024], path[PATH_MAX];

        while (f && n < max && fgets(line, sizeof(line), f))
                if ((sscanf(line, " source %4095[^ \t\n;\"']", path) == 1 || sscanf(line, " . %4095[^ \t\n;\"']", path) == 1) &&
                    path[0] == '/' && access(path, R_OK) == 0)
                        snprintf(list[n++], PATH_MAX, "%s", path);
        return n;
}

/* The first file of files that bash cannot parse, with bash's message; -1 when all parse. */
static int unparsable(char files[][PATH_MAX], size_t n, char *out, size_t size)
{
        for (size_t i = 0; i < n; i++) {
                char *const argv[] = { "bash", "-n", files[i], NULL };
                if (!exited_ok(probe_command(argv, out, size)))
                        return (int) i;
        }
        return -1;
}

/* help reads the whole configuration like every workflow, takes no lock and changes
 * nothing (recover-type workflows are the only others a rescue system runs). ReaR's exit
 * then sleeps 3 s: its last line of help, or its abort message, is the answer. */
static bool rear_help_runs(char *out, size_t size)
{
        static char *const help[] = { "rear", "help", NULL };
        static const char *const help_ends[] = {
                "Use 'rear -v help' for more advanced commands.",      /* ReaR 2.x */
                "Aborting due to an error",
                NULL,
        };
        int status = probe_command_until(help, out, size, help_ends);
        return status == PROBE_STOPPED_AT(0) || exited_ok(status);
}

void probe_rear_config(const struct probe_env *env, const struct item_sink *sink)
{
        static char files[64][PATH_MAX];
        glob_t g = {};
        size_t n = 0;
        char out[OUTPUT_MAX], help_out[OUTPUT_MAX], line[512];

        (void) env;
        /* rear takes longest: it runs while bash reads the files one by one, and hands its
         * words back through a pipe (they fit in the pipe's buffer). */
        int fds[2] = { -1, -1 };
        pid_t help = pipe(fds) == 0 ? fork() : -1;
        if (help == 0) {
                bool ok = rear_help_runs(help_out, sizeof(help_out));
                (void) write_all(fds[1], help_out, strlen(help_out));
                _exit(ok ? 0 : 1);
        }
        closep(&fds[1]);
        if (glob("/etc/rear/*.conf", 0, NULL, &g) == 0)
                for (size_t i = 0; i < g.gl_pathc && n < ARRAY_SIZE(files); i++)
                        snprintf(files[n++], PATH_MAX, "%s", g.gl_pathv[i]);
        globfree(&g);
        for (size_t i = 0, top = n; i < top; i++)
                n = sourced_files(files[i], files, n, ARRAY_SIZE(files));
        int bad = unparsable(files, n, out, sizeof(out));
        int status = -1;
        size_t len = 0;
        for (ssize_t r = 1; fds[0] >= 0 && r > 0 && len + 1 < sizeof(help_out); len += r > 0 ? (size_t) r : 0)
                r = read(fds[0], help_out + len, sizeof(help_out) - 1 - len);
        help_out[len] = '\0';
        closep(&fds[0]);
        while (help > 0 && waitpid(help, &status, 0) < 0 && errno == EINTR)
                ;
        if (bad >= 0) {
                item_add(sink, "rear-config", CHECK_FAIL, -1, out, "%s does not parse: %s", files[bad],
                         probe_last_line(out, line, sizeof(line)));
                return;
        }
        if (exited_ok(status)) {
                item_add(sink, "rear-config", CHECK_OK, -1, NULL,
                         "%zu configuration file(s) parse, 'rear help' reads the configuration to its end", n);
                return;
        }
        const char *error = strstr(help_out, "ERROR: ");
        item_add(sink, "rear-config", CHECK_FAIL, -1, help_out, "'rear help' (reads the whole configuration) failed: %.*s",
                 (int) strcspn(error ?: probe_last_line(help_out, line, sizeof(line)), "\n"),
                 error ?: probe_last_line(help_out, line, sizeof(line)));
}

void probe_required_progs(const struct probe_env *env, const struct item_sink *sink)
{
        static char *const argv[] = { "bash", "-c", SOURCE_CONFIG
                "test ${#REQUIRED_PROGS[@]} -gt 0 || { echo \"no REQUIRED_PROGS in the image's ReaR configuration\"; exit 2; }; "
                "missing=0; for p in \"${REQUIRED_PROGS[@]}\"; do test -n \"$p\" || continue; "
                "type -P \"$p\" >/dev/null || { echo \"$p\"; missing=1; }; done; "
                "echo \"checked ${#REQUIRED_PROGS[@]}\"; exit $missing", NULL };
        char out[OUTPUT_MAX], line[256], missing[768] = "";
        int status = probe_command(argv, out, sizeof(out));

        (void) env;
        if (exited_ok(status)) {
                item_add(sink, "required-progs", CHECK_OK, -1, NULL, "every program in REQUIRED_PROGS is found (%s)",
                         probe_last_line(out, line, sizeof(line)));
                return;
        }
        if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 1) {
                item_add(sink, "required-progs", CHECK_FAIL, -1, out, "could not check REQUIRED_PROGS");
                return;
        }
        /* Exit 1: one missing name a line, then "checked N". */
        for (char *s = out, *end; *s; s = *end ? end + 1 : end) {
                end = strchrnul(s, '\n');
                if (strncmp(s, "checked ", 8) != 0 && end > s && strlen(missing) + (size_t) (end - s) + 2 < sizeof(missing))
                        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%.*s",
                                 missing[0] ? " " : "", (int) (end - s), s);
        }
        item_add(sink, "required-progs", CHECK_FAIL, -1, out, "programs in REQUIRED_PROGS not found: %s", missing);
}
