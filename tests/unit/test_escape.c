/* escape.c: the Ctrl-] state machine of the interactive console, key by key. */
#include "escape.h"
#include "unit.h"

#define NO_TARGET 4242

static int target;

/* Ctrl-] then key: the action for key, or -1 when Ctrl-] itself was not swallowed. */
static int sequence(struct escape_state *s, unsigned char key)
{
        target = NO_TARGET;
        if (escape_feed(s, ESCAPE_CHAR, &target) != ESCAPE_SWALLOW)
                return -1;
        return (int) escape_feed(s, key, &target);
}

/* After a sequence the machine is disarmed: a digit is an ordinary byte again. */
static int disarmed(struct escape_state *s)
{
        return escape_feed(s, '1', &target) == ESCAPE_PASS;
}

static void test_plain(void)
{
        struct escape_state s = {};
        const unsigned char bytes[] = { 'a', '0', '1', 's', 'p', 'q', '?', '\r', '\n', 0x00, 0x1b, 0x1c, 0x1e, 0x7f, 0xff };

        for (size_t i = 0; i < sizeof(bytes); i++) {
                target = NO_TARGET;
                if (!CHECK(escape_feed(&s, bytes[i], &target) == ESCAPE_PASS))
                        printf("#   byte 0x%02x\n", bytes[i]);
        }
}

static void test_switch(void)
{
        struct escape_state s = {};

        for (int k = 0; k <= 9; k++) {
                if (!CHECK(sequence(&s, (unsigned char) ('0' + k)) == ESCAPE_SWITCH && target == k))
                        printf("#   key '%d'\n", k);
        }
        CHECK(disarmed(&s));
        CHECK(sequence(&s, 'c') == ESCAPE_SWITCH && target == 0);
        CHECK(sequence(&s, 's') == ESCAPE_SWITCH && target == ESCAPE_TARGET_SERIAL);
        CHECK(disarmed(&s));
        CHECK(sequence(&s, 'S') == ESCAPE_SWITCH && target == ESCAPE_TARGET_SERIAL);
        CHECK(disarmed(&s));
}

static void test_commands(void)
{
        struct escape_state s = {};

        CHECK(sequence(&s, 'p') == ESCAPE_POWEROFF);
        CHECK(disarmed(&s));
        CHECK(sequence(&s, 'P') == ESCAPE_POWEROFF);
        CHECK(sequence(&s, 'q') == ESCAPE_QUIT);
        CHECK(disarmed(&s));
        CHECK(sequence(&s, 'Q') == ESCAPE_QUIT);
        CHECK(sequence(&s, '.') == ESCAPE_QUIT);
        CHECK(sequence(&s, '?') == ESCAPE_HELP);
        CHECK(disarmed(&s));
        CHECK(sequence(&s, 'h') == ESCAPE_HELP);
        CHECK(sequence(&s, 'H') == ESCAPE_HELP);
        CHECK(disarmed(&s));
}

static void test_literal_and_unknown(void)
{
        struct escape_state s = {};

        /* Ctrl-] Ctrl-]: the second one goes through, and only one. */
        CHECK(sequence(&s, ESCAPE_CHAR) == ESCAPE_PASS);
        CHECK(disarmed(&s));
        /* Ctrl-] Ctrl-] Ctrl-]: the third one arms again. */
        CHECK(sequence(&s, ESCAPE_CHAR) == ESCAPE_PASS);
        CHECK(escape_feed(&s, ESCAPE_CHAR, &target) == ESCAPE_SWALLOW);
        CHECK(escape_feed(&s, '2', &target) == ESCAPE_SWITCH && target == 2);

        const unsigned char unknown[] = { 'x', 'z', 'a', ' ', '\r', 0x1b, 0x00, 0xff };
        for (size_t i = 0; i < sizeof(unknown); i++) {
                if (!CHECK(sequence(&s, unknown[i]) == ESCAPE_SWALLOW))
                        printf("#   key 0x%02x\n", unknown[i]);
                CHECK(disarmed(&s));
        }
}

int main(void)
{
        test_plain();
        test_switch();
        test_commands();
        test_literal_and_unknown();
        return unit_done();
}
