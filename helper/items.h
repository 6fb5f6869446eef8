/* The checks of a verdict as they are decided: each item is made once, complete
 * (status, one-line detail, excerpt), by whoever decides it, and handed to a sink:
 * the verdict's list on the host side, a probe's pipe inside the container. */
#pragma once

#include <stddef.h>

#include "report.h"

struct item_sink {
        void (*add)(void *userdata, const struct check_item *item);
        void *userdata;
};

/* Make an item (detail from fmt) and hand it to the sink. excerpt may be NULL or "". */
void item_add(const struct item_sink *sink, const char *name, enum check_status status, double seconds,
              const char *excerpt, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The verdict's list. */
struct item_list {
        struct check_item *items;
        size_t n;
};

struct item_sink item_list_sink(struct item_list *l);
size_t item_list_count(const struct item_list *l, enum check_status status);
void item_list_free(struct item_list *l);
