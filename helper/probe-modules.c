/* kernel-modules: for the rescue kernel's version (the one ReaR built the image for: its
 * only module tree, else KERNEL_VERSION of its configuration), every module that
 * modules.dep lists exists, and every module the image is told to load at boot
 * (/etc/modules, /etc/modules-load.d/ *.conf) is in the tree or built in. In a container
 * the host's kernel runs: nothing else would notice a missing driver. */
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kmodules.h"
#include "probes.h"
#include "util.h"

#define DEP_MAX (16u << 20)
#define MISSING_SHOWN 5

/* The image's only module tree; with several, the one KERNEL_VERSION of its configuration names. */
static int kernel_version(char *buf, size_t size)
{
        static char *const argv[] = { "bash", "-c",
                "for f in /usr/share/rear/conf/default.conf /etc/rear/os.conf /etc/rear/site.conf /etc/rear/local.conf "
                "/etc/rear/rescue.conf; do test -r $f && source $f >/dev/null 2>&1; done; printf %s \"$KERNEL_VERSION\"", NULL };
        DIR *d = opendir("/lib/modules");
        size_t n = 0;

        for (struct dirent *e; d && (e = readdir(d));)
                if (e->d_name[0] != '.' && e->d_type == DT_DIR && n++ == 0)
                        snprintf(buf, size, "%.100s", e->d_name);
        if (d)
                closedir(d);
        if (n == 1)
                return 0;
        int status = probe_command(argv, buf, size);
        return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && buf[0] && !strchr(buf, '/') ? 0 : -ENOENT;
}

struct missing {
        const char *dir;
        char names[MISSING_SHOWN * 96];
        size_t n, checked;
};

static void note_missing(struct missing *m, const char *what)
{
        if (m->n++ < MISSING_SHOWN)
                snprintf(m->names + strlen(m->names), sizeof(m->names) - strlen(m->names), "%s%s", m->n > 1 ? ", " : "", what);
}

static int check_dep_path(void *userdata, const char *path)
{
        struct missing *m = userdata;
        char full[PATH_MAX];
        struct stat st;

        m->checked++;
        snprintf(full, sizeof(full), "%s/%s", m->dir, path);
        if (stat(full, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
                note_missing(m, path);
        return 0;
}

struct load_context {
        const char *dep, *builtin;
        size_t dep_len, builtin_len;
        const char *list;
        struct missing *missing;
};

static int check_load_name(void *userdata, const char *name)
{
        struct load_context *ctx = userdata;
        char what[160];

        if (!kmod_listed(ctx->dep, ctx->dep_len, name) && !kmod_listed(ctx->builtin, ctx->builtin_len, name)) {
                snprintf(what, sizeof(what), "%s (loaded at boot by %s)", name, ctx->list);
                note_missing(ctx->missing, what);
        }
        return 0;
}

static void check_load_lists(struct load_context *ctx)
{
        glob_t g = {};

        glob("/etc/modules", 0, NULL, &g);
        glob("/etc/modules-load.d/*.conf", GLOB_APPEND, NULL, &g);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (read_file(g.gl_pathv[i], 1u << 20, &text, &len) < 0)
                        continue;
                ctx->list = g.gl_pathv[i];
                kmod_load_list_foreach(text, len, check_load_name, ctx);
        }
        globfree(&g);
}

void probe_kernel_modules(const struct probe_env *env, const struct item_sink *sink)
{
        char version[128], dir[256], path[PATH_MAX];
        _cleanup_free_ char *dep = NULL, *builtin = NULL;
        size_t dep_len = 0, builtin_len = 0;

        if (env->kernel_version[0])
                snprintf(version, sizeof(version), "%s", env->kernel_version);
        else if (kernel_version(version, sizeof(version)) < 0) {
                item_add(sink, "kernel-modules", CHECK_FAIL, -1, NULL, "no module tree in /lib/modules for the rescue kernel");
                return;
        }
        snprintf(dir, sizeof(dir), "/lib/modules/%s", version);
        snprintf(path, sizeof(path), "%s/modules.dep", dir);
        int r = read_file(path, DEP_MAX, &dep, &dep_len);
        if (r < 0) {
                item_add(sink, "kernel-modules", CHECK_FAIL, -1, NULL, "%s: %s (the rescue kernel %s finds no modules)", path,
                         strerror(-r), version);
                return;
        }
        snprintf(path, sizeof(path), "%s/modules.builtin", dir);
        (void) read_file(path, DEP_MAX, &builtin, &builtin_len);

        struct missing missing = { .dir = dir };
        kmod_dep_foreach(dep, dep_len, check_dep_path, &missing);
        size_t listed = missing.checked;
        struct load_context ctx = { .dep = dep, .dep_len = dep_len, .builtin = builtin ?: "", .builtin_len = builtin_len,
                                    .missing = &missing };
        check_load_lists(&ctx);
        if (missing.n)
                item_add(sink, "kernel-modules", CHECK_FAIL, -1, NULL, "%zu module(s) of kernel %s missing from %s: %s%s",
                         missing.n, version, dir, missing.names, missing.n > MISSING_SHOWN ? ", ..." : "");
        else
                item_add(sink, "kernel-modules", CHECK_OK, -1, NULL, "kernel %s: every module modules.dep lists is there (%zu entries)",
                         version, listed);
}
