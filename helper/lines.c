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

/* Appends len bytes to out (size bytes), dropping its start when full: the end is kept. */
static void append_tail(char *out, size_t size, size_t *used, const char *bytes, size_t len)
{
        if (len >= size) {
                bytes += len - (size - 1);
                len = size - 1;
        }
        if (*used + len >= size) {
                size_t drop = *used + len - (size - 1);
                memmove(out, out + drop, *used - drop);
                *used -= drop;
        }
        memcpy(out + *used, bytes, len);
        *used += len;
        out[*used] = '\0';
}

void lines_without(const char *bytes, size_t n, const char *noise, char *out, size_t size)
{
        size_t used = 0, noise_len = strlen(noise);

        out[0] = '\0';
        for (const char *line = bytes, *end = bytes + n; line < end;) {
                const char *nl = memchr(line, '\n', (size_t) (end - line));
                size_t len = nl ? (size_t) (nl - line) + 1 : (size_t) (end - line);
                const char *cut = memmem(line, len, noise, noise_len);
                if (cut) {
                        /* the colour that starts systemd's message goes with it */
                        for (const char *esc = cut; esc > line && cut - esc < 24; esc--)
                                if (*esc == 0x1b) {
                                        cut = esc;
                                        break;
                                }
                        len = (size_t) (cut - line);
                }
                if (lines_have_text(line, len))
                        append_tail(out, size, &used, line, len);
                line += nl ? (size_t) (nl - line) + 1 : (size_t) (end - line);
        }
}
