#include <string.h>

#include "ring.h"

void ring_append(struct ring *r, const char *bytes, size_t n)
{
        if (n >= RING_SIZE) {
                memcpy(r->data, bytes + n - RING_SIZE, RING_SIZE);
                r->len = RING_SIZE;
                return;
        }
        if (r->len + n > RING_SIZE) {
                size_t drop = r->len + n - RING_SIZE;
                memmove(r->data, r->data + drop, r->len - drop);
                r->len -= drop;
        }
        memcpy(r->data + r->len, bytes, n);
        r->len += n;
}

const char *ring_tail(const struct ring *r, size_t max, size_t *len)
{
        const char *start = r->data;
        size_t n = r->len;

        if (n > max) {
                start = r->data + (n - max);
                n = max;
                const char *nl = start[-1] == '\n' ? NULL : memchr(start, '\n', n);
                if (nl) {
                        n -= (size_t) (nl + 1 - start);
                        start = nl + 1;
                }
        }
        *len = n;
        return start;
}
