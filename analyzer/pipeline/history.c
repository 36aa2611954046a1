/*
 * history.c - cleaning created_by strings and mapping history to layers.
 */
#include "pipeline/history.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SHELL_PREFIX "/bin/sh -c "
#define NOP_PREFIX "#(nop)"
#define BUILDKIT_SUFFIX " # buildkit"

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static char *dup_range(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static bool is_arg_start(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    while (isalnum((unsigned char)*s) || *s == '_')
        s++;
    return *s == '=';
}

/* Splits "A=1 B=x y C=2" into assignments: a new one starts at a space
 * followed by NAME=, so values holding spaces survive. */
static int split_args(const char *s, size_t n, char ***args, size_t *n_args)
{
    size_t i = 0, start = 0, count = 0;
    char **list = NULL;
    while (i <= n) {
        bool boundary = (i == n) || (s[i] == ' ' && i + 1 < n && is_arg_start(s + i + 1));
        if (boundary) {
            if (i > start) {
                char **grown = realloc(list, (count + 1) * sizeof *list);
                if (!grown)
                    goto oom;
                list = grown;
                if (!(list[count] = dup_range(s + start, i - start)))
                    goto oom;
                count++;
            }
            start = i + 1;
        }
        i++;
    }
    *args = list;
    *n_args = count;
    return 0;
oom:
    for (size_t k = 0; k < count; k++)
        free(list[k]);
    free(list);
    return -1;
}

/* "|2 A=1 B=2 /bin/sh -c CMD": returns a pointer to "/bin/sh -c CMD" (or to
 * whatever follows the args) and collects the args. */
static const char *strip_build_args(const char *s, char ***args, size_t *n_args)
{
    const char *p, *shell;
    if (*s != '|' || !isdigit((unsigned char)s[1]))
        return s;
    p = s + 1;
    while (isdigit((unsigned char)*p))
        p++;
    p = skip_space(p);
    shell = strstr(p, SHELL_PREFIX);
    if (!shell)
        return s;
    if (args && split_args(p, (size_t)(shell - p) ? (size_t)(shell - p) - 1 : 0, args, n_args) != 0)
        return NULL;
    return shell;
}

char *ls_history_clean(const char *created_by, char ***args, size_t *n_args)
{
    const char *s;
    size_t len;
    bool run = false;
    char *out;
    if (args) {
        *args = NULL;
        *n_args = 0;
    }
    if (!created_by)
        return dup_range("", 0);
    s = skip_space(created_by);
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len >= strlen(BUILDKIT_SUFFIX) &&
        memcmp(s + len - strlen(BUILDKIT_SUFFIX), BUILDKIT_SUFFIX, strlen(BUILDKIT_SUFFIX)) == 0)
        len -= strlen(BUILDKIT_SUFFIX);
    {
        char *work = dup_range(s, len), *w;
        const char *p;
        if (!work)
            return NULL;
        p = work;
        if (starts_with(p, "RUN ")) {
            run = true;
            p = skip_space(p + 4);
        }
        w = (char *)strip_build_args(p, args, n_args);
        if (!w) {
            free(work);
            return NULL;
        }
        if (w != p)
            run = true;
        p = w;
        if (starts_with(p, SHELL_PREFIX)) {
            p = skip_space(p + strlen(SHELL_PREFIX));
            if (starts_with(p, NOP_PREFIX)) {
                p = skip_space(p + strlen(NOP_PREFIX));
                run = false;
            } else {
                run = true;
            }
        }
        len = strlen(p);
        out = malloc(len + 5);
        if (out) {
            strcpy(out, run ? "RUN " : "");
            strcat(out, p);
        }
        free(work);
    }
    return out;
}

bool ls_history_map(const ls_image *img, ls_history_report *out, long *layer_history, bool *oom)
{
    size_t owners = 0, next = 0;
    bool match;
    *oom = false;
    for (size_t i = 0; i < img->n_history; i++)
        if (!img->history[i].empty_layer)
            owners++;
    match = img->has_config && owners == img->n_layers;
    for (size_t i = 0; i < img->n_layers; i++)
        layer_history[i] = -1;
    for (size_t i = 0; i < img->n_history; i++) {
        ls_history_report *h = &out[i];
        h->index = (long)i;
        h->instruction = ls_history_clean(img->history[i].created_by, &h->build_args, &h->n_build_args);
        if (!h->instruction)
            *oom = true;
        h->layer = -1;
        if (match && !img->history[i].empty_layer) {
            h->layer = (long)next;
            layer_history[next] = (long)i;
            next++;
        }
    }
    return match;
}

/* Does "ENV A=1 B=2" / "ENV A 1" set key? */
static bool sets_key(const char *args, const char *key)
{
    size_t klen = strlen(key);
    const char *p = args;
    if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t'))
        return true; /* legacy "ENV KEY value" */
    for (; *p; p++) {
        if ((p == args || p[-1] == ' ') && strncmp(p, key, klen) == 0 && p[klen] == '=')
            return true;
        if ((p == args || p[-1] == ' ') && *p == '"' && strncmp(p + 1, key, klen) == 0 &&
            p[klen + 1] == '"' && p[klen + 2] == '=')
            return true;
    }
    return false;
}

long ls_history_find_setter(const ls_history_report *h, size_t n, const char *keyword, const char *key)
{
    size_t kwlen = strlen(keyword);
    for (size_t i = n; i-- > 0;) {
        const char *ins = h[i].instruction;
        if (!ins || strncmp(ins, keyword, kwlen) != 0 || ins[kwlen] != ' ')
            continue;
        if (!key || sets_key(skip_space(ins + kwlen), key))
            return (long)i;
    }
    return -1;
}

void ls_history_report_free(ls_history_report *h, size_t n)
{
    if (!h)
        return;
    for (size_t i = 0; i < n; i++) {
        free(h[i].instruction);
        for (size_t k = 0; k < h[i].n_build_args; k++)
            free(h[i].build_args[k]);
        free(h[i].build_args);
    }
    free(h);
}
