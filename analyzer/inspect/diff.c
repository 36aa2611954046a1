/*
 * diff.c - what one layer did to the filesystem of the layers below it.
 *
 * The lower layers are replayed into a path table the way an overlay mount
 * stacks them (each layer's whiteouts and opaque directories first, then its
 * entries); layer i's entries are then classified against that table. The
 * table is a flat array searched linearly by prefix for deletions: layers
 * are small enough, and the code stays obvious. The result rests on every
 * layer 0..i, so each one's inventory goes back with it for the caller to
 * check against the image's digests before it trusts the diff.
 */
#include "inspect/inspect.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *path;
    int64_t size;
} fs_entry;

typedef struct {
    fs_entry *v;
    size_t n, cap;
    bool oom;
} fs_table;

/* one layer's actions, collected during its walk and applied after it */
typedef struct {
    ls_diff_item *items;
    size_t n, cap;
    bool oom;
} action_list;

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0)
        return path[0] == '/' && path[1] != '\0';
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static long fs_find(const fs_table *t, const char *path)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].path, path) == 0)
            return (long)i;
    return -1;
}

static void fs_remove_at(fs_table *t, size_t i)
{
    free(t->v[i].path);
    t->v[i] = t->v[--t->n];
}

/* Removes path itself (when self) and everything under it; counts what went. */
static void fs_remove(fs_table *t, const char *path, bool self, uint64_t *count, int64_t *bytes)
{
    for (size_t i = 0; i < t->n;) {
        if ((self && strcmp(t->v[i].path, path) == 0) || under(t->v[i].path, path)) {
            (*count)++;
            *bytes += t->v[i].size;
            fs_remove_at(t, i);
        } else {
            i++;
        }
    }
}

static void fs_put(fs_table *t, const char *path, int64_t size)
{
    long at = fs_find(t, path);
    if (at >= 0) {
        t->v[at].size = size;
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        fs_entry *v = realloc(t->v, cap * sizeof *v);
        if (!v) {
            t->oom = true;
            return;
        }
        t->v = v;
        t->cap = cap;
    }
    if (!(t->v[t->n].path = strdup(path))) {
        t->oom = true;
        return;
    }
    t->v[t->n++].size = size;
}

static int collect(void *ud, const ls_entry *e, ls_entry_data *data, ls_error *err)
{
    action_list *l = ud;
    ls_diff_item *it;
    (void)data;
    (void)err;
    if (e->type == LS_ENTRY_OTHER)
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ls_diff_item *v = realloc(l->items, cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        }
        l->items = v;
        l->cap = cap;
    }
    it = &l->items[l->n];
    memset(it, 0, sizeof *it);
    it->type = e->type;
    it->size = e->type == LS_ENTRY_FILE || e->type == LS_ENTRY_HARDLINK ? e->size : 0;
    it->kind = e->type == LS_ENTRY_WHITEOUT ? LS_DIFF_DELETED : e->type == LS_ENTRY_OPAQUE ? LS_DIFF_HIDDEN
                                                                                           : LS_DIFF_ADDED;
    if (!(it->path = strdup(e->path)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    l->n++;
    return 0;
}

static void actions_free(action_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].path);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* Applies one layer's actions to t (deletions first, then additions),
 * classifying each against what t held before. */
static void apply(fs_table *t, action_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        ls_diff_item *it = &l->items[k];
        if (it->kind == LS_DIFF_DELETED || it->kind == LS_DIFF_HIDDEN) {
            int64_t bytes = 0;
            fs_remove(t, it->path, it->kind == LS_DIFF_DELETED, &it->count, &bytes);
            it->size = bytes;
        }
    }
    for (size_t k = 0; k < l->n; k++) {
        ls_diff_item *it = &l->items[k];
        if (it->kind == LS_DIFF_DELETED || it->kind == LS_DIFF_HIDDEN)
            continue;
        if (fs_find(t, it->path) >= 0)
            it->kind = LS_DIFF_CHANGED;
        fs_put(t, it->path, it->size);
    }
}

int ls_inspect_diff(ls_source *src, size_t i, ls_diff **out, ls_error *err)
{
    fs_table t = {0};
    action_list l = {0};
    ls_layer_inventory *inv = NULL;
    int rc = 0;
    *out = NULL;
    if (i >= ls_source_image(src)->n_layers)
        return ls_inspect_walk(src, i, NULL, NULL, &(ls_layer_inventory){0}, err); /* its "no layer" error */
    if (!(inv = calloc(i + 1, sizeof *inv)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k <= i && rc == 0; k++) {
        actions_free(&l);
        rc = ls_inspect_walk(src, k, collect, &l, &inv[k], err);
        if (rc != 0)
            break;
        apply(&t, &l); /* layer i's items come out classified against layers 0..i-1 */
        if (t.oom || l.oom)
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (rc == 0) {
        ls_diff *d = malloc(sizeof *d);
        if (!d) {
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        } else {
            d->items = l.items;
            d->n = l.n;
            d->layers = inv;
            d->n_layers = i + 1;
            inv = NULL;
            l.items = NULL;
            l.n = 0;
            *out = d;
        }
    }
    actions_free(&l);
    free(inv);
    for (size_t k = 0; k < t.n; k++)
        free(t.v[k].path);
    free(t.v);
    return rc;
}

void ls_diff_free(ls_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        free(d->items[i].path);
    free(d->items);
    free(d->layers);
    free(d);
}

const char *ls_diff_kind_name(ls_diff_kind k)
{
    static const char *const names[] = {"added", "changed", "deleted", "hidden"};
    return (size_t)k < sizeof names / sizeof *names ? names[k] : "?";
}
