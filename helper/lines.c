#include <string.h>

#include "lines.h"

static void emit(struct line_reader *r, void (*on_line)(void *userdata, const char *line), void *userdata)
{
        r->partial[r->len] = '\0';
        on_line(userdata, r->partial);
        r->len = 0;
}

void line_reader_feed(struct line_reader *r, const char *bytes, size_t n,
                      void (*on_line)(void *userdata, const char *line), void *userdata)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char) bytes[i];
                switch (r->state) {
                case LINE_ESC:
                        r->state = ch == '[' ? LINE_CSI : ch == ']' ? LINE_OSC : LINE_TEXT;
                        continue;
                case LINE_CSI:
                        if (ch >= 0x40 && ch <= 0x7e)
                                r->state = LINE_TEXT;
                        continue;
                case LINE_OSC:
                        if (ch == 0x07 || ch == 0x1b)
                                r->state = LINE_TEXT;
                        continue;
                case LINE_TEXT:
                        break;
                }
                if (ch == 0x1b) {
                        r->state = LINE_ESC;
                } else if (ch == '\n') {
                        emit(r, on_line, userdata);
                } else if (ch >= 0x20 || ch == '\t') {
                        if (r->len == sizeof(r->partial) - 1)
                                emit(r, on_line, userdata);
                        r->partial[r->len++] = (char) ch;
                }
        }
        r->partial[r->len] = '\0';
}

static void note_text(void *userdata, const char *line)
{
        if (line[strspn(line, " \t")])
                *(bool *) userdata = true;
}

bool lines_have_text(const char *bytes, size_t n)
{
        struct line_reader r = {};
        bool text = false;

        line_reader_feed(&r, bytes, n, note_text, &text);
        return text || r.partial[strspn(r.partial, " \t")];
}
