/* --check: the unattended verdict. Watches the terminals for ReaR's milestones and
 * login prompts, logs in as root like a person would, runs probes inside the
 * running system, powers it off and writes the reports. */
#pragma once

#include "options.h"
#include "rootfs.h"
#include "supervisor.h"

struct check;

/* Prepares the report directory (given, or a temporary one). 0 or -errno (logged). */
int check_new(const struct options *o, const struct rootfs_info *info, struct check **ret);
/* Where the tty logs go: the report directory. */
const char *check_log_dir(struct check *c);
/* Installs the supervisor hooks. */
void check_attach(struct check *c, struct supervisor *s);
/* The image's init could not even be executed: a FAIL verdict. Returns the exit code. */
int check_fail_start(struct check *c, const char *error);
/* After the container ended: decide, write the reports, print the summary. Returns the exit code. */
int check_finish(struct check *c, const struct supervisor *s);
/* Removes a temporary report directory; returns exit_code. */
int check_free(struct check *c, int exit_code);
