#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "login.h"
#include "util.h"

/* How long each answer may take: a shell prompt after the user name, the command's output. */
#define LOGIN_STEP_MS 20000
#define LOGIN_COMMAND "echo rescue-login-$((40+2))\r"     /* prints the console rule's marker */

static void type_into(struct tty_watch *w, const char *text)
{
        (void) write_all(w->terminal->master, text, strlen(text));
}

static void decide(struct login *l, enum check_status status, long long now, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void decide(struct login *l, enum check_status status, long long now, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(l->detail, sizeof(l->detail), fmt, ap);
        va_end(ap);
        l->phase = LOGIN_DONE;
        l->status = status;
        l->decided_ms = now;
}

static void send(struct login *l, const char *text, enum login_phase next, long long now)
{
        type_into(l->tty, text);
        l->phase = next;
        l->step_ms = now;
}

void login_step(struct login *l, struct console_watch *cw, long long now)
{
        struct tty_watch *w = l->tty;

        switch (l->phase) {
        case LOGIN_WAIT_PROMPT:
                if (!(w = console_first_prompt(cw)))
                        return;
                l->tty = w;
                w->shell_prompt = w->password_prompt = w->login_incorrect = false;
                send(l, "root\r", LOGIN_SENT_USER, now);
                return;
        case LOGIN_SENT_USER:
                if (w->password_prompt)
                        decide(l, CHECK_IGNORED, now, "root's login on %s asks for a password (TTY_ROOT_PASSWORD): not tried",
                               w->terminal->name);
                else if (w->login_incorrect)
                        decide(l, CHECK_FAIL, now, "login as root on %s was refused", w->terminal->name);
                else if (w->shell_prompt)
                        send(l, LOGIN_COMMAND, LOGIN_SENT_COMMAND, now);
                else if (now - l->step_ms > LOGIN_STEP_MS)
                        decide(l, CHECK_FAIL, now, "no shell prompt after logging in as root on %s", w->terminal->name);
                return;
        case LOGIN_SENT_COMMAND:
                if (w->marker) {
                        type_into(w, "exit\r");
                        decide(l, CHECK_OK, now, "root logged in on %s and the shell ran a command", w->terminal->name);
                } else if (now - l->step_ms > LOGIN_STEP_MS)
                        decide(l, CHECK_FAIL, now, "the shell on %s did not run a command", w->terminal->name);
                return;
        case LOGIN_DONE:
                return;
        }
}
