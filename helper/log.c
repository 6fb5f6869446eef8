#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;
static bool raw_terminal;
static bool status_shown;

void log_set_level(enum log_level level)
{
        max_level = level;
}

void log_set_raw_terminal(bool raw)
{
        raw_terminal = raw;
}

static void log_v(enum log_level level, const char *fmt, va_list ap)
{
        if (level > max_level)
                return;
        /* One fprintf per line so that messages of parallel processes do not interleave. */
        char line[1024];
        vsnprintf(line, sizeof(line), fmt, ap);
        log_status_clear();
        fprintf(stderr, "rescue-spawn: %s%s", line, raw_terminal ? "\r\n" : "\n");
}

#define DEFINE_LOG(name, level)                         \
        void name(const char *fmt, ...)                 \
        {                                               \
                va_list ap;                             \
                va_start(ap, fmt);                      \
                log_v(level, fmt, ap);                  \
                va_end(ap);                             \
        }

DEFINE_LOG(log_error, LOG_LEVEL_ERROR)
DEFINE_LOG(log_info, LOG_LEVEL_INFO)
DEFINE_LOG(log_debug, LOG_LEVEL_DEBUG)

void log_status(const char *fmt, ...)
{
        char line[256];
        va_list ap;

        if (max_level < LOG_LEVEL_INFO || raw_terminal || !isatty(STDERR_FILENO))
                return;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        fprintf(stderr, "\r\033[Krescue-spawn: %s", line);
        fflush(stderr);
        status_shown = true;
}

void log_status_clear(void)
{
        if (!status_shown)
                return;
        fputs("\r\033[K", stderr);
        status_shown = false;
}
