#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "items.h"

void item_add(const struct item_sink *sink, const char *name, enum check_status status, double seconds,
              const char *excerpt, const char *fmt, ...)
{
        char detail[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        struct check_item item = {
                .name = (char *) name,
                .status = status,
                .detail = detail,
                .excerpt = excerpt && *excerpt ? (char *) excerpt : NULL,
                .seconds = seconds,
        };
        sink->add(sink->userdata, &item);
}

static void list_add(void *userdata, const struct check_item *item)
{
        struct item_list *l = userdata;
        struct check_item *items = realloc(l->items, (l->n + 1) * sizeof(*items));

        if (!items)
                return;
        l->items = items;
        items[l->n++] = (struct check_item) {
                .name = strdup(item->name),
                .status = item->status,
                .detail = strdup(item->detail ?: ""),
                .excerpt = item->excerpt ? strdup(item->excerpt) : NULL,
                .seconds = item->seconds,
        };
}

struct item_sink item_list_sink(struct item_list *l)
{
        return (struct item_sink) { .add = list_add, .userdata = l };
}

size_t item_list_count(const struct item_list *l, enum check_status status)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                n += l->items[i].status == status;
        return n;
}

void item_list_free(struct item_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].name);
                free(l->items[i].detail);
                free(l->items[i].excerpt);
        }
        free(l->items);
        *l = (struct item_list) {};
}
