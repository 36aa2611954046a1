/*
 * fuzz_tarindex.c - the outer tar index (source/tarindex.c) over arbitrary
 * bytes: the header walk (checksums, octal and base-256 numbers, PAX and GNU
 * long names and links, the read window), the marker-only walk that decides
 * whether a bare tar is an image archive (with its early stop), lookups
 * following hard and symbolic links inside the archive, and name
 * normalisation. Every found member must lie inside the file.
 *
 * The input is a file (the index reads with pread): a memfd, or a temporary
 * file where memfd_create is missing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "source/tarindex.h"

static int input_fd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_tarindex", MFD_CLOEXEC);
    if (fd >= 0) {
        size_t done = 0;
        while (done < size) {
            ssize_t k = write(fd, data + done, size - done);
            if (k <= 0)
                abort();
            done += (size_t)k;
        }
        return fd;
    }
    return open(fuzz_temp_file(data, size), O_RDONLY | O_CLOEXEC);
}

/* The member must be a regular file whose data is inside the input. */
static void check_member(const ls_tar_member *m, size_t size)
{
    if (!m)
        return;
    if (m->type != '0' || !m->name || m->offset > size || m->size > size - m->offset)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const markers[] = {"manifest.json", "index.json", "oci-layout", "repositories", NULL};
    static const char *const stop[] = {"etc", "usr", "bin", NULL};
    static const char *const probes[] = {"manifest.json", "index.json", "oci-layout", "a", "a/b",
                                         "blobs/sha256/x", "../x", "./a/../b", NULL};
    ls_tarindex *t = NULL;
    ls_error err = {0};
    char name[LS_TAR_MAX_NAME + 1], norm[LS_TAR_MAX_NAME + 1];
    int fd = input_fd(data, size);
    if (fd < 0)
        abort();

    if (ls_tarindex_build(&t, fd, "fuzz.tar", &err) == 0) {
        (void)ls_tarindex_problem(t);
        (void)ls_tarindex_count(t);
        for (size_t i = 0; probes[i]; i++)
            check_member(ls_tarindex_find(t, probes[i]), size);
        /* names the input itself holds: the first header's, and the text of
         * the second block (a PAX record or a long name) */
        for (size_t off = 0; off + 100 <= size && off <= 1024; off += 512) {
            memcpy(name, data + off, 100);
            name[100] = '\0';
            check_member(ls_tarindex_find(t, name), size);
        }
        ls_tarindex_free(t);
        t = NULL;
    }

    ls_error_clear(&err);
    if (ls_tarindex_build_only(&t, fd, "fuzz.tar", markers, stop, &err) == 0) {
        for (size_t i = 0; markers[i]; i++)
            check_member(ls_tarindex_find(t, markers[i]), size);
        ls_tarindex_free(t);
    }

    /* normalisation of an arbitrary name */
    {
        size_t n = size < LS_TAR_MAX_NAME ? size : LS_TAR_MAX_NAME;
        memcpy(name, data, n);
        name[n] = '\0';
        if (ls_tar_normalise(name, norm, sizeof norm) == 0 &&
            (norm[0] == '/' || strncmp(norm, "../", 3) == 0 || strcmp(norm, "..") == 0))
            abort();
    }
    close(fd);
    return 0;
}
