/* The kernel's module tree as modprobe reads it: modules.dep ("kernel/x/y.ko: dep.ko ...")
 * and the lists of modules to load at boot (/etc/modules, modules-load.d: one name a line,
 * '#' or ';' comments). Pure parsers over buffers (unit-tested, fuzzable). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Calls fn for every module path of modules.dep (each module and each dependency, as
 * listed, relative to the tree); stops and returns fn's result when it is not 0. */
int kmod_dep_foreach(const char *text, size_t len, int (*fn)(void *userdata, const char *path), void *userdata);
/* Calls fn for every module name of a load list (its first word, parameters dropped). */
int kmod_load_list_foreach(const char *text, size_t len, int (*fn)(void *userdata, const char *name), void *userdata);
/* "kernel/drivers/block/virtio_blk.ko.xz" -> "virtio_blk"; '-' and '_' are the same to modprobe. */
void kmod_name(const char *path_or_name, char *buf, size_t size);
/* Is module name (normalized) listed in text (modules.dep or modules.builtin)? */
bool kmod_listed(const char *text, size_t len, const char *name);
