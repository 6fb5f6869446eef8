/* getty_from_unit_name: the names in an image's *.wants directories. */
#include "fuzz.h"
#include "gettys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char name[256];
        struct getty g;

        /* A directory entry's name: at most 255 bytes, no NUL. */
        if (size >= sizeof(name) || memchr(data, '\0', size))
                return 0;
        memcpy(name, data, size);
        name[size] = '\0';
        if (getty_from_unit_name(name, &g) == 0 && (!g.tty[0] || !memchr(g.tty, '\0', sizeof(g.tty))))
                abort();
        return 0;
}
