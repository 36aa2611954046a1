/*
 * fuzz_resume.c - a previous audit output (JSONL, possibly cut short by a
 * killed writer) through the --resume reader: audit_resume_parse directly,
 * and audit_resume_load over a file (which also cuts the unfinished line).
 *
 * The reader lives in the CLI (analyzer/cli/audit_input.c), which the core
 * library does not hold, so its source is compiled into this target.
 * Checked: no crash or leak, a reference is never both done and retried, and
 * the file reader agrees with the memory reader and leaves the file ending on
 * a newline (or empty).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/audit_input.c"
#include "fuzz.h"

static void same_sets(const audit_strset *a, const audit_strset *b)
{
    if (a->n != b->n)
        abort();
    for (size_t i = 0; i < a->cap; i++)
        if (a->slots[i] && !audit_strset_has(b, a->slots[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    audit_resume_set mem = {0}, file = {0};
    ls_error err = {0};
    const char *path;
    struct stat st;
    size_t complete = size;
    while (complete > 0 && data[complete - 1] != '\n')
        complete--;
    if (audit_resume_parse((const char *)data, size, &mem) != 0)
        goto out; /* out of memory */
    for (size_t i = 0; i < mem.done.cap; i++)
        if (mem.done.slots[i] && audit_strset_has(&mem.failed, mem.done.slots[i]))
            abort();
    path = fuzz_temp_file(data, size);
    if (audit_resume_load(path, &file, &err) != 0)
        abort(); /* a regular file we own always loads */
    same_sets(&mem.done, &file.done);
    same_sets(&mem.failed, &file.failed);
    if (stat(path, &st) != 0 || (size_t)st.st_size != complete)
        abort();
out:
    audit_resume_set_free(&mem);
    audit_resume_set_free(&file);
    return 0;
}
