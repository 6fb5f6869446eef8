#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "limits.h"
#include "lines.h"
#include "units.h"
#include "util.h"

#define EXCERPT_BYTES 1500

static double seconds_since(const struct judge_input *in, long long ms)
{
        return ms > 0 ? (double) (ms - in->s->start_ms) / 1000.0 : -1.0;
}

static char *terminal_excerpt(const struct terminal *t)
{
        size_t len;
        const char *tail = ring_tail(&t->output, EXCERPT_BYTES, &len);
        return strndup(tail, len);
}

/* What went wrong, if the console said so; else how the console ended. */
static char *console_tail(const struct judge_input *in)
{
        return in->cw->found.n_notable ? console_notable_excerpt(&in->cw->found) : terminal_excerpt(&in->s->terminals->items[0]);
}

static void judge_init(const struct judge_input *in, const char *tail, const struct item_sink *sink)
{
        const struct supervisor *s = in->s;
        char end[160];

        if (s->init_gone && s->stop_cause == STOP_NONE && !s->poweroff_failure[0])
                item_add(sink, "init", CHECK_FAIL, seconds_since(in, s->end_ms), tail, "init stopped by itself after %.1f s: %s",
                         seconds_since(in, s->end_ms), end_reason_describe(s->end, s->init_status, end, sizeof(end)));
        else
                item_add(sink, "init", CHECK_OK, -1, NULL, "%s started and kept running", init_kind_name(in->info->init_kind));
}

/* The script that ran last and what it said, then the console's last few notable lines
 * (those not already shown): short enough for the summary to show it all. */
static void setup_excerpt(const struct console_findings *f, const char *tail, char *excerpt, size_t size)
{
        const char *lines[NOTABLE_LINES];
        size_t n = 0;
        _cleanup_free_ char *copy = tail ? strdup(tail) : NULL;

        snprintf(excerpt, size, "%s", f->last_step);
        for (char *line = copy; line && *line;) {
                char *end = strchrnul(line, '\n');
                char *next = *end ? end + 1 : end;
                *end = '\0';
                if (!strstr(f->last_step, line) && n < NOTABLE_LINES)
                        lines[n++] = line;
                line = next;
        }
        for (size_t i = n > SETUP_STEP_LINES ? n - SETUP_STEP_LINES : 0; i < n; i++)
                snprintf(excerpt + strlen(excerpt), size - strlen(excerpt), "%.*s\n", NOTABLE_LINE_MAX - 2, lines[i]);
}

static void judge_ready(const struct judge_input *in, const char *tail, const struct item_sink *sink)
{
        const struct console_findings *f = &in->cw->found;
        char excerpt[sizeof(f->last_step) + SETUP_STEP_LINES * NOTABLE_LINE_MAX];

        if (f->corrupted_ms)
                item_add(sink, "ready-line", CHECK_FAIL, seconds_since(in, f->corrupted_ms), f->corrupted_excerpt,
                         "ReaR's self-check says: %s (a file does not match md5sums.txt)", console_corrupted_line);
        else if (f->ready_line_ms)
                item_add(sink, "ready-line", CHECK_OK, seconds_since(in, f->ready_line_ms), NULL,
                         "ReaR's setup finished: \"%s\"", console_ready_line);
        else if (in->input_wait[0])
                item_add(sink, "ready-line", CHECK_FAIL, -1, in->input_excerpt, "%s", in->input_wait);
        else {
                setup_excerpt(f, tail, excerpt, sizeof(excerpt));
                item_add(sink, "ready-line", CHECK_FAIL, -1, excerpt, "ReaR's setup (/etc/scripts/system-setup) never said it is ready");
        }
}

static void judge_getty(const struct judge_input *in, const struct getty *getty, const char *tail, const struct item_sink *sink)
{
        struct terminal *t = terminals_find(in->s->terminals, getty->tty);
        char name[48];

        snprintf(name, sizeof(name), "prompt:%s", getty->tty);
        if (getty->serial_unit && !in->facts->has_udevd)
                item_add(sink, name, CHECK_WARN, -1, NULL,
                         "%s waits for a device unit that only udev starts, and the image has no udevd: on a machine %s never "
                         "gets a login", getty->source, getty->tty);
        else if (getty->serial_unit)
                item_add(sink, name, CHECK_IGNORED, -1, NULL,
                         "%s is bound to a udev device unit, which systemd never starts in a container", getty->source);
        else if (!t)
                item_add(sink, name, CHECK_IGNORED, -1, NULL, "%s: %s is not emulated (see --ttys)", getty->source, getty->tty);
        else {
                const struct tty_watch *w = &in->cw->ttys[t - in->s->terminals->items];
                _cleanup_free_ char *own = w->prompt_ms ? NULL : terminal_excerpt(t);
                if (w->prompt_ms)
                        item_add(sink, name, CHECK_OK, seconds_since(in, w->prompt_ms), NULL, "login prompt after %.1f s (%s)",
                                 seconds_since(in, w->prompt_ms), getty->source);
                else    /* systemd 257 (Debian 13) resets the terminal before each start of a
                         * getty: escape sequences alone tell nothing, the console does. */
                        item_add(sink, name, CHECK_FAIL, -1, own && lines_have_text(own, strlen(own)) ? own : tail,
                                 "no login prompt (%s)%s", getty->source,
                                 t->first_output_ms ? "" : ": nothing was ever printed there");
        }
}

static void judge_login(const struct judge_input *in, const struct item_sink *sink)
{
        const struct login *l = in->login;
        _cleanup_free_ char *excerpt = l->phase == LOGIN_DONE && l->status == CHECK_FAIL && l->tty
                ? terminal_excerpt(l->tty->terminal) : NULL;

        if (l->phase == LOGIN_DONE)
                item_add(sink, "login", l->status, seconds_since(in, l->decided_ms), excerpt, "%s", l->detail);
        else
                item_add(sink, "login", CHECK_FAIL, -1, NULL, "%s", l->tty ? "the login did not finish in time" : "no login prompt to log in at");
}

static void judge_probes(const struct judge_input *in, const struct item_sink *sink)
{
        const struct console_findings *f = &in->cw->found;

        for (size_t i = 0; i < in->probes->n; i++)
                probe_deliver(&in->probes->items[i], sink, in->probes->started);
        if (!in->probes->started) {
                item_add(sink, "probes", CHECK_FAIL, -1, NULL, "the boot never settled: no probe could run inside");
        } else if (in->info->init_kind == INIT_SYSTEMD && !in->facts->has_systemctl) {
                const char *names[FAILED_UNITS_MAX];
                for (size_t i = 0; i < f->n_failed_units; i++)
                        names[i] = f->failed_units[i];
                units_judge(in->env, names, f->n_failed_units,
                            " (from systemd's messages: the image has no systemctl to ask)", NULL, sink);
        } else if (in->info->init_kind != INIT_SYSTEMD)
                item_add(sink, "units", CHECK_IGNORED, -1, NULL, "the image does not boot with systemd");
}

static void judge_sshd(const struct judge_input *in, const struct item_sink *sink)
{
        const struct image_facts *f = in->facts;

        if (!f->sshd_configured)
                item_add(sink, "sshd", CHECK_IGNORED, -1, NULL, "the image does not start sshd (no \"ssh:\" line in /etc/inittab)");
        else if (!f->sshd_binary)
                item_add(sink, "sshd", CHECK_IGNORED, -1, NULL,
                         "the image asks for sshd but has no sshd binary (no OpenSSH server on the host when mkrescue ran)");
        else if (in->sshd_listening_ms)
                item_add(sink, "sshd", CHECK_OK, seconds_since(in, in->sshd_listening_ms), NULL, "sshd listens on port %u", f->sshd_port);
        else
                item_add(sink, "sshd", CHECK_FAIL, -1, NULL, "sshd is configured but nothing listens on port %u", f->sshd_port);
}

static bool module_tree_exists(const char *rootfs, const char *version)
{
        char path[PATH_MAX];
        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

        snprintf(path, sizeof(path), "/lib/modules/%s", version);
        _cleanup_close_ int fd = root_fd >= 0 ? rootfs_open(root_fd, path, O_PATH | O_DIRECTORY) : -1;
        return fd >= 0;
}

/* What the boot medium's boot loader names is there, and its kernel is the module tree's:
 * the same judgement for an ISO, a PXE and a RAMDISK output (bootfiles.h). */
static void judge_boot_files(const struct judge_input *in, const struct item_sink *sink)
{
        const struct boot_medium *m = in->boot;
        /* A RAMDISK output has no configuration: ReaR's naming pairs its files. */
        const char *names = m->kind == BOOT_RAMDISK ? "goes with" : "names";

        if (!in->boot_medium)
                return;
        if (m->error[0] || !m->config[0] || m->n_kernels == 0) {
                item_add(sink, "boot-files", CHECK_FAIL, -1, NULL, "%s", m->error[0] ? m->error
                         : !m->config[0] ? "the ISO has no isolinux/isolinux.cfg: nothing boots it"
                                         : m->kind == BOOT_ISO ? "the ISO's isolinux.cfg names no kernel"
                                                               : "the PXE configuration names no kernel");
                return;
        }
        for (size_t i = 0; i < m->n_kernels; i++)
                if (!m->kernel_present[i]) {
                        item_add(sink, "boot-files", CHECK_FAIL, -1, NULL, "%s %s the kernel %s, which %s lacks", m->config, names,
                                 m->kernels[i], m->holder);
                        return;
                }
        for (size_t i = 0; i < m->n_initrds; i++)
                if (!m->initrd_present[i]) {
                        item_add(sink, "boot-files", CHECK_FAIL, -1, NULL, "%s names the initrd %s, which %s lacks", m->config,
                                 m->initrds[i], m->holder);
                        return;
                }
        const char *linux_kernel = boot_medium_linux(m);
        if (!linux_kernel)
                item_add(sink, "boot-files", CHECK_FAIL, -1, NULL, "%s names no Linux kernel", m->config);
        else if (!m->kernel_version[0])
                item_add(sink, "boot-files", CHECK_FAIL, -1, NULL, "%s is no Linux kernel (no bzImage header)", linux_kernel);
        else if (!module_tree_exists(in->rootfs, m->kernel_version))
                item_add(sink, "boot-files", CHECK_FAIL, -1, NULL,
                         "the kernel %s in %s is %s, but the image has no /lib/modules/%s: the rescue system would find no driver",
                         linux_kernel, m->holder, m->kernel_version, m->kernel_version);
        else
                item_add(sink, "boot-files", CHECK_OK, -1, NULL, "%s %s %s (kernel %s, the module tree's) and %s: all in %s",
                         m->config, names, linux_kernel, m->kernel_version, m->n_initrds ? m->initrds[0] : "no initrd", m->holder);
}

/* The limits of limits.h: "limits" FAILs when the image ran into one (it would have
 * harmed the host without it), naming each. */
static void judge_limits(const struct judge_input *in, const struct item_sink *sink)
{
        struct limits_usage usage;
        char detail[768];

        limits_read_usage(in->s->limit_groups, in->s->writable_dir, &usage);
        bool within = limits_judge(in->s->limits, &usage, detail, sizeof(detail));
        item_add(sink, "limits", within ? CHECK_OK : CHECK_FAIL, -1, NULL, "%s", detail);
}

static void judge_shutdown_path(const struct judge_input *in, const struct item_sink *sink)
{
        const struct image_facts *f = in->facts;
        char missing[POWER_PATH_MAX * 170] = "";

        if (in->info->init_kind != INIT_SYSTEMD)
                return;
        for (size_t i = 0; i < f->n_power_missing; i++)
                snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s", i ? "; " : "", f->power_missing[i]);
        if (f->n_power_missing)
                item_add(sink, "shutdown-path", CHECK_WARN, -1, NULL,
                         "the image lacks what its power off and reboot run (%s): on a machine 'poweroff' and 'reboot' hang",
                         missing);
        else
                item_add(sink, "shutdown-path", CHECK_OK, -1, NULL, "what the power off and reboot run is in the image");
}

static void judge_shutdown(const struct judge_input *in, const struct item_sink *sink)
{
        const struct supervisor *s = in->s;
        char end[160];
        const char *how = end_reason_describe(s->end, s->init_status, end, sizeof(end));
        double took = s->stop_requested_ms ? (double) (s->end_ms - s->stop_requested_ms) / 1000.0 : -1;

        if (s->stop_cause == STOP_NONE && !s->poweroff_failure[0])
                return;         /* init ended by itself: judged as "init" */
        /* Reported, not judged: a rescue system is there to be used, not shut down. */
        if (s->poweroff_failure[0])
                item_add(sink, "shutdown", CHECK_IGNORED, took, s->poweroff_failure,
                         "the image's power off failed; systemd's immediate power off ended it (%s) %.1f s after the request",
                         how, took);
        else if (s->forced)
                item_add(sink, "shutdown", CHECK_IGNORED, took, NULL,
                         "the image's power off did not finish within %.1f s (half the stop timeout); systemd's immediate power off ended it (%s) %.1f s after the request",
                         s->stop_timeout_s / 2.0, how, took);
        else if (s->end == END_POWEROFF || s->end == END_HALT || s->end == END_REBOOT || s->end == END_EXITED)
                item_add(sink, "shutdown", CHECK_OK, took, NULL, "%s %.1f s after the request", how, took);
        else
                item_add(sink, "shutdown", CHECK_IGNORED, took, NULL,
                         "did not power off within %u s and was %s (reported, not judged)", s->stop_timeout_s, how);
}

void judge(const struct judge_input *in, const struct item_sink *sink)
{
        _cleanup_free_ char *tail = console_tail(in);

        judge_init(in, tail, sink);
        judge_ready(in, tail, sink);
        if (in->facts->n_gettys == 0)
                item_add(sink, "gettys", CHECK_FAIL, -1, NULL, "the image starts no getty (no getty@ unit, no getty line in /etc/inittab)");
        for (size_t g = 0; g < in->facts->n_gettys; g++)
                judge_getty(in, &in->facts->gettys[g], tail, sink);
        judge_login(in, sink);
        judge_probes(in, sink);
        judge_boot_files(in, sink);
        judge_sshd(in, sink);
        judge_limits(in, sink);
        judge_shutdown_path(in, sink);
        judge_shutdown(in, sink);
}
