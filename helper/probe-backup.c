/* backup: is what `rear recover` restores from configured completely for its method?
 * BACKUP names a method the image's ReaR has restore scripts for; NETFS has a
 * BACKUP_URL with a scheme ReaR accepts (prep/NETFS/default/050_check_NETFS_requirements.sh)
 * and the programs its restore runs. A network share is out of reach in a container: said
 * as not checked. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "probes.h"
#include "util.h"

/* NETFS schemes: are they a network share, which program mounts them. */
static const struct netfs_scheme {
        const char *scheme;
        bool network;
        const char *mount_program;      /* NULL: a local mount or none */
} netfs_schemes[] = {
        { "nfs",   true,  "mount.nfs" },
        { "cifs",  true,  "mount.cifs" },
        { "sshfs", true,  "sshfs" },
        { "ftpfs", true,  "curlftpfs" },
        { "usb",   false, NULL },
        { "tape",  false, "mt" },
        { "file",  false, NULL },
        { "iso",   false, NULL },
};

/* Methods other than NETFS and the program their restore runs (NULL: nothing to run). */
static const struct method_program {
        const char *method;
        const char *program;
} method_programs[] = {
        { "REQUESTRESTORE", NULL },
        { "EXTERNAL", NULL },
        { "RSYNC", "rsync" },
        { "RBME", "rsync" },
        { "BORG", "borg" },
        { "DUPLICITY", "duplicity" },
        { "BACULA", "bconsole" },
        { "BAREOS", "bconsole" },
        { "TSM", "dsmc" },
        { "BLOCKCLONE", "dd" },
};

/* Every program of a method answers --version (tar, gzip, rsync, borg, ...). */
static bool program_runs(const char *name, char *why, size_t size)
{
        return probe_program(name, "--version", why, size) == 0;
}

/* BACKUP, BACKUP_URL, BACKUP_PROG and BACKUP_PROG_COMPRESS_OPTIONS as ReaR's configuration sets them. */
static int read_backup_config(char vars[4][512])
{
        static char *const argv[] = { "bash", "-c",
                "for f in /usr/share/rear/conf/default.conf /usr/share/rear/conf/GNU/Linux.conf /etc/rear/os.conf "
                "/etc/rear/site.conf /etc/rear/local.conf /etc/rear/rescue.conf; do "
                "test -r $f && source $f >/dev/null 2>&1; done; "
                "printf '%s\\n' \"$BACKUP\" \"$BACKUP_URL\" \"$BACKUP_PROG\" \"${BACKUP_PROG_COMPRESS_OPTIONS[*]}\"", NULL };
        char out[4096];
        int status = probe_command(argv, out, sizeof(out));
        char *line = out;

        if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EIO;
        for (int i = 0; i < 4; i++) {
                char *end = strchrnul(line, '\n');
                snprintf(vars[i], 512, "%.*s", (int) (end - line), line);
                line = *end ? end + 1 : end;
        }
        return 0;
}

static void judge_netfs(const char *url, const char *prog, const char *compress, const struct item_sink *sink)
{
        char scheme[32] = "";
        const struct netfs_scheme *s = NULL;

        if (!url[0]) {
                item_add(sink, "backup", CHECK_FAIL, -1, NULL, "BACKUP=NETFS without a BACKUP_URL: rear recover cannot find the backup");
                return;
        }
        sscanf(url, "%31[^:]", scheme);
        for (size_t i = 0; i < ARRAY_SIZE(netfs_schemes); i++)
                if (strcmp(scheme, netfs_schemes[i].scheme) == 0)
                        s = &netfs_schemes[i];
        if (!s || !strstr(url, "://")) {
                item_add(sink, "backup", CHECK_FAIL, -1, NULL,
                         "BACKUP_URL '%s' has no scheme ReaR's NETFS supports (nfs cifs usb tape file iso sshfs ftpfs)", url);
                return;
        }
        const char *needed[] = { prog[0] ? prog : "tar", strstr(compress, "--gzip") ? "gzip" : NULL, s->mount_program };
        char why[512];
        for (size_t i = 0; i < ARRAY_SIZE(needed); i++)
                if (needed[i] && !program_runs(needed[i], why, sizeof(why))) {
                        item_add(sink, "backup", CHECK_FAIL, -1, NULL, "BACKUP=NETFS with %s restores with %s: %s",
                                 url, needed[i], why);
                        return;
                }
        item_add(sink, "backup", CHECK_OK, -1, NULL, "BACKUP=NETFS, BACKUP_URL %s, restored with %s%s", url, needed[0],
                 s->network ? "; the share itself is not checked (out of reach in a container)" : "");
}

static void judge_method(const char *method, const struct item_sink *sink)
{
        const char *program = NULL;
        char dir[PATH_MAX], why[512];
        struct stat st;

        snprintf(dir, sizeof(dir), "/usr/share/rear/restore/%s", method);
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                item_add(sink, "backup", CHECK_FAIL, -1, NULL, "BACKUP=%s: the image's ReaR has no such backup method (no %s)",
                         method, dir);
                return;
        }
        for (size_t i = 0; i < ARRAY_SIZE(method_programs); i++)
                if (strcmp(method, method_programs[i].method) == 0)
                        program = method_programs[i].program;
        if (program && !program_runs(program, why, sizeof(why)))
                item_add(sink, "backup", CHECK_FAIL, -1, NULL, "BACKUP=%s restores with %s: %s", method, program, why);
        else if (strcmp(method, "REQUESTRESTORE") == 0)
                item_add(sink, "backup", CHECK_OK, -1, NULL, "BACKUP=REQUESTRESTORE: rear recover asks the admin to restore by hand");
        else
                item_add(sink, "backup", CHECK_OK, -1, NULL, "BACKUP=%s%s%s; its server is not checked (out of reach in a container)",
                         method, program ? ", restored with " : "", program ?: "");
}

void probe_backup(const struct probe_env *env, const struct item_sink *sink)
{
        char vars[4][512];

        (void) env;
        if (read_backup_config(vars) < 0)
                item_add(sink, "backup", CHECK_FAIL, -1, NULL, "could not read the backup configuration (see rear-config)");
        else if (!vars[0][0])
                item_add(sink, "backup", CHECK_FAIL, -1, NULL, "BACKUP is not set: rear recover does not know what to restore");
        else if (strcmp(vars[0], "NETFS") == 0)
                judge_netfs(vars[1], vars[2], vars[3], sink);
        else
                judge_method(vars[0], sink);
}
