/* Messages of the helper on stderr, prefixed "rescue-spawn: ".
 * While the user's terminal is in raw mode, lines end in CR LF. */
#pragma once

#include <stdbool.h>

enum log_level {
        LOG_LEVEL_ERROR,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level level);
void log_set_raw_terminal(bool raw);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A status line that the next one (or any message) replaces; only on a terminal. */
void log_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_status_clear(void);
