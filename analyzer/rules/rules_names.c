/*
 * rules_names.c - the spelling of severities, confidences and categories,
 * both ways.
 *
 * The JSON files, the reports and the CLI all use these exact lowercase words;
 * one table per enum keeps them from drifting apart.
 */
#include <string.h>

#include "layerscan/rules.h"

static const char *const severity_names[] = { "low", "medium", "high", "critical" };
static const char *const confidence_names[] = { "low", "medium", "high" };
static const char *const category_names[] = { "secret", "tamper", "hygiene", "provenance" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *ls_severity_name(ls_severity s)
{
    return (size_t)s < COUNT(severity_names) ? severity_names[s] : "unknown";
}

const char *ls_confidence_name(ls_confidence c)
{
    return (size_t)c < COUNT(confidence_names) ? confidence_names[c] : "unknown";
}

const char *ls_category_name(ls_category c)
{
    return (size_t)c < COUNT(category_names) ? category_names[c] : "unknown";
}

static int lookup(const char *const *names, size_t n, const char *s)
{
    size_t i;
    if (!s)
        return -1;
    for (i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

int ls_severity_parse(const char *s, ls_severity *out)
{
    int i = lookup(severity_names, COUNT(severity_names), s);
    if (i < 0)
        return -1;
    *out = (ls_severity)i;
    return 0;
}

int ls_confidence_parse(const char *s, ls_confidence *out)
{
    int i = lookup(confidence_names, COUNT(confidence_names), s);
    if (i < 0)
        return -1;
    *out = (ls_confidence)i;
    return 0;
}

int ls_category_parse(const char *s, ls_category *out)
{
    int i = lookup(category_names, COUNT(category_names), s);
    if (i < 0)
        return -1;
    *out = (ls_category)i;
    return 0;
}
