/*
 * fuzz_history.c - created_by strings (build args, #(nop), buildkit
 * suffixes) through the instruction cleaner and the ENV setter lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pipeline/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char **args = NULL;
    size_t n = 0;
    ls_history_report h;
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&h, 0, sizeof h);
    h.instruction = ls_history_clean(text, &args, &n);
    h.build_args = args;
    h.n_build_args = n;
    if (h.instruction) {
        ls_history_find_setter(&h, 1, "ENV", "TOKEN");
        ls_history_find_setter(&h, 1, "CMD", NULL);
    }
    free(h.instruction);
    for (size_t i = 0; i < n; i++)
        free(args[i]);
    free(args);
    free(text);
    return 0;
}
