/* Does every ELF program and library of a tree find its libraries? Resolves as the
 * dynamic loader of the tree would: PT_INTERP, DT_RPATH/DT_RUNPATH ($ORIGIN),
 * /etc/ld.so.cache, /etc/ld.so.conf(.d), the default directories. Runs inside the
 * container (after entering its namespaces), so that "/" is the image's root.
 *
 * What is checked: every regular file below root (symlinks are not followed, other file
 * systems not entered: /proc, /sys, /dev of the container) with ELF magic, of type ET_EXEC
 * or ET_DYN, of the class, byte order and machine of the tree (taken from its /bin/sh or
 * init, else the helper's own). Skipped without a word: files of another class or machine
 * (32-bit compat libraries, firmware for other processors: their loader and directories are
 * other ones, and ld.so passes them over too), ET_REL (.o) and ET_CORE files, separate debug
 * info (an empty PT_DYNAMIC), and, like ReaR's own ldd check, kernel modules and firmware
 * (/lib/modules, /usr/lib/modules, /lib/firmware, /usr/lib/firmware, *.ko*): they are most
 * of a rescue tree and none of ld.so's business; so are syslinux's *.c32 modules. Symlinks inside the tree are resolved
 * inside the tree (openat2 RESOLVE_IN_ROOT), absolute ones included.
 *
 * How a DT_NEEDED name is searched (man ld.so): a name with '/' is that path; else the
 * file's DT_RPATH (unless it has DT_RUNPATH), its DT_RUNPATH, the entries of ld.so.cache
 * for the name (glibc's "glibc-ld.so.cache1.1" format, alone or after the old
 * "ld.so-1.7.0" one), the directories of /etc/ld.so.conf and its includes, the default
 * directories (/lib/<multiarch>, /usr/lib/<multiarch>, /lib64, /usr/lib64, /lib, /usr/lib;
 * none of them with DF_1_NODEFLIB). A file that is missing or of another class or machine
 * is passed over; any other file found ends the search and must be a sound ELF file.
 * $ORIGIN is the directory the file lies in, $LIB "lib/<multiarch>" when the tree has it
 * (Debian) else "lib64"/"lib", $PLATFORM e.g. "x86_64". Differences from ld.so, all on the
 * lenient side: the ld.so.conf directories are searched although ld.so only reads the cache
 * ldconfig made of them (a cache older than the tree does not hide libraries); empty
 * RPATH/RUNPATH entries (the current directory) and LD_LIBRARY_PATH, LD_PRELOAD,
 * /etc/ld.so.preload, glibc-hwcaps subdirectories are not looked at, relative entries are
 * taken relative to "/".
 *
 * Who loads a library matters (DT_RPATH of its loaders, objects loaded before it), so after
 * the walk every program (a file with PT_INTERP) is loaded in a simulation, breadth-first
 * like ld.so: a name that matches an object already loaded under that name or soname (the
 * program's interpreter included) needs no search, a name that its object's own search does
 * not find is looked up in the DT_RPATH of the objects that loaded it. So systemd's
 * libsystemd-core-252.so, which finds libsystemd-shared-252.so only because systemd loaded
 * it first, passes (ReaR's `ldd` on the library alone reports it). A library that no program
 * loads (a plugin for dlopen(), or unused) is loaded on its own, like `ldd LIBRARY`.
 * Problems of a library that programs load are reported at those programs.
 *
 * Problems reported (path is the file's absolute path inside the tree):
 *   "not a valid ELF file (truncated)"        and (bad ELF header), (bad program headers),
 *                                             (bad PT_INTERP), (bad dynamic section), ...
 *   "interpreter /lib64/ld-linux-x86-64.so.2 not found"
 *   "interpreter PATH: not a valid ELF file (REASON)"
 *   "libfoo.so.1 not found"                   needed by the file itself
 *   "libfoo.so.1 not found (needed by /usr/lib/libbar.so.2)"   further down its libraries
 *   "libfoo.so.1: not a valid ELF file (/usr/lib/libfoo.so.1: truncated)"  found, but broken
 * A problem is reported once per file and name. */
#pragma once

#include <stddef.h>

/* Called once per problem: path of the ELF file, and e.g. "libfoo.so.1 not found",
 * "interpreter /lib64/ld-linux-x86-64.so.2 not found", "not a valid ELF file (truncated)". */
typedef void (*elf_problem_fn)(void *userdata, const char *path, const char *problem);

/* Walk the tree below root without leaving its file system; returns 0 or -errno.
 * n_checked receives the number of ELF files checked.
 * -errno only when the walk itself fails (root missing or unreadable, -ENOMEM, or -ENOSYS:
 * no openat2() and root is not the process's root directory); a problem of a file is never
 * an error. problem may be NULL (count only). A 500 MB rescue tree takes about 50 ms of CPU
 * (0.1 s wall when its pages are cached, 0.25 s when not): one open and pread per file, an
 * fstat and a few preads more per ELF file, every directory, candidate file and library
 * name looked up once. */
int elf_check_tree(const char *root, elf_problem_fn problem, void *userdata, size_t *n_checked);
