/* Logging in like a person at the first login prompt: type "root", wait for a shell
 * prompt, run one command whose output proves the shell works, log out. One decision
 * at the end, made once. */
#pragma once

#include <stdbool.h>

#include "console.h"
#include "report.h"

enum login_phase { LOGIN_WAIT_PROMPT, LOGIN_SENT_USER, LOGIN_SENT_COMMAND, LOGIN_DONE };

struct login {
        enum login_phase phase;
        struct tty_watch *tty;          /* where it logs in (NULL: no prompt yet) */
        long long step_ms;
        /* The decision, once phase is LOGIN_DONE. */
        enum check_status status;
        char detail[256];
        long long decided_ms;
};

/* One step of the conversation at time now (ms); no-op once decided. */
void login_step(struct login *l, struct console_watch *cw, long long now);
