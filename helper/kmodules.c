#include <stdio.h>
#include <string.h>

#include "kmodules.h"

/* Iterates the lines of text: fn gets each line, NUL-terminated, in a scratch buffer. */
static int foreach_line(const char *text, size_t len, int (*fn)(void *userdata, char *line), void *userdata)
{
        char line[4096];

        for (size_t off = 0; off < len; ) {
                const char *nl = memchr(text + off, '\n', len - off);
                size_t line_len = (nl ? (size_t) (nl - text) : len) - off;
                snprintf(line, sizeof(line), "%.*s", (int) line_len, text + off);
                off += line_len + 1;
                int r = fn(userdata, line);
                if (r != 0)
                        return r;
        }
        return 0;
}

struct word_context {
        int (*fn)(void *userdata, const char *word);
        void *userdata;
};

static int dep_line(void *userdata, char *line)
{
        struct word_context *ctx = userdata;
        char *colon = strchr(line, ':');

        if (!colon)
                return 0;
        *colon = ' ';
        for (char *save = NULL, *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                int r = ctx->fn(ctx->userdata, w);
                if (r != 0)
                        return r;
        }
        return 0;
}

int kmod_dep_foreach(const char *text, size_t len, int (*fn)(void *userdata, const char *path), void *userdata)
{
        struct word_context ctx = { .fn = fn, .userdata = userdata };
        return foreach_line(text, len, dep_line, &ctx);
}

static int load_line(void *userdata, char *line)
{
        struct word_context *ctx = userdata;
        char *save = NULL, *w = strtok_r(line, " \t\r", &save);

        if (!w || w[0] == '#' || w[0] == ';')
                return 0;
        return ctx->fn(ctx->userdata, w);
}

int kmod_load_list_foreach(const char *text, size_t len, int (*fn)(void *userdata, const char *name), void *userdata)
{
        struct word_context ctx = { .fn = fn, .userdata = userdata };
        return foreach_line(text, len, load_line, &ctx);
}

void kmod_name(const char *path_or_name, char *buf, size_t size)
{
        const char *base = strrchr(path_or_name, '/');
        base = base ? base + 1 : path_or_name;
        const char *ko = strstr(base, ".ko");
        size_t n = ko ? (size_t) (ko - base) : strlen(base);

        snprintf(buf, size, "%.*s", (int) n, base);
        for (char *p = buf; *p; p++)
                if (*p == '-')
                        *p = '_';
}

struct listed_context {
        const char *name;
        bool found;
};

static int listed_line(void *userdata, char *line)
{
        struct listed_context *ctx = userdata;
        char *colon = strchr(line, ':'), name[256];

        if (colon)
                *colon = '\0';
        kmod_name(line, name, sizeof(name));
        ctx->found = line[0] && strcmp(name, ctx->name) == 0;
        return ctx->found;
}

bool kmod_listed(const char *text, size_t len, const char *name)
{
        char wanted[256];
        kmod_name(name, wanted, sizeof(wanted));
        struct listed_context ctx = { .name = wanted };
        foreach_line(text, len, listed_line, &ctx);
        return ctx.found;
}
