/*
 * facts.c - what the writers for people (text, HTML) print about a report
 * the same way: a layer's instruction and a size in binary units.
 */
#include <stdio.h>

#include "report/writer.h"

const char *ls_report_layer_instruction(const ls_report *r, long layer)
{
    long h;
    if (layer < 0 || (size_t)layer >= r->n_layers)
        return NULL;
    h = r->layers[layer].history;
    return h >= 0 && (size_t)h < r->n_history ? r->history[h].instruction : NULL;
}

void ls_report_human_size(uint64_t n, char *buf, size_t cap)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, cap, "%.1f %s", v, units[u]);
}
