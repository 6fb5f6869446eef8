/* The escape key of the interactive console: Ctrl-] followed by one key.
 * Pure state machine, fed one input byte at a time. */
#pragma once

#include <stdbool.h>

#define ESCAPE_CHAR 0x1d        /* Ctrl-] */

enum escape_action {
        ESCAPE_PASS,            /* forward the byte to the active terminal */
        ESCAPE_SWALLOW,         /* the byte was part of an escape sequence */
        ESCAPE_SWITCH,          /* show terminal `target` */
        ESCAPE_POWEROFF,
        ESCAPE_QUIT,
        ESCAPE_HELP,
};

/* Terminal numbers used by ESCAPE_SWITCH: 0 console, 1..n ttyN, and: */
#define ESCAPE_TARGET_SERIAL (-1)

struct escape_state {
        bool armed;
};

enum escape_action escape_feed(struct escape_state *s, unsigned char c, int *target);
