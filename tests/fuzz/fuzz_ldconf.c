/* elf_check_tree on a tree whose /etc/ld.so.conf and one file it may include are the
 * input, with a real program (this machine's /bin/true) whose libraries are searched in
 * the directories they name. */
#include "elfcheck.h"
#include "fuzz.h"

static void ignore_problem(void *userdata, const char *path, const char *problem)
{
        (void) userdata, (void) path, (void) problem;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void) argc, (void) argv;
        fuzz_tree_create();
        fuzz_copy_in("/bin/true", "bin/true");
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t checked = 0;

        fuzz_write("etc/ld.so.conf", data, size);
        fuzz_write("etc/ld.so.conf.d/fuzz.conf", data, size);
        if (elf_check_tree(fuzz_tree, ignore_problem, NULL, &checked) < 0)
                abort();
        return 0;
}
