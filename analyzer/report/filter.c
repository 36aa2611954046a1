/*
 * filter.c - see filter.h. Findings keep their relative order on both sides,
 * so a filtered report is still in the report's deterministic order.
 */
#include "report/filter.h"

#include <stdlib.h>

int ls_report_suppress(ls_report *r, ls_finding_pred pred, void *ctx, ls_error *err)
{
    const char **why;
    ls_suppressed *s;
    size_t moved = 0, kept = 0;
    if (r->n_findings == 0)
        return 0;
    if (!(why = calloc(r->n_findings, sizeof *why)))
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory filtering findings");
    for (size_t i = 0; i < r->n_findings; i++)
        if ((why[i] = pred(r, &r->findings[i], ctx)) != NULL)
            moved++;
    if (moved == 0) {
        free(why);
        return 0;
    }
    s = realloc(r->suppressed, (r->n_suppressed + moved) * sizeof *s);
    if (!s) {
        free(why);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory filtering findings");
    }
    r->suppressed = s;
    for (size_t i = 0; i < r->n_findings; i++) {
        if (why[i]) {
            s[r->n_suppressed].finding = r->findings[i];
            s[r->n_suppressed++].reason = why[i];
        } else {
            r->findings[kept++] = r->findings[i];
        }
    }
    r->n_findings = kept;
    free(why);
    return 0;
}
