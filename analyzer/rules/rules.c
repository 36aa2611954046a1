/*
 * rules.c - the rule set: an ordered list of rules loaded from patterns/.
 *
 * Order matters (a rule's index is its Hyperscan id and the key reports use),
 * so files of a directory load sorted by name and a rule that redefines an id
 * replaces the old one in place. Each file loads all-or-nothing: a bad rule
 * leaves the set exactly as it was before that file.
 */
#include "layerscan/rules.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "rules/rule_json.h"

struct ls_ruleset {
    ls_rule *rules;   /* rules[0..n) in load order */
    size_t n;
    size_t cap;
};

ls_ruleset *ls_ruleset_new(void)
{
    return calloc(1, sizeof(ls_ruleset));
}

void ls_ruleset_free(ls_ruleset *rs)
{
    size_t i;
    if (!rs)
        return;
    for (i = 0; i < rs->n; i++)
        ls_rule_clear(&rs->rules[i]);
    free(rs->rules);
    free(rs);
}

size_t ls_ruleset_count(const ls_ruleset *rs)
{
    return rs ? rs->n : 0;
}

const ls_rule *ls_ruleset_get(const ls_ruleset *rs, size_t i)
{
    return rs && i < rs->n ? &rs->rules[i] : NULL;
}

long ls_ruleset_find(const ls_ruleset *rs, const char *id)
{
    size_t i;
    if (!rs || !id)
        return -1;
    for (i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (long)i;
    return -1;
}

int ls_ruleset_disable(ls_ruleset *rs, const char *id)
{
    long i = ls_ruleset_find(rs, id);
    if (i < 0)
        return -1;
    ls_rule_clear(&rs->rules[i]);
    memmove(&rs->rules[i], &rs->rules[i + 1], (rs->n - (size_t)i - 1) * sizeof *rs->rules);
    rs->n--;
    return 0;
}

static int reserve(ls_ruleset *rs, size_t extra)
{
    size_t cap = rs->cap ? rs->cap : 16;
    ls_rule *v;
    while (cap < rs->n + extra)
        cap *= 2;
    if (cap == rs->cap)
        return 0;
    if (!(v = realloc(rs->rules, cap * sizeof *v)))
        return -1;
    rs->rules = v;
    rs->cap = cap;
    return 0;
}

static void free_parsed(ls_rule *v, size_t n)
{
    size_t i;
    for (i = 0; v && i < n; i++)
        ls_rule_clear(&v[i]);
    free(v);
}

/* Parses every element of the file's array; ids must be unique in the file. */
static int parse_array(const json_t *arr, const char *path, ls_rule **out, size_t *n_out,
                       ls_error *err)
{
    size_t i, j, n = json_array_size(arr);
    ls_rule *v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
    for (i = 0; i < n; i++) {
        if (ls_rule_parse(&v[i], json_array_get(arr, i), path, i, err) < 0)
            goto fail;
        for (j = 0; j < i; j++) {
            if (strcmp(v[j].id, v[i].id) == 0) {
                ls_error_set(err, LS_ERR_FORMAT, "%s: rule %s: duplicate id (rules #%zu and #%zu)",
                             path, v[i].id, j, i);
                goto fail;
            }
        }
    }
    *out = v;
    *n_out = n;
    return 0;
fail:
    free_parsed(v, n);
    return -1;
}

/* Moves parsed rules into the set: a known id is replaced in place. */
static void merge(ls_ruleset *rs, ls_rule *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        long at = ls_ruleset_find(rs, v[i].id);
        if (at >= 0) {
            ls_rule_clear(&rs->rules[at]);
            rs->rules[at] = v[i];
        } else {
            rs->rules[rs->n++] = v[i];
        }
    }
}

static int load_file(ls_ruleset *rs, const char *path, ls_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    ls_rule *v = NULL;
    size_t n = 0;
    int rc = -1;
    if (!root) {
        if (json_error_code(&jerr) == json_error_cannot_open_file)
            return ls_error_set(err, LS_ERR_IO, "%s: %s", path, jerr.text);
        return ls_error_set(err, LS_ERR_FORMAT, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                            jerr.text);
    }
    if (!json_is_array(root)) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: top level must be a JSON array of rules", path);
        goto out;
    }
    if (parse_array(root, path, &v, &n, err) < 0)
        goto out;
    if (reserve(rs, n) < 0) {
        free_parsed(v, n);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    merge(rs, v, n);
    free(v);
    rc = 0;
out:
    json_decref(root);
    return rc;
}

static int has_json_suffix(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names of dir, sorted; *out is NULL-free on error. */
static int list_json(const char *dir, char ***out, size_t *n_out, ls_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (!d)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (!has_json_suffix(de->d_name))
            continue;
        if (n == cap) {
            char **nv = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof *nv);
            if (!nv)
                goto nomem;
            names = nv;
        }
        if (!(names[n] = strdup(de->d_name)))
            goto nomem;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *n_out = n;
    return 0;
nomem:
    closedir(d);
    while (n)
        free(names[--n]);
    free(names);
    return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", dir);
}

static int load_dir(ls_ruleset *rs, const char *dir, ls_error *err)
{
    char **names = NULL;
    size_t i, n = 0;
    int rc = 0;
    if (list_json(dir, &names, &n, err) < 0)
        return -1;
    for (i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        if (!path) {
            rc = ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        rc = load_file(rs, path, err);
        free(path);
    }
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int ls_ruleset_load(ls_ruleset *rs, const char *path, ls_error *err)
{
    struct stat st;
    if (!rs || !path)
        return ls_error_set(err, LS_ERR_USAGE, "rules: no rule set or path");
    if (stat(path, &st) < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return load_dir(rs, path, err);
    return load_file(rs, path, err);
}
