/* exec-stamp FD PROGRAM [ARG...]: write the CLOCK_MONOTONIC microsecond (8 bytes,
 * native order) to FD, close it, and exec PROGRAM. measure.py starts the helper
 * through it to count the helper's overhead from its exec: a small static program,
 * so that what its own exec and teardown cost stays out of the figure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct timespec now;

        if (argc < 3) {
                fprintf(stderr, "usage: exec-stamp FD PROGRAM [ARG...]\n");
                return 2;
        }
        int fd = atoi(argv[1]);
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t us = (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
        if (write(fd, &us, sizeof(us)) != sizeof(us))
                return 127;
        close(fd);
        execv(argv[2], argv + 2);
        perror(argv[2]);
        return 127;
}
