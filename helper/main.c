/* rescue-spawn: boot a Relax-and-Recover rescue tree in namespaces.
 *
 * The order of work: check the input (nothing is created for bad input), start
 * the guard that cleans up even after a SIGKILL, prepare the tree in a private
 * mount namespace, start PID 1, supervise it, report. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "binds.h"
#include "cgroup.h"
#include "check.h"
#include "container.h"
#include "ids.h"
#include "limits.h"
#include "layout.h"
#include "log.h"
#include "mounts.h"
#include "options.h"
#include "rootfs.h"
#include "scratch.h"
#include "supervisor.h"
#include "terminals.h"
#include "timeline.h"
#include "util.h"

enum exit_code {
        EXIT_OK = 0,
        EXIT_FAILED = 1,        /* init died, timeout; --check: FAIL */
        EXIT_BAD_INPUT = 2,
        EXIT_CANNOT_RUN = 3,
};

struct runtime {
        char dir[PATH_MAX];     /* private tmpfs: overlay upper layer, cmdline file */
        char root[PATH_MAX];    /* the container's root as the helper sees it */
        char cmdline_file[PATH_MAX];
        char view_dir[PATH_MAX];        /* the block device view (blockview.h) */
        char scratch_dir[PATH_MAX];     /* the helper's own scratch device nodes */
        char cgroup[PATH_MAX];  /* empty: none */
        char layer[PATH_MAX];   /* the writable layer's tmpfs, empty: none (--in-place) */
        struct limits_cgroups limits;
        struct ids ids;
        struct guard guard;
        /* The cgroups are made by a thread of their own (make_cgroups): */
        const struct limits *wanted_limits;
        int cgroup_error;
        pthread_t cgroups_thread;
        bool cgroups_running;
        bool cgroups_elsewhere;         /* kept off the helper's CPU (cgroups_start) */
        cpu_set_t cgroups_cpus;         /* the helper's own CPUs */
};

/* The run's cgroups: the container's v2 group, then the limits' groups below it or in
 * the v1 hierarchies. They cost 0.5-0.7 ms on a hybrid host (four groups made, their
 * limits written), a tenth of the helper's start, so they are made in a thread of their
 * own while the helper mounts the tree. It touches only rt->cgroup, rt->cgroup_error
 * and rt->limits, which nothing reads before cgroups_wait (the guard reads the paths
 * once the helper is gone, and they are published whole). */
static void *make_cgroups(void *data)
{
        struct runtime *rt = data;

        rt->cgroup_error = cgroup_create(rt->cgroup, sizeof(rt->cgroup));
        limits_cgroups_setup(&rt->limits, rt->wanted_limits, rt->cgroup_error == 0 ? rt->cgroup : NULL);
        return NULL;
}

/* make_cgroups in a thread (where none can be made: here and now). Its signals stay
 * blocked as ours are (the main loop reads them from a signalfd). Its stack is no mapping
 * of its own and has no guard page: mmap and mprotect are slow on a virtual machine,
 * where each change of a shared address space interrupts the other CPUs.
 *
 * It starts on one of the helper's other CPUs: left to the scheduler, a new thread is
 * often queued behind the helper on its own CPU, and on an idle host the other CPU
 * took it only when the helper blocked at cgroups_wait, a millisecond later, so the
 * whole work ran on the start's critical path (measured: half the starts waited
 * 0.4 ms for it with the limits, 0.2 ms without). cgroups_wait gives it every CPU back
 * if it has not finished by then (a busy host), so it never waits for that CPU alone. */
static void cgroups_start(struct runtime *rt, const struct limits *l)
{
        static char stack[256 * 1024] __attribute__((aligned(64)));     /* libmount, PATH_MAX buffers */
        pthread_attr_t attr;
        int here = sched_getcpu();

        rt->wanted_limits = l;
        rt->cgroups_running = pthread_attr_init(&attr) == 0 &&
                              pthread_attr_setstack(&attr, stack, sizeof(stack)) == 0;
        if (rt->cgroups_running && here >= 0 && sched_getaffinity(0, sizeof(rt->cgroups_cpus), &rt->cgroups_cpus) == 0) {
                cpu_set_t others = rt->cgroups_cpus;

                CPU_CLR(here, &others);
                rt->cgroups_elsewhere = CPU_COUNT(&others) > 0 &&
                                        pthread_attr_setaffinity_np(&attr, sizeof(others), &others) == 0;
        }
        rt->cgroups_running = rt->cgroups_running &&
                              pthread_create(&rt->cgroups_thread, &attr, make_cgroups, rt) == 0;
        (void) pthread_attr_destroy(&attr);
        if (!rt->cgroups_running)
                (void) make_cgroups(rt);
}

static void cgroups_wait(struct runtime *rt)
{
        if (!rt->cgroups_running)
                return;
        rt->cgroups_running = false;
        if (pthread_tryjoin_np(rt->cgroups_thread, NULL) == 0)
                return;
        /* Still at work (a busy host): every CPU of the helper's, so that it does not wait
         * for the one it started on. Had it ended just now, the CPUs would be set on the
         * helper, which has them: no change. */
        if (rt->cgroups_elsewhere)
                (void) pthread_setaffinity_np(rt->cgroups_thread, sizeof(rt->cgroups_cpus), &rt->cgroups_cpus);
        (void) pthread_join(rt->cgroups_thread, NULL);
}

static int runtime_prepare(struct runtime *rt, const struct options *o)
{
        static const char *const bases[] = { "/run", "/tmp" };
        int r;

        rt->dir[0] = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(bases) && !rt->dir[0]; i++) {
                /* The PID in the name: a dead helper's is known as such (stale.h). */
                snprintf(rt->dir, sizeof(rt->dir), "%s/rescue-spawn.%d.XXXXXX", bases[i], (int) getpid());
                if (!mkdtemp(rt->dir))
                        rt->dir[0] = '\0';
        }
        if (!rt->dir[0]) {
                r = negative_errno();
                log_error("cannot create a runtime directory in /run or /tmp: %s", strerror(-r));
                return r;
        }
        timeline_mark("make the runtime directory");

        if ((r = ids_setup(&rt->ids, o->private_users)) < 0) {
                log_error("could not create a user namespace: %s%s", strerror(-r),
                          r == -ENOSPC || r == -EPERM || r == -EINVAL
                          ? " (user namespaces are not available here: check /proc/sys/user/max_user_namespaces)" : "");
                rmdir(rt->dir);
                return r;
        }
        timeline_mark("make the user namespace");
        /* From here on, whatever happens to us, the guard removes the cgroups and the directory. */
        if ((r = guard_start(&rt->guard, rt->cgroup, rt->limits.v1_path, N_CGROUP_LIMITS, rt->dir)) < 0) {
                log_error("cannot start the cleanup guard: %s", strerror(-r));
                rmdir(rt->dir);
                return r;
        }
        timeline_mark("start the cleanup guard");
        cgroups_start(rt, &o->limits);
        timeline_mark("start the cgroups' thread");

        /* All mounts of this run live in a mount namespace that dies with us. */
        if (unshare(CLONE_NEWNS) < 0) {
                r = negative_errno();
                log_error("cannot create a mount namespace: %s", strerror(-r));
                return r;
        }
        if ((r = mounts_make_private()) < 0 ||
            (r = mount_fs("tmpfs", rt->dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700")) < 0) {
                log_error("cannot prepare the runtime directory: %s", strerror(-r));
                return r;
        }
        timeline_mark("make the mount namespace");
        if ((r = path_join(rt->root, sizeof(rt->root), rt->dir, "root")) < 0 ||
            (r = path_join(rt->cmdline_file, sizeof(rt->cmdline_file), rt->dir, "cmdline")) < 0 ||
            (r = path_join(rt->view_dir, sizeof(rt->view_dir), rt->dir, "blockview")) < 0 ||
            (r = path_join(rt->scratch_dir, sizeof(rt->scratch_dir), rt->dir, "scratch")) < 0)
                return r;

        char cmdline[4096];
        snprintf(cmdline, sizeof(cmdline), "%s\n", o->cmdline);
        if ((r = write_file(rt->cmdline_file, cmdline, 0444)) < 0) {
                log_error("cannot write the command line file: %s", strerror(-r));
                return r;
        }
        timeline_mark("write the command line file");
        return 0;
}

/* The scratch disks and the block device view. The helper's own device nodes need
 * a tmpfs without nodev (the runtime directory's has it); the container never sees it. */
static int scratch_prepare(struct runtime *rt, const struct options *o, struct scratch_set *scratch)
{
        char dev_dir[PATH_MAX], private_dir[PATH_MAX], error[512];
        int r = mkdir(rt->scratch_dir, 0700) < 0 ? negative_errno() : 0;

        if (r == 0)
                r = mount_fs("tmpfs", rt->scratch_dir, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0700,size=64k");
        if (r < 0) {
                log_error("cannot prepare the scratch disks: %s", strerror(-r));
                return r;
        }
        if ((r = path_join(dev_dir, sizeof(dev_dir), rt->root, "dev")) < 0 ||
            (r = path_join(private_dir, sizeof(private_dir), rt->scratch_dir, "root")) < 0)
                return r;
        r = scratch_setup(scratch, o->scratch, o->scratch_count, dev_dir, private_dir, rt->view_dir, &rt->ids,
                          error, sizeof(error));
        if (r < 0)
                log_error("%s", error);
        return r;
}

static void runtime_release(struct runtime *rt)
{
        cgroups_wait(rt);
        limits_cgroups_close(&rt->limits);
        guard_stop(&rt->guard);
        ids_release(&rt->ids);
}

/* The disks of --scratch-layout, or why the layout cannot be rehearsed here. */
static int read_scratch_layout(struct options *o)
{
        _cleanup_free_ char *layout = NULL, *filesystems = NULL;
        char error[1200];
        size_t len;
        int r;

        if ((r = read_file(o->scratch_layout, 1 << 20, &layout, &len)) < 0) {
                log_error("--scratch-layout: cannot read %s: %s", o->scratch_layout, strerror(-r));
                return r;
        }
        if ((r = read_file("/proc/filesystems", 1 << 16, &filesystems, &len)) < 0) {
                log_error("cannot read /proc/filesystems: %s", strerror(-r));
                return r;
        }
        r = layout_scratch_disks(layout, filesystems, o->scratch, &o->scratch_count, SCRATCH_MAX_DISKS,
                                 error, sizeof(error));
        if (r < 0)
                log_error("%s: %s", o->scratch_layout, error);
        return r;
}

static int exit_code_for(const struct supervisor *s, const struct options *o)
{
        if (o->command) {
                if (s->end == END_POWEROFF || s->end == END_HALT || s->end == END_REBOOT)
                        return EXIT_OK;
                if (s->end == END_EXITED)
                        return WEXITSTATUS(s->init_status);
                return 128 + WTERMSIG(s->init_status);
        }
        if (s->stop_cause == STOP_TIMEOUT)
                return EXIT_FAILED;
        if (s->stop_cause == STOP_USER || s->stop_cause == STOP_QUIT)
                return EXIT_OK;
        /* The image's power off failed and the helper ended it: a power off all the same. */
        if (s->poweroff_failure[0])
                return EXIT_OK;
        switch (s->end) {
        case END_POWEROFF:
        case END_HALT:
        case END_REBOOT:
                return EXIT_OK;
        case END_EXITED:
                return WEXITSTATUS(s->init_status) == 0 ? EXIT_OK : EXIT_FAILED;
        default:
                return EXIT_FAILED;
        }
}

/* Outside --check (which judges them): a limit the image ran into is worth a warning. */
static void warn_about_limits(const struct supervisor *s)
{
        struct limits_usage usage;
        char detail[512];

        limits_read_usage(s->limit_groups, s->writable_dir, &usage);
        if (!limits_judge(s->limits, &usage, detail, sizeof(detail)))
                log_info("warning: %s", detail);
}

/* What read_command_line returns when the helper is to go on and boot. */
#define GO_ON (-1)

/* The options, the tree, the layout and the host: GO_ON, or the exit code (help and
 * version: EXIT_OK; bad input and an unfit host: logged). */
static int read_command_line(int argc, char **argv, struct options *o, struct rootfs_info *info)
{
        char error[512];
        int r = options_parse(argc, argv, o, error, sizeof(error));

        if (r == OPTIONS_HELP) {
                options_usage();
                return EXIT_OK;
        }
        if (r == OPTIONS_VERSION) {
                printf("rescue-spawn %s\n", RESCUE_SPAWN_VERSION);
                return EXIT_OK;
        }
        if (r < 0) {
                log_error("%s", error);
                return EXIT_BAD_INPUT;
        }
        log_set_level(o->verbosity < 0 ? LOG_LEVEL_ERROR : o->verbosity > 0 ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
        limits_resolve(&o->limits);

        if (rootfs_inspect(o->rootfs, o->command, info, error, sizeof(error)) < 0) {
                log_error("%s", error);
                return EXIT_BAD_INPUT;
        }
        if (o->scratch_layout && read_scratch_layout(o) < 0)
                return EXIT_BAD_INPUT;
        if (geteuid() != 0) {
                log_error("must run as root (it creates namespaces, mounts and a cgroup)");
                return EXIT_CANNOT_RUN;
        }
        const char *word = cmdline_dangerous_word(o->cmdline);
        if (word)
                log_info("warning: the command line holds '%s': the rescue system will act on it", word);
        return GO_ON;
}

/* Signals are read from a signalfd in the main loop; children unblock them. */
static void block_signals(void)
{
        sigset_t blocked;

        sigemptyset(&blocked);
        for (int sig = 1; sig < SIGRTMIN; sig++)
                if (sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE &&
                    sig != SIGILL && sig != SIGTSTP && sig != SIGCONT && sig != SIGTTIN && sig != SIGTTOU &&
                    sig != SIGPIPE && sig != SIGALRM && sig != SIGUSR1 && sig != SIGUSR2)
                        sigaddset(&blocked, sig);
        sigprocmask(SIG_BLOCK, &blocked, NULL);
        signal(SIGPIPE, SIG_IGN);
}

/* The container's tree, binds, /dev, scratch disks, terminals and cgroup, in the order they
 * need each other: 0, or the exit code of the failure (logged). */
static int prepare_container(struct runtime *rt, const struct options *o, struct scratch_set *scratch,
                             struct terminals *terminals, const struct winsize *ws, const char *log_dir)
{
        char error[512];
        int r;

        if ((r = mounts_setup_root(o->rootfs, rt->dir, rt->root, o->in_place, o->limits.writable_max,
                                   rt->layer, sizeof(rt->layer), &rt->ids)) < 0) {
                log_error("cannot mount the image's tree: %s", strerror(-r));
                return EXIT_CANNOT_RUN;
        }
        timeline_mark("mount the image's tree");
        if ((r = binds_apply(rt->root, o->binds, o->bind_count, &rt->ids, error, sizeof(error))) < 0) {
                log_error("%s", error);
                return r == -EINVAL ? EXIT_BAD_INPUT : EXIT_CANNOT_RUN;
        }
        timeline_mark("bind the --bind paths");
        if ((r = mounts_setup_dev(rt->root, &rt->ids)) < 0) {
                log_error("cannot prepare /dev: %s", strerror(-r));
                return EXIT_CANNOT_RUN;
        }
        timeline_mark("prepare /dev");
        if ((r = scratch_prepare(rt, o, scratch)) < 0)
                return r == -EINVAL ? EXIT_BAD_INPUT : EXIT_CANNOT_RUN;
        /* "make bench" reads this step (tests/bench/scratch.sh). */
        timeline_mark("set up the scratch disks");
        /* Bound on the container's /dev before its first process starts. */
        if ((r = terminals_create(terminals, rt->root, o->ttys, ws, &rt->ids)) < 0) {
                log_error("cannot prepare the terminals: %s", strerror(-r));
                return EXIT_CANNOT_RUN;
        }
        timeline_mark("make the terminals");
        if (log_dir && (r = terminals_open_logs(terminals, log_dir)) < 0) {
                log_error("cannot write tty logs to %s: %s", log_dir, strerror(-r));
                return EXIT_CANNOT_RUN;
        }
        timeline_mark("open the tty logs");
        /* The cgroups were made meanwhile; the tree's mounts decided the uid map
         * (ids_fall_back): now the cgroup's owner. */
        cgroups_wait(rt);
        timeline_mark("wait for the cgroups");
        if (rt->cgroup_error < 0)
                log_info("warning: no cgroup for the container (%s): systemd inside may fail", strerror(-rt->cgroup_error));
        else if ((r = cgroup_delegate(rt->cgroup, &rt->ids)) < 0) {
                log_error("cannot hand the cgroup to the container: %s", strerror(-r));
                return EXIT_CANNOT_RUN;
        }
        timeline_mark("hand the cgroup to the container");
        return 0;
}

static void kill_container(struct container *container)
{
        if (container->pid > 0) {
                kill(container->pid, SIGKILL);
                waitpid(container->pid, NULL, 0);
        }
}

/* PID 1 of the container, running the image's init or COMMAND: 0, or the exit code. */
static int start_container(struct runtime *rt, const struct options *o, const struct rootfs_info *info,
                           struct container *container, struct check *check, long long start_us)
{
        char env_ttys[16 * (MAX_TTYS + 1)] = "container_ttys=";
        for (unsigned i = 1; i <= o->ttys; i++)
                snprintf(env_ttys + strlen(env_ttys), sizeof(env_ttys) - strlen(env_ttys), "%stty%u", i > 1 ? " " : "", i);
        char *envp[] = {
                "container=rescue-spawn",
                env_ttys,
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=linux",
                "HOME=/",
                "NOTIFY_SOCKET=" NOTIFY_SOCKET_ADDRESS,
                NULL,
        };
        char *init_argv[] = { (char *) info->init, NULL };
        struct container_config cfg = {
                .root_dir = rt->root,
                .cmdline_file = rt->cmdline_file,
                .cgroup_path = rt->cgroup[0] ? rt->cgroup : NULL,
                .limits = &rt->limits,
                .user_ns_fd = rt->ids.userns_fd,
                .view_dir = rt->view_dir,
                .hostname = o->hostname ?: info->hostname,
                .argv = o->command ?: init_argv,
                .envp = envp,
        };
        enum container_failure failure;
        char error[512];

        if (container_start(&cfg, container, &failure, error, sizeof(error)) < 0) {
                int exit_code;
                if (check && failure == CONTAINER_FAILED_IMAGE)
                        exit_code = check_fail_start(check, error);
                else {
                        log_error("%s", error);
                        exit_code = failure == CONTAINER_FAILED_IMAGE ? EXIT_FAILED : EXIT_CANNOT_RUN;
                }
                kill_container(container);
                return exit_code;
        }
        /* What was set up on the way, said now: a line written costs the start (-v). */
        if (rt->ids.base)
                log_debug("the container's uids and gids 0-%u are the host's %u-%u", IDS_RANGE - 1,
                          (unsigned) ids_host_uid(&rt->ids, 0), (unsigned) ids_host_uid(&rt->ids, IDS_RANGE - 1));
        limits_cgroups_after_exec(&rt->limits, &o->limits);
        /* "make bench" reads this line: the helper's own cost before the image runs
         * (the monotonic clock's reading lets it count from the helper's exec). */
        log_debug("init started (host PID %d) %lld us after the helper started, at %lld us", (int) container->pid,
                  container->exec_us - start_us, container->exec_us);
        timeline_log(start_us);
        return 0;
}

/* How the run ended, on stderr (--check reports instead). */
static void say_end(const struct supervisor *sup, const struct options *o)
{
        char reason[128];
        const char *end = end_reason_describe(sup->end, sup->init_status, reason, sizeof(reason));
        bool by_reboot = sup->end == END_POWEROFF || sup->end == END_HALT || sup->end == END_REBOOT;

        if (!o->command)
                log_info("the image %s after %.1f s", end, (double) (sup->end_ms - sup->start_ms) / 1000);
        else if (by_reboot)
                log_info("the command %s the container", end);
        else
                log_debug("the command %s", end);
        warn_about_limits(sup);
}

/* The main loop until the container ends: the exit code. */
static int supervise(struct runtime *rt, const struct options *o, const struct rootfs_info *info,
                     enum console_mode console, struct terminals *terminals, struct container *container,
                     struct scratch_set *scratch, struct check *check)
{
        struct supervisor sup = {
                .terminals = terminals,
                .container = container,
                .init_kind = info->init_kind,
                .console = console,
                .timeout_s = o->timeout_s,
                .stop_timeout_s = o->stop_timeout_s,
                .skip_sleeps = !o->real_sleeps,
                .keys_to_console = o->keys_to_console,
                .limits = &o->limits,
                .limit_groups = &rt->limits,
                .writable_dir = rt->layer[0] ? rt->layer : NULL,
                .scratch = scratch,
        };
        int r, exit_code;

        if (check)
                check_attach(check, &sup);
        if ((r = supervisor_init(&sup)) < 0) {
                log_error("cannot set up the main loop: %s", strerror(-r));
                kill_container(container);
                return EXIT_CANNOT_RUN;
        }
        r = supervisor_run(&sup);
        supervisor_restore_terminal(&sup);
        if (r < 0) {
                supervisor_free(&sup);
                log_error("main loop failed: %s", strerror(-r));
                kill_container(container);
                return EXIT_CANNOT_RUN;
        }
        if (check)
                exit_code = check_finish(check, &sup);
        else {
                exit_code = exit_code_for(&sup, o);
                say_end(&sup, o);
        }
        supervisor_free(&sup);
        return exit_code;
}

int main(int argc, char **argv)
{
        long long start_us = now_us();
        struct options o;
        struct rootfs_info info;
        struct runtime rt = { .guard = { .pid = -1, .fd = -1 }, .limits = { .v1_procs_fd = { -1, -1, -1 } },
                              .ids = { .userns_fd = -1, .lock_fd = -1 } };
        struct terminals terminals = {};
        struct container container = { .pid = -1, .notify_fd = -1, .listener_fd = -1 };
        struct scratch_set scratch = { .dev_dirfd = -1, .private_dirfd = -1, .watch_fd = -1 };
        struct check *check = NULL;
        int exit_code = read_command_line(argc, argv, &o, &info);

        if (exit_code != GO_ON)
                return exit_code;
        enum console_mode console = o.mode == RUN_CHECK ? CONSOLE_NONE
                : isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) ? CONSOLE_INTERACTIVE : CONSOLE_PASSIVE;
        struct winsize ws = { .ws_row = 25, .ws_col = 80 };
        if (console == CONSOLE_INTERACTIVE)
                (void) ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
        block_signals();
        if (o.mode == RUN_CHECK && check_new(&o, &info, &check) < 0)
                return EXIT_CANNOT_RUN;

        timeline_mark("read the options and the image");
        exit_code = EXIT_CANNOT_RUN;
        if (runtime_prepare(&rt, &o) < 0)
                goto out;
        log_debug("booting %s (%s) from %s", o.rootfs, init_kind_name(info.init_kind), rt.dir);
        exit_code = prepare_container(&rt, &o, &scratch, &terminals, &ws, check ? check_log_dir(check) : o.log_dir);
        if (exit_code == 0)
                exit_code = start_container(&rt, &o, &info, &container, check, start_us);
        if (exit_code == 0)
                exit_code = supervise(&rt, &o, &info, console, &terminals, &container, &scratch, check);
out:
        container_release(&container);
        scratch_release(&scratch);
        terminals_free(&terminals);
        runtime_release(&rt);
        if (check)
                exit_code = check_free(check, exit_code);
        return exit_code;
}
