/* unit_exec_program: the program a systemd unit file of the image runs (ExecStart=). */
#include "fuzz.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char buf[4096];
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (unit_exec_program(text, size, buf, sizeof(buf)) >= 0 && !memchr(buf, '\0', sizeof(buf)))
                abort();
        free(text);
        return 0;
}
