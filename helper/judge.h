/* Judging: after the container ended, every check item is made once, from what was
 * seen (console findings, the login, the probes' items, the image's files), in the
 * order of the report. */
#pragma once

#include "bootfiles.h"
#include "console.h"
#include "image.h"
#include "items.h"
#include "login.h"
#include "probes.h"
#include "rootfs.h"
#include "supervisor.h"

struct judge_input {
        const struct rootfs_info *info;
        const struct image_facts *facts;
        const struct probe_env *env;
        const struct supervisor *s;
        const struct console_watch *cw;
        const struct login *login;
        const struct probes *probes;
        long long sshd_listening_ms;
        const char *input_wait;         /* "" or why the boot was judged as waiting for input */
        const char *input_excerpt;      /* what the terminal showed: the question */
        const char *rootfs;
        const char *boot_medium;        /* NULL: no boot medium tested */
        const struct boot_medium *boot;
};

void judge(const struct judge_input *in, const struct item_sink *sink);
