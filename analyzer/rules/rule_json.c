/*
 * rule_json.c - strict parsing of one rule object (see patterns/README.md).
 *
 * Strict on purpose: a typo in a key ("min_entorpy") would otherwise silently
 * disable a check, so every key must be known, every required key present and
 * every value of the right type. Messages name the file, the rule id and the
 * problem, because rule authors read them, not programmers.
 */
#include "rules/rule_json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where we are, for error messages. */
typedef struct {
    const char *origin;
    const char *label;   /* the rule id, or "#N" */
    ls_error *err;
} parse_ctx;

static int fail(const parse_ctx *pc, const char *key, const char *problem)
{
    if (key)
        return ls_error_set(pc->err, LS_ERR_FORMAT, "%s: rule %s: %s: %s", pc->origin,
                            pc->label, key, problem);
    return ls_error_set(pc->err, LS_ERR_FORMAT, "%s: rule %s: %s", pc->origin, pc->label,
                        problem);
}

static int nomem(const parse_ctx *pc)
{
    return ls_error_set(pc->err, LS_ERR_NOMEM, "%s: rule %s: out of memory", pc->origin,
                        pc->label);
}

static bool is_kebab(const char *s)
{
    bool prev_dash = true; /* no leading dash */
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s == '-') {
            if (prev_dash)
                return false;
            prev_dash = true;
        } else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) {
            prev_dash = false;
        } else {
            return false;
        }
    }
    return !prev_dash; /* no trailing dash */
}

static bool has_upper(const char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            return true;
    return false;
}

/* A non-empty JSON string, duplicated into *out. */
static int take_string(const parse_ctx *pc, const char *key, const json_t *v, char **out)
{
    if (!json_is_string(v))
        return fail(pc, key, "must be a string");
    if (json_string_length(v) == 0)
        return fail(pc, key, "must not be empty");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fail(pc, key, "must not contain NUL");
    if (!(*out = strdup(json_string_value(v))))
        return nomem(pc);
    return 0;
}

static void free_strings(char **v, size_t n)
{
    size_t i;
    for (i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* An array of non-empty strings; min_items 0 or 1. */
static int take_strings(const parse_ctx *pc, const char *key, const json_t *v, size_t min_items,
                        char ***out, size_t *n_out)
{
    size_t i, n;
    char **items;
    if (!json_is_array(v))
        return fail(pc, key, "must be an array of strings");
    n = json_array_size(v);
    if (n < min_items)
        return fail(pc, key, "must have at least one item");
    if (n == 0)
        return 0;
    if (!(items = calloc(n, sizeof *items)))
        return nomem(pc);
    for (i = 0; i < n; i++) {
        if (take_string(pc, key, json_array_get(v, i), &items[i]) < 0) {
            free_strings(items, n);
            return -1;
        }
    }
    *out = items;
    *n_out = n;
    return 0;
}

static int key_title(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    return take_string(pc, key, v, &r->title);
}

static int key_regex(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    return take_string(pc, key, v, &r->regex);
}

static int key_severity(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    if (!json_is_string(v) || ls_severity_parse(json_string_value(v), &r->severity) < 0)
        return fail(pc, key, "must be one of critical, high, medium, low");
    return 0;
}

static int key_confidence(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    if (!json_is_string(v) || ls_confidence_parse(json_string_value(v), &r->confidence) < 0)
        return fail(pc, key, "must be one of high, medium, low");
    return 0;
}

static int key_keywords(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    size_t i;
    if (take_strings(pc, key, v, 0, &r->keywords, &r->n_keywords) < 0)
        return -1;
    for (i = 0; i < r->n_keywords; i++)
        if (has_upper(r->keywords[i]))
            return fail(pc, key, "must be lowercase");
    return 0;
}

static int key_min_entropy(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    double x;
    if (!json_is_number(v))
        return fail(pc, key, "must be a number");
    x = json_number_value(v);
    if (!isfinite(x) || x < 0.0 || x > 8.0)
        return fail(pc, key, "must be between 0 and 8 (bits per byte)");
    r->min_entropy = x;
    return 0;
}

static int key_path_include(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    return take_strings(pc, key, v, 0, &r->path_include, &r->n_path_include);
}

static int key_path_exclude(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    return take_strings(pc, key, v, 0, &r->path_exclude, &r->n_path_exclude);
}

static int key_references(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    return take_strings(pc, key, v, 0, &r->references, &r->n_references);
}

static int key_category(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    if (!json_is_string(v) || ls_category_parse(json_string_value(v), &r->category) < 0)
        return fail(pc, key, "must be one of secret, tamper, hygiene, provenance");
    return 0;
}

/* "scans": ["files", "history", "config"], some of them, each once. */
static int key_scans(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    static const struct { const char *name; unsigned bit; } where[] = {
        {"files", LS_SCANS_FILES}, {"history", LS_SCANS_HISTORY}, {"config", LS_SCANS_CONFIG}};
    size_t i, k;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(pc, key, "must be a non-empty array of \"files\", \"history\", \"config\"");
    r->scans = 0;
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *item = json_array_get(v, i);
        for (k = 0; k < sizeof where / sizeof *where; k++)
            if (json_is_string(item) && strcmp(json_string_value(item), where[k].name) == 0)
                break;
        if (k == sizeof where / sizeof *where)
            return fail(pc, key, "items must be \"files\", \"history\" or \"config\"");
        if (r->scans & where[k].bit)
            return fail(pc, key, "an item is listed twice");
        r->scans |= where[k].bit;
    }
    return 0;
}

/* "structural": true - the rule is a check written in C (analyzer/tamper):
 * no regex, its examples are the check's unit tests. */
static int key_structural(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    if (!json_is_boolean(v))
        return fail(pc, key, "must be true or false");
    r->structural = json_is_true(v);
    return 0;
}

static int key_negatives(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    return take_strings(pc, key, v, 1, &r->negatives, &r->n_negatives);
}

/* One {"text": ..., "secret": ...} object; the secret must occur in the text. */
static int take_example(const parse_ctx *pc, const json_t *v, ls_rule_example *ex)
{
    const char *k;
    json_t *item;
    if (!json_is_object(v))
        return fail(pc, "examples", "each item must be an object with text and secret");
    json_object_foreach((json_t *)v, k, item) {
        if (strcmp(k, "text") == 0) {
            if (!ex->text && take_string(pc, "examples.text", item, &ex->text) < 0)
                return -1;
        } else if (strcmp(k, "secret") == 0) {
            if (!ex->secret && take_string(pc, "examples.secret", item, &ex->secret) < 0)
                return -1;
        } else {
            ls_error_set(pc->err, LS_ERR_FORMAT, "%s: rule %s: examples: unknown key \"%s\"",
                         pc->origin, pc->label, k);
            return -1;
        }
    }
    if (!ex->text || !ex->secret)
        return fail(pc, "examples", "each item needs both text and secret");
    if (!strstr(ex->text, ex->secret))
        return fail(pc, "examples", "secret does not occur in text");
    return 0;
}

static int key_examples(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r)
{
    size_t i, n;
    if (!json_is_array(v))
        return fail(pc, key, "must be an array of {text, secret} objects");
    if ((n = json_array_size(v)) == 0)
        return fail(pc, key, "must have at least one item");
    if (!(r->examples = calloc(n, sizeof *r->examples)))
        return nomem(pc);
    r->n_examples = n;
    for (i = 0; i < n; i++)
        if (take_example(pc, json_array_get(v, i), &r->examples[i]) < 0)
            return -1;
    return 0;
}

typedef int (*key_fn)(const parse_ctx *pc, const char *key, const json_t *v, ls_rule *r);

static const struct rule_key {
    const char *name;
    key_fn parse;   /* NULL for "id", handled first */
    bool required;
} rule_keys[] = {
    { "id", NULL, true },
    { "title", key_title, true },
    { "severity", key_severity, true },
    { "confidence", key_confidence, true },
    { "regex", key_regex, false },     /* required unless structural */
    { "keywords", key_keywords, false },
    { "min_entropy", key_min_entropy, false },
    { "path_include", key_path_include, false },
    { "path_exclude", key_path_exclude, false },
    { "references", key_references, false },
    { "category", key_category, false },
    { "scans", key_scans, false },
    { "structural", key_structural, false },
    { "examples", key_examples, false },   /* these two: required unless structural */
    { "negatives", key_negatives, false },
};

#define N_KEYS (sizeof rule_keys / sizeof rule_keys[0])

static const struct rule_key *find_key(const char *name)
{
    size_t i;
    for (i = 0; i < N_KEYS; i++)
        if (strcmp(rule_keys[i].name, name) == 0)
            return &rule_keys[i];
    return NULL;
}

/* The id comes first so every later message can name the rule. */
static int take_id(parse_ctx *pc, const json_t *obj, ls_rule *r)
{
    const json_t *v = json_object_get(obj, "id");
    if (!v)
        return fail(pc, NULL, "missing required key \"id\"");
    if (take_string(pc, "id", v, &r->id) < 0)
        return -1;
    if (!is_kebab(r->id))
        return fail(pc, "id", "must be kebab-case ([a-z0-9]+ joined by single dashes)");
    pc->label = r->id;
    return 0;
}

static int parse_keys(const parse_ctx *pc, const json_t *obj, ls_rule *r)
{
    const char *k;
    json_t *v;
    size_t i;
    json_object_foreach((json_t *)obj, k, v) {
        const struct rule_key *rk = find_key(k);
        if (!rk) {
            return ls_error_set(pc->err, LS_ERR_FORMAT, "%s: rule %s: unknown key \"%s\"",
                                pc->origin, pc->label, k);
        }
        if (rk->parse && rk->parse(pc, k, v, r) < 0)
            return -1;
    }
    for (i = 0; i < N_KEYS; i++) {
        bool required = rule_keys[i].required ||
                        (!r->structural && (strcmp(rule_keys[i].name, "regex") == 0 ||
                                            strcmp(rule_keys[i].name, "examples") == 0 ||
                                            strcmp(rule_keys[i].name, "negatives") == 0));
        if (required && !json_object_get(obj, rule_keys[i].name)) {
            return ls_error_set(pc->err, LS_ERR_FORMAT,
                                "%s: rule %s: missing required key \"%s\"", pc->origin,
                                pc->label, rule_keys[i].name);
        }
    }
    return 0;
}

/* "patterns/aws.json" -> "aws": one file per provider family, so the file
 * names the family (a user's own rules file names theirs). */
static char *family_of(const char *origin)
{
    const char *base = strrchr(origin, '/');
    size_t n;
    base = base ? base + 1 : origin;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".json") == 0)
        n -= 5;
    return strndup(base, n);
}

int ls_rule_parse(ls_rule *out, const json_t *obj, const char *origin, size_t index,
                  ls_error *err)
{
    char label[32];
    parse_ctx pc = { origin, label, err };
    snprintf(label, sizeof label, "#%zu", index);
    out->category = LS_CATEGORY_SECRET;
    out->scans = LS_SCANS_ALL;
    if (!json_is_object(obj))
        return fail(&pc, NULL, "must be a JSON object");
    if (take_id(&pc, obj, out) < 0 || parse_keys(&pc, obj, out) < 0)
        goto fail;
    if (out->structural && (out->regex || out->n_examples || out->n_negatives || out->n_keywords ||
                            out->min_entropy > 0)) {
        fail(&pc, "structural", "a structural rule has no regex, keywords, min_entropy, examples or negatives");
        goto fail;
    }
    if (!(out->scans & LS_SCANS_FILES) && out->n_path_include + out->n_path_exclude > 0) {
        fail(&pc, "scans", "path_include and path_exclude filter files: list \"files\" too");
        goto fail;
    }
    if (!(out->origin = strdup(origin)) || !(out->family = family_of(origin))) {
        nomem(&pc);
        goto fail;
    }
    return 0;
fail:
    ls_rule_clear(out);
    return -1;
}

void ls_rule_clear(ls_rule *r)
{
    size_t i;
    if (!r)
        return;
    free(r->id);
    free(r->title);
    free(r->regex);
    free_strings(r->keywords, r->n_keywords);
    free_strings(r->path_include, r->n_path_include);
    free_strings(r->path_exclude, r->n_path_exclude);
    free_strings(r->references, r->n_references);
    for (i = 0; r->examples && i < r->n_examples; i++) {
        free(r->examples[i].text);
        free(r->examples[i].secret);
    }
    free(r->examples);
    free_strings(r->negatives, r->n_negatives);
    free(r->origin);
    free(r->family);
    memset(r, 0, sizeof *r);
}
