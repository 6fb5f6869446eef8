/* probe_records_deliver: the records a probe sends from inside the container, which the
 * helper decodes on the host's side. A process of the image could write anything there. */
#include "fuzz.h"
#include "probes.h"

static void check_item(void *userdata, const struct check_item *item)
{
        if (!item->name || !item->detail || item->status < CHECK_OK || item->status > CHECK_WARN)
                abort();
        (*(size_t *) userdata)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t delivered = 0;
        struct item_sink sink = { .add = check_item, .userdata = &delivered };

        if (probe_records_deliver((const char *) data, size, &sink) < delivered)
                abort();
        return 0;
}
