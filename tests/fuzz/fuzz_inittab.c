/* gettys_from_inittab: which terminals an image's /etc/inittab starts a getty on. */
#include "fuzz.h"
#include "gettys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        struct getty out[MAX_GETTYS];

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        size_t n = gettys_from_inittab(text, out, 0, MAX_GETTYS);
        for (size_t i = 0; i < n; i++)
                if (!memchr(out[i].tty, '\0', sizeof(out[i].tty)) || !out[i].tty[0])
                        abort();
        free(text);
        return 0;
}
