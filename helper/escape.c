#include "escape.h"

enum escape_action escape_feed(struct escape_state *s, unsigned char c, int *target)
{
        if (!s->armed) {
                if (c == ESCAPE_CHAR) {
                        s->armed = true;
                        return ESCAPE_SWALLOW;
                }
                return ESCAPE_PASS;
        }

        s->armed = false;
        switch (c) {
        case ESCAPE_CHAR:
                return ESCAPE_PASS;     /* Ctrl-] Ctrl-]: one literal Ctrl-] */
        case '0': case 'c':
                *target = 0;
                return ESCAPE_SWITCH;
        case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9':
                *target = c - '0';
                return ESCAPE_SWITCH;
        case 's': case 'S':
                *target = ESCAPE_TARGET_SERIAL;
                return ESCAPE_SWITCH;
        case 'p': case 'P':
                return ESCAPE_POWEROFF;
        case 'q': case 'Q': case '.':
                return ESCAPE_QUIT;
        case '?': case 'h': case 'H':
                return ESCAPE_HELP;
        default:
                return ESCAPE_SWALLOW;  /* unknown key: ignored, like an unbound hot key */
        }
}
