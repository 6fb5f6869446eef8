/* Failed systemd units, judged: which failures cannot be the image's fault in a container
 * (a table, with the reason) and which are. */
#pragma once

#include <stddef.h>

#include "items.h"
#include "probes.h"

/* Items "units-ignored" (when any) and "units" for the failed units names[0..n). how: where
 * the names come from, said in an ok item ("" for systemctl). */
void units_judge(const struct probe_env *env, const char *const *names, size_t n, const char *how,
                 const char *excerpt, const struct item_sink *sink);
