/* Does every ELF program and library of the image find its libraries? The image's own
 * dynamic loader answers: `INTERP --list FILE` (what ldd runs) for every program, with
 * the interpreter its PT_INTERP names, and for every library that no program loads (a
 * plugin for dlopen(), or unused) with the interpreter most programs name, a few at a
 * time in parallel. So whatever that loader does (ld.so.cache, RPATH/RUNPATH, $ORIGIN,
 * hwcaps, the objects a program loaded before) is what is checked, and nothing of it is
 * implemented here. Runs inside the container, where "/" is the image's root; it
 * executes the image's loader, so it must never run on the host's side.
 *
 * What is checked: every regular file below "/" on the root's file system (symlinks not
 * followed: /proc, /sys, /dev of the container are other file systems) with ELF magic, of
 * the helper's own class, byte order and machine (the container runs on this machine; 32-bit
 * compat libraries and firmware for other processors are passed over, as ld.so passes them
 * over), of type ET_EXEC or ET_DYN with a PT_DYNAMIC (static programs need nothing).
 * Skipped, like ReaR's own check: kernel modules and firmware (/lib/modules,
 * /usr/lib/modules, /lib/firmware, /usr/lib/firmware, *.ko*) and syslinux's *.c32 modules.
 *
 * Problems reported (path is the file's absolute path inside the tree):
 *   "not a valid ELF file (truncated)"                its headers cannot be read
 *   "interpreter /lib64/ld-linux-x86-64.so.2 not found"
 *   "libfoo.so.1 not found"                           the loader's "=> not found"
 *   "/usr/lib/libfoo.so.1: file too short"            the loader's "error while loading
 *                                                     shared libraries: ..." */
#pragma once

#include <stddef.h>

/* Called once per problem: path of the ELF file and the problem. */
typedef void (*lib_problem_fn)(void *userdata, const char *path, const char *problem);

/* 0 or -errno (the walk itself failed: "/" unreadable, -ENOMEM). n_checked: ELF files checked. */
int lib_check_tree(lib_problem_fn problem, void *userdata, size_t *n_checked);

/* One line of `ld.so --list` output, parsed: a resolved library's path (into path), a name
 * that was not found (into name), or neither. Pure, for the unit tests. */
enum ldlist_line { LDLIST_OTHER, LDLIST_FOUND, LDLIST_NOT_FOUND };
enum ldlist_line ldlist_parse_line(const char *line, char *buf, size_t size);
