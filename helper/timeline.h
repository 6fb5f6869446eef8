#pragma once

/* Where the helper's start goes: when each of its steps ended, on the monotonic clock,
 * said in one line with -v once init runs:
 *   "start: 412 us make the user namespace; 55 us enter the cgroups of its limits; ..."
 * The start's wall time on a virtual machine swings by a factor of two from one run to
 * the next, so what a change costs (the limits, the uid range: issue 13) cannot be read
 * from it; each step's median over many runs can ("make bench" adds them up:
 * tests/bench/versus.sh). PID 1 marks its steps as well: until its exec it runs in the
 * helper's memory while the helper waits (clone.h); where it cannot, its steps count as
 * part of "execute init". Only the helper's main thread and PID 1 mark, never at once. */

void timeline_mark(const char *step);
void timeline_log(long long start_us);
