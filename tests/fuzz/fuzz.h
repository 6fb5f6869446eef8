/* Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): each hands bytes the image could
 * hold (or, for the probes' records, bytes a process inside the container could send) to
 * one parser that reads them as root on the host's side, as a plain function over a
 * buffer. What a target needs besides libFuzzer's entry point. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A NUL-terminated copy of the input (the parsers read text); NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        if (text) {
                memcpy(text, data, size);
                text[size] = '\0';
        }
        return text;
}
