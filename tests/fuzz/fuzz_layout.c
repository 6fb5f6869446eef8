/* layout_check and layout_scratch_disks: ReaR's disklayout.conf of an image, as the
 * readiness check and --scratch-layout read it. */
#include "fuzz.h"
#include "layout.h"

static void ignore_problem(void *userdata, const char *problem)
{
        if (!problem)
                abort();
        (void) userdata;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char filesystems[] = "nodev\tproc\n\text4\n\txfs\n\tbtrfs\nnodev\ttmpfs\n";
        const struct layout_program *programs[LAYOUT_PROGRAMS_MAX];
        struct scratch_spec specs[SCRATCH_MAX_DISKS];
        size_t n_programs = 0, count = 0;
        char error[1200];
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        (void) layout_check(text, size, programs, &n_programs, ignore_problem, NULL);
        if (n_programs > LAYOUT_PROGRAMS_MAX)
                abort();
        if (layout_scratch_disks(text, filesystems, specs, &count, SCRATCH_MAX_DISKS, error, sizeof(error)) == 0 &&
            count > SCRATCH_MAX_DISKS)
                abort();
        free(text);
        return 0;
}
