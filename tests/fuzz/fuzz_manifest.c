/*
 * fuzz_manifest.c - arbitrary bytes through every metadata parser: OCI
 * index/manifest, Docker manifest.json, image config. The first byte picks
 * the parser so one corpus covers all three.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "source/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ls_error err = {0};
    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: {
        ls_manifest_doc doc;
        memset(&doc, 0, sizeof doc);
        if (ls_manifest_parse(&doc, "fuzz", data + 1, size - 1, &err) == 0)
            ls_manifest_doc_free(&doc);
        break;
    }
    case 1: {
        ls_docker_manifest m;
        memset(&m, 0, sizeof m);
        if (ls_manifest_parse_docker(&m, "fuzz", data + 1, size - 1, &err) == 0)
            ls_manifest_docker_free(&m);
        break;
    }
    default: {
        ls_image *img = calloc(1, sizeof *img);
        if (!img)
            return 0;
        ls_manifest_parse_config(img, "fuzz", data + 1, size - 1, &err);
        ls_image_free(img);
        break;
    }
    }
    return 0;
}
