/* mount-timer SOURCE TARGET FSTYPE RUNS: RUNS times mount(2) SOURCE on TARGET (nosuid,
 * nodev, as the helper mounts for the container) and unmount it; prints the median,
 * minimum and maximum time of the mount(2) calls in microseconds as key=value lines
 * (mount_us.median=...). Run inside the container (the helper makes the mount) and by
 * root on the host (the kernel alone), side by side: tests/bench/scratch.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>

static long long now_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int compare(const void *a, const void *b)
{
        long long x = *(const long long *) a, y = *(const long long *) b;
        return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
        if (argc != 5) {
                fprintf(stderr, "usage: %s SOURCE TARGET FSTYPE RUNS\n", argv[0]);
                return 2;
        }
        int runs = atoi(argv[4]);
        if (runs < 1 || runs > 10000)
                return 2;
        long long *t = calloc((size_t) runs, sizeof(*t));
        for (int i = 0; i < runs; i++) {
                long long start = now_us();
                if (mount(argv[1], argv[2], argv[3], MS_NOSUID | MS_NODEV, NULL) < 0) {
                        perror("mount");
                        return 1;
                }
                t[i] = now_us() - start;
                if (umount2(argv[2], 0) < 0) {
                        perror("umount");
                        return 1;
                }
        }
        qsort(t, (size_t) runs, sizeof(*t), compare);
        printf("mount_us.median=%lld\nmount_us.min=%lld\nmount_us.max=%lld\nmount_us.runs=%d\n",
               t[runs / 2], t[0], t[runs - 1], runs);
        return 0;
}
