#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clone.h"
#include "util.h"

int clone_stack_new(struct clone_stack *stack, size_t size)
{
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        /* One inaccessible page below: an overflow faults instead of writing into
         * whatever the kernel mapped there. */
        char *mapping = mmap(NULL, page + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

        if (mapping == MAP_FAILED)
                return negative_errno();
        if (mprotect(mapping, page, PROT_NONE) < 0) {
                int r = negative_errno();
                munmap(mapping, page + size);
                return r;
        }
        *stack = (struct clone_stack) { .base = mapping + page, .size = size, .guard_size = page };
        return 0;
}

void clone_stack_free(struct clone_stack *stack)
{
        if (stack->base)
                munmap((char *) stack->base - stack->guard_size, stack->guard_size + stack->size);
        *stack = (struct clone_stack) {};
}

#if CLONE3_CAN_SHARE_MEMORY
/* The child starts on the new stack right after the syscall instruction, so it
 * must not return through any frame of the caller's: it calls fn and exits. */
static long clone3_on_stack(struct clone_args *args, int (*fn)(void *), void *arg)
{
        register int (*child_fn)(void *) __asm__("r12") = fn;
        register void *child_arg __asm__("r13") = arg;
        long ret;

        __asm__ volatile(
                "syscall\n\t"
                "test %%rax, %%rax\n\t"
                "jnz 1f\n\t"
                "xor %%ebp, %%ebp\n\t"          /* the child: the outermost frame */
                "mov %%r13, %%rdi\n\t"
                "call *%%r12\n\t"
                "mov %%eax, %%edi\n\t"
                "mov %[sys_exit], %%eax\n\t"
                "syscall\n\t"
                "hlt\n"
                "1:"
                : "=a"(ret)
                : "a"((long) SYS_clone3), "D"(args), "S"(sizeof(*args)), "r"(child_fn), "r"(child_arg),
                  [sys_exit] "i"(SYS_exit)
                : "rcx", "r11", "memory");
        return ret;
}
#endif

pid_t clone3_run(struct clone_args *args, const struct clone_stack *stack, int (*fn)(void *), void *arg)
{
        if (args->flags & CLONE_VM) {
#if CLONE3_CAN_SHARE_MEMORY
                /* mmap'd, so 16-byte aligned at the top as the ABI wants at a call. */
                args->stack = (unsigned long) stack->base;
                args->stack_size = stack->size;
                return (pid_t) clone3_on_stack(args, fn, arg);  /* the kernel's -errno as is */
#else
                (void) stack;
                return -EINVAL;
#endif
        }
        pid_t pid = (pid_t) syscall(SYS_clone3, args, sizeof(*args));
        if (pid < 0)
                return negative_errno();
        if (pid == 0)
                _exit(fn(arg));
        return pid;
}
