/* elf_check_tree on a tree whose program and library are the input: the ELF header,
 * program headers, PT_INTERP, the dynamic section and its strings. */
#include "elfcheck.h"
#include "fuzz.h"

static void count_problem(void *userdata, const char *path, const char *problem)
{
        if (!path || !problem)
                abort();
        (*(size_t *) userdata)++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void) argc, (void) argv;
        fuzz_tree_create();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t problems = 0, checked = 0;

        fuzz_write("usr/bin/prog", data, size);
        fuzz_write("usr/lib/libfuzz.so.1", data, size);
        if (elf_check_tree(fuzz_tree, count_problem, &problems, &checked) < 0)
                abort();
        return 0;
}
