/* Terminal output as a person reads it: lines of text without escape sequences
 * (colours, cursor moves, titles), split at newlines; a long line is cut into pieces. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX_BYTES 512

struct line_reader {
        enum { LINE_TEXT, LINE_ESC, LINE_CSI, LINE_OSC } state;
        char partial[LINE_MAX_BYTES];   /* the unfinished last line, NUL-terminated */
        size_t len;
};

/* Feeds n bytes; calls on_line for every complete line (without its newline). After
 * it returns, partial holds what follows the last newline (a prompt has none). */
void line_reader_feed(struct line_reader *r, const char *bytes, size_t n,
                      void (*on_line)(void *userdata, const char *line), void *userdata);

/* Whether n bytes of terminal output show any text: not only escape sequences, blanks
 * and control characters. */
bool lines_have_text(const char *bytes, size_t n);

/* Copies n bytes of terminal output to out (size bytes, NUL-terminated; its end when too
 * long), each line cut where noise starts (and the escape sequence before it), and the
 * lines left without text dropped: what one program writes into another's conversation. */
void lines_without(const char *bytes, size_t n, const char *noise, char *out, size_t size);
