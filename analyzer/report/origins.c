/*
 * origins.c - how many findings each origin has (pipeline/vendor.h), over
 * findings[] and suppressed[] alike: vendor and third-party findings are
 * suppressed by default and --include-vendor keeps them, and the text
 * writers say how many there were either way.
 */
#include "report/writer.h"

size_t ls_report_count_origin(const ls_report *r, ls_origin origin, long layer)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_findings; i++)
        n += r->findings[i].origin == origin && (layer < 0 || r->findings[i].layer == layer);
    for (size_t i = 0; i < r->n_suppressed; i++)
        n += r->suppressed[i].finding.origin == origin && (layer < 0 || r->suppressed[i].finding.layer == layer);
    return n;
}
