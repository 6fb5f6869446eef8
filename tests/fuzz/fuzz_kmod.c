/* The kernel module lists of an image: modules.dep, /etc/modules and modules-load.d,
 * modules.builtin (kmod_dep_foreach, kmod_load_list_foreach, kmod_listed, kmod_name). */
#include "fuzz.h"
#include "kmodules.h"

static int each_name(void *userdata, const char *name)
{
        char buf[256];
        kmod_name(name, buf, sizeof(buf));
        (*(size_t *) userdata)++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t n = 0;
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        (void) kmod_dep_foreach(text, size, each_name, &n);
        (void) kmod_load_list_foreach(text, size, each_name, &n);
        (void) kmod_listed(text, size, "virtio_blk");
        free(text);
        return 0;
}
