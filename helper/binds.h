/* --bind-ro, --bind: directories of the host inside the container (read-only: the
 * backup a rehearsal of 'rear recover' restores from; writable: where it logs).
 *
 * The mount point is made inside the container's tree by walking it one component
 * at a time from the tree's root, never following a symlink: the image's tree
 * (a hostile one's too) cannot turn PATH into a place of the host. Bound before
 * the container's first process starts, so its user namespace locks them read-only. */
#pragma once

#include <stddef.h>

#include "ids.h"
#include "options.h"

/* Bind every spec under root_dir (the container's root as the helper sees it),
 * idmapped with the container's map when it has a range of its own (ids.h): the
 * host's owners are the container's, root's files stay root's inside, and what the
 * image writes into a --bind belongs to the host's root. On failure a one-line
 * reason in error. */
int binds_apply(const char *root_dir, const struct bind_spec *binds, size_t count, const struct ids *ids,
                char *error, size_t error_size);
