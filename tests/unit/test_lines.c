/* lines.c: terminal output to text lines without escape sequences. */
#include <stdio.h>
#include <string.h>

#include "lines.h"
#include "unit.h"

static char got[8][LINE_MAX_BYTES];
static int n_got;

static void collect(void *userdata, const char *line)
{
        (void) userdata;
        if (n_got < 8)
                snprintf(got[n_got++], sizeof(got[0]), "%s", line);
}

static void feed(struct line_reader *r, const char *text)
{
        line_reader_feed(r, text, strlen(text), collect, NULL);
}

int main(void)
{
        struct line_reader r = {};

        /* systemd's coloured status line, split over two reads in the middle of an escape */
        feed(&r, "[\033[0;1;38;5;185mDEPEND\033[0m] Dependency failed for \033[0;1;3");
        CHECK(n_got == 0);
        feed(&r, "9mpoweroff.target\033[0m - Power-Off.\r\n");
        CHECK(n_got == 1);
        CHECK(strcmp(got[0], "[DEPEND] Dependency failed for poweroff.target - Power-Off.") == 0);

        /* a prompt without newline stays in partial */
        feed(&r, "\033[H\033[Jrescue login: ");
        CHECK(n_got == 1);
        CHECK(strcmp(r.partial, "rescue login: ") == 0);
        CHECK(r.len == strlen("rescue login: "));
        feed(&r, "\n");
        CHECK(n_got == 2 && strcmp(got[1], "rescue login: ") == 0);
        CHECK(r.len == 0 && r.partial[0] == '\0');

        /* an OSC title ended by BEL, a tab kept, other control characters dropped */
        feed(&r, "\033]0;title\007a\tb\001c\n");
        CHECK(n_got == 3 && strcmp(got[2], "a\tbc") == 0);

        /* a line longer than the buffer is cut into pieces, nothing is lost */
        char longline[LINE_MAX_BYTES + 10];
        memset(longline, 'x', sizeof(longline) - 1);
        longline[sizeof(longline) - 1] = '\0';
        n_got = 0;
        feed(&r, longline);
        CHECK(n_got == 1);
        CHECK(strlen(got[0]) == LINE_MAX_BYTES - 1);
        CHECK(r.len == sizeof(longline) - 1 - (LINE_MAX_BYTES - 1));
        feed(&r, "\n");
        CHECK(n_got == 2 && strlen(got[1]) == sizeof(longline) - 1 - (LINE_MAX_BYTES - 1));
        CHECK(r.state == LINE_TEXT);

        /* what systemd 257 writes to a getty's terminal before it starts it: no text */
        static const char reset[] = "\033[r\033[H\033[3J\033c\033[r\033[H\033[3J\033c\r\n \t";
        CHECK(!lines_have_text(reset, strlen(reset)));
        CHECK(!lines_have_text("", 0));
        static const char prompt[] = "\033[r\033[H\033[3J\033cvm login: ";
        CHECK(lines_have_text(prompt, strlen(prompt)));
        CHECK(lines_have_text("x\n", 2));

        /* systemd 257's notify chatter after a select menu's prompt is cut away */
        static const char menu[] = "1) eth0\r\n2) eth1\r\nChoose: \033[0;38:5:245mNotify message sent to 'x': \"STATUS=1\"\033[0m\r\n"
                                   "\r\n\033[0;38:5:245mNotify message sent to 'x': \"STATUS=2\"\033[0m\r\n";
        char out[64];
        lines_without(menu, strlen(menu), "Notify message sent to ", out, sizeof(out));
        CHECK(strcmp(out, "1) eth0\r\n2) eth1\r\nChoose: ") == 0);
        char small[9];
        lines_without(menu, strlen(menu), "Notify message sent to ", small, sizeof(small));
        CHECK(strcmp(small, "Choose: ") == 0);
        lines_without("", 0, "Notify", small, sizeof(small));
        CHECK(small[0] == '\0');
        return unit_done();
}
