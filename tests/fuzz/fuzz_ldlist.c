/* ldlist_parse_line: a line of the image's own loader's `--list` output, as the libraries
 * probe reads it (the loader and the names in it are the image's). */
#include "fuzz.h"
#include "libcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char buf[256];
        char *line = fuzz_text(data, size);

        if (!line)
                return 0;
        enum ldlist_line kind = ldlist_parse_line(line, buf, sizeof(buf));
        if (kind != LDLIST_OTHER && strnlen(buf, sizeof(buf)) == sizeof(buf))
                abort();
        free(line);
        return 0;
}
