/* The leftovers of helpers that died together with their guard: a SIGKILL of the whole
 * unit or process group (systemd's stop after its timeout), an out-of-memory kill of the
 * memory both share (cgroup.h), the end of a session that runs the helper. Nothing else
 * cleans them up: the guard of the next helper removes those beside its own. */
#pragma once

enum stale_kind {
        STALE_GROUP,            /* a cgroup (v2 or v1) "rescue-spawn-PID" */
        STALE_RUNTIME_DIR,      /* a runtime directory "rescue-spawn.PID.XXXXXX" */
};

/* In the directory that holds own_path: remove every entry of that kind whose PID no
 * process has, where it is empty (rmdir only, subdirectories first; a group something
 * runs in stays). No malloc: the guard runs it (cgroup.h). */
void stale_remove_beside(const char *own_path, enum stale_kind kind);
