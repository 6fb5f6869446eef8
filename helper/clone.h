/* New processes in the caller's memory (CLONE_VM) instead of a copy of it.
 *
 * Why: on a virtual machine every page fault and every page table copied costs
 * tens of microseconds; a fork of the helper (a few MB mapped, seven libraries)
 * takes ~1 ms, its child first runs 1-3 ms later, and both then fault on each
 * page either writes. A child in the same memory starts within ~0.2 ms, and its
 * exec drops a reference instead of tearing an address space down.
 *
 * The rules of such a child: it runs fn on its own stack and ends with fn's
 * return value as exit status. Alongside the caller it may only make system
 * calls (no malloc, no stdio). While the caller waits for it (CLONE_VFORK: until
 * its exec or exit) it may call anything the caller could, but must leave alone
 * what the caller relies on afterwards (the environment, stdio buffers). */
#pragma once

#include <linux/sched.h>
#include <stddef.h>
#include <sys/types.h>

struct clone_stack {
        void *base;             /* lowest usable byte */
        size_t size;
        size_t guard_size;      /* the inaccessible page below base */
};

/* An mmap'd stack; free it once its child has exec'd or exited. -errno. */
int clone_stack_new(struct clone_stack *stack, size_t size);
void clone_stack_free(struct clone_stack *stack);

/* Where a child starts on it, for clone(2) (stacks grow down here). */
static inline void *clone_stack_top(const struct clone_stack *stack)
{
        return (char *) stack->base + stack->size;
}

/* clone3(2) has no libc wrapper that runs a function on a new stack; this is one
 * where the architecture allows (x86-64), for what only clone3 can do (a child
 * born in a cgroup). Elsewhere the child runs in a copy of the caller, as after
 * fork(), and the stack is not used. */
#if defined(__x86_64__)
#define CLONE3_CAN_SHARE_MEMORY 1
#else
#define CLONE3_CAN_SHARE_MEMORY 0
#endif

/* clone3(args), with CLONE_VM in args->flags only if CLONE3_CAN_SHARE_MEMORY, and
 * fn(arg) in the child. Returns the child's PID or -errno. */
pid_t clone3_run(struct clone_args *args, const struct clone_stack *stack, int (*fn)(void *), void *arg);
