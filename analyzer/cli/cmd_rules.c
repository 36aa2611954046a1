/*
 * cmd_rules.c - `layerscan rules list|test`: the rule library and its
 * self-test through the real engine.
 *
 * `rules list --format json` is the coverage listing other tools read: one
 * object per rule with its family and whether an offline validator knows
 * its format. That is decided by running the validator on the rule's own
 * first example (a verdict other than "none" means it recognises the
 * shape), so the listing can never claim a validator the scanner lacks.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/failure.h"
#include "detect/detect.h"
#include "match/matcher.h"
#include "rules/selftest.h"

/* "checksum", "structure" or NULL: what the validator proves about this
 * rule's secrets, judged on its first example. Sets *oom when memory ran
 * out before it could tell. */
static const char *validation_kind(const ls_rule *r, bool *oom)
{
    ls_confidence conf;
    ls_validation v;
    const char *s;
    if (!r->n_examples)
        return NULL;
    s = r->examples[0].secret;
    if (ls_detect_validate(r, s, strlen(s), &v, &conf) != 0) {
        *oom = true;
        return NULL;
    }
    switch (v) {
    case LS_VALIDATION_CHECKSUM_VALID:
    case LS_VALIDATION_CHECKSUM_INVALID: return "checksum";
    case LS_VALIDATION_STRUCTURE_VALID: return "structure";
    default: return NULL;
    }
}

static json_t *strings_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* Where the rule looks, as the rule files spell it. */
static json_t *scans_json(unsigned scans)
{
    json_t *a = json_array();
    if (a && (scans & LS_SCANS_FILES) && json_array_append_new(a, json_string("files")) != 0)
        goto fail;
    if (a && (scans & LS_SCANS_HISTORY) && json_array_append_new(a, json_string("history")) != 0)
        goto fail;
    if (a && (scans & LS_SCANS_CONFIG) && json_array_append_new(a, json_string("config")) != 0)
        goto fail;
    return a;
fail:
    json_decref(a);
    return NULL;
}

static json_t *rule_json(const ls_rule *r)
{
    bool oom = false;
    const char *v = validation_kind(r, &oom);
    json_t *j = oom ? NULL : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", r->id, "title", r->title,
                          "family", r->family, "category", ls_category_name(r->category), "severity",
                          ls_severity_name(r->severity), "confidence", ls_confidence_name(r->confidence),
                          "validation", v ? json_string(v) : json_null(), "references",
                          strings_json(r->references, r->n_references), "path_include",
                          strings_json(r->path_include, r->n_path_include), "scans", scans_json(r->scans));
    if (j && json_object_set_new(j, "structural", json_boolean(r->structural)) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int list_json(const ls_ruleset *rs, ls_error *err)
{
    json_t *a = json_array();
    int rc = -1;
    for (size_t i = 0; a && i < ls_ruleset_count(rs); i++)
        if (json_array_append_new(a, rule_json(ls_ruleset_get(rs, i))) != 0)
            goto out;
    if (a && json_dumpf(a, stdout, JSON_INDENT(1) | JSON_ENSURE_ASCII) == 0 && fputc('\n', stdout) != EOF)
        rc = 0;
out:
    json_decref(a);
    if (rc != 0)
        ls_error_set(err, LS_ERR_NOMEM, "rules list: out of memory");
    return rc;
}

static void list_text(const ls_ruleset *rs)
{
    for (size_t i = 0; i < ls_ruleset_count(rs); i++) {
        const ls_rule *r = ls_ruleset_get(rs, i);
        printf("%-40s %-8s %-6s %-16s %s\n", r->id, ls_severity_name(r->severity),
               ls_confidence_name(r->confidence), r->family, r->title);
    }
}

int cli_cmd_rules(const cli_opts *o, const char *what)
{
    ls_error err = {0};
    ls_ruleset *rs;
    ls_matcher *m = NULL;
    int status = EXIT_ERROR;
    if (!(rs = cli_load_rules(o, &err)))
        goto out;
    if (strcmp(what, "list") == 0) {
        if (strcmp(o->format, "json") == 0) {
            if (list_json(rs, &err) != 0)
                goto out;
        } else if (strcmp(o->format, "text") == 0) {
            list_text(rs);
        } else {
            ls_error_set(&err, LS_ERR_USAGE, "rules list --format %s: expected text or json", o->format);
            goto out;
        }
        status = EXIT_CLEAN;
    } else if (strcmp(what, "test") == 0) {
        size_t failed;
        if (ls_matcher_new(&m, rs, &err) != 0)
            goto out;
        failed = ls_rules_selftest(m, stdout, o->verbose, &err);
        if (failed == (size_t)-1)
            goto out;
        size_t code = 0;
        for (size_t i = 0; i < ls_ruleset_count(rs); i++)
            code += ls_ruleset_get(rs, i)->structural;
        if (code)
            printf("%zu rules, %zu passed, %zu failed, %zu structural (code: unit-tested, not here)\n",
                   ls_ruleset_count(rs), ls_ruleset_count(rs) - code - failed, failed, code);
        else
            printf("%zu rules, %zu passed, %zu failed\n", ls_ruleset_count(rs), ls_ruleset_count(rs) - failed,
                   failed);
        status = failed ? EXIT_FINDINGS : EXIT_CLEAN;
    } else {
        ls_error_set(&err, LS_ERR_USAGE, "rules %s: expected list or test", what);
    }
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&err));
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    return status;
}

