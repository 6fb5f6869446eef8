/* Probes: checks that run inside the booted rescue system (a process that joined
 * the container's namespaces, so "/" is the image's root), in parallel. Each probe
 * decides its own items and sends them, complete, to the helper as binary records
 * (probes.c): nothing a probe prints is parsed back. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "container.h"
#include "items.h"

/* What the probes know of the image from the host side (read before the boot). */
struct probe_env {
        bool has_systemctl;
        bool has_udevd;
        bool sshd_configured;           /* ReaR's "ssh:" line in /etc/inittab */
        bool sshd_binary;
        char kernel_version[128];       /* of the kernel the image boots with, when known (boot medium); "" */
};

typedef void (*probe_run_fn)(const struct probe_env *env, const struct item_sink *sink);

struct probe_def {
        const char *name;
        probe_run_fn run;
        bool needs_systemctl;           /* only where the image has systemctl */
        bool at_boot;                   /* started with the boot, not when it has settled */
        int nice;
};

struct probe {
        const struct probe_def *def;
        bool spawned;
        pid_t pid;                      /* 0: ended */
        int fd;
        char *records;                  /* what it sent */
        size_t len;
        bool done;
        int status;                     /* wait status */
};

struct probes {
        struct probe *items;
        size_t n;
        bool started;                   /* the probes of the settled boot were started */
};

/* Start the probes of the table inside container c: those that start with the boot
 * (at_boot), or the others once it has settled. 0 or -errno (a probe that cannot start is
 * recorded as ended with status 127). */
int probes_start(struct probes *ps, const struct container *c, const struct probe_env *env, bool at_boot);
/* Read what the probes sent so far (non-blocking). */
void probes_read(struct probes *ps);
/* A child ended: the probe it was, or NULL. */
struct probe *probes_on_exit(struct probes *ps, pid_t pid, int status);
bool probes_done(const struct probes *ps);
void probes_kill(struct probes *ps);
/* The probe's items into sink; once the boot settled, a probe that died before it said
 * anything gets a FAIL item (before, the boot's end is why: judged elsewhere). */
void probe_deliver(const struct probe *p, const struct item_sink *sink, bool settled);
void probes_free(struct probes *ps);

/* Hands every complete record of buf (what a probe sent: it ran inside the container, so
 * these bytes are the image's to forge) to sink; returns how many. */
size_t probe_records_deliver(const char *buf, size_t len, const struct item_sink *sink);

/* For the probes: run argv (looked up in PATH) with stdin /dev/null, its stdout and stderr
 * into out (NUL-terminated, the first size-1 bytes kept). Returns the wait status, or
 * -errno when it could not be started. exec failing gives exit status 127 (126: not executable,
 * ENOEXEC: a broken file). */
int probe_command(char *const *argv, char *out, size_t size);
/* The same, but it stops (kills the command and what it started) as soon as out holds
 * stop_at[i] (a NULL-terminated list): returns PROBE_STOPPED_AT(i) then, above any wait
 * status. For programs whose work is done long before they exit (ReaR's exit sleeps 3 s). */
#define PROBE_STOPPED_AT(i) (0x10000 + (i))
int probe_command_until(char *const *argv, char *out, size_t size, const char *const *stop_at);
/* Is program name (looked up in PATH) there, and does it run? Runs it with arg (e.g.
 * "--version"): it may exit with any status of its own, but not fail to execute (a broken
 * file: ENOEXEC, a library missing: ld.so's exit 127) or die of a signal. 0, or -ENOENT
 * (not found) / -ENOEXEC (does not run) with the reason in why. */
int probe_program(const char *name, const char *arg, char *why, size_t size);
/* The last non-empty line of text, into buf. */
const char *probe_last_line(const char *text, char *buf, size_t size);

/* The probes, one file each (probe-*.c). */
void probe_rear(const struct probe_env *env, const struct item_sink *sink);
void probe_rear_config(const struct probe_env *env, const struct item_sink *sink);
void probe_required_progs(const struct probe_env *env, const struct item_sink *sink);
void probe_backup(const struct probe_env *env, const struct item_sink *sink);
void probe_libraries(const struct probe_env *env, const struct item_sink *sink);
void probe_units(const struct probe_env *env, const struct item_sink *sink);
void probe_layout(const struct probe_env *env, const struct item_sink *sink);
void probe_kernel_modules(const struct probe_env *env, const struct item_sink *sink);
