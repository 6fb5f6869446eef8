/* The last bytes a terminal printed: replayed when the user switches to it,
 * searched for prompts and quoted in reports. */
#pragma once

#include <stddef.h>

#define RING_SIZE 16384

struct ring {
        size_t len;
        char data[RING_SIZE];
};

void ring_append(struct ring *r, const char *bytes, size_t n);
/* The last at most max bytes, starting after a line break when there is one. */
const char *ring_tail(const struct ring *r, size_t max, size_t *len);
