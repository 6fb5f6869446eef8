/* Does every ELF program and library of a tree find its libraries? Resolves as the
 * dynamic loader of the tree would: PT_INTERP, DT_RPATH/DT_RUNPATH ($ORIGIN),
 * /etc/ld.so.cache, /etc/ld.so.conf(.d), the default directories. Runs inside the
 * container (after entering its namespaces), so that "/" is the image's root. */
#pragma once

#include <stddef.h>

/* Called once per problem: path of the ELF file, and e.g. "libfoo.so.1 not found",
 * "interpreter /lib64/ld-linux-x86-64.so.2 not found", "not a valid ELF file (truncated)". */
typedef void (*elf_problem_fn)(void *userdata, const char *path, const char *problem);

/* Walk the tree below root without leaving its file system; returns 0 or -errno.
 * n_checked receives the number of ELF files checked. */
int elf_check_tree(const char *root, elf_problem_fn problem, void *userdata, size_t *n_checked);
