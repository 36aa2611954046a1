/*
 * fuzz_nonsecret.c - the non-secret judgement and the path confidence
 * (detect/suppress.c) over any secret and path a scan could hand them: a
 * generic rule (every code, word, placeholder and digest check), token rules
 * and context rules, with the path and without one (image metadata).
 * Input: PATH NUL SECRET; without a NUL the whole input is the secret. The
 * secret may hold any byte and is copied to an exact-size buffer, so a read
 * past its end is caught.
 */
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "fuzz.h"

static const char *const ids[] = {"generic-password", "generic-secret", "github-pat", "uri-credentials",
                                  "http-basic-auth", "private-key", "mapbox-secret-token",
                                  "aws-session-token"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    char *path = NULL, *s;
    size_t plen = nul ? (size_t)(nul - data) : 0, slen = nul ? size - plen - 1 : size;
    if (size > 16384 || !slen)
        return 0;
    if (nul && (path = malloc(plen + 1)) != NULL) {
        memcpy(path, data, plen);
        path[plen] = '\0';
    }
    if ((s = malloc(slen)) != NULL) {
        memcpy(s, nul ? nul + 1 : data, slen);
        for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
            ls_rule r;
            memset(&r, 0, sizeof r);
            r.id = (char *)ids[i];
            r.confidence = LS_CONF_HIGH;
            (void)ls_detect_nonsecret(&r, s, slen, path);
            (void)ls_detect_nonsecret(&r, s, slen, NULL);
        }
        if (ls_detect_path_confidence(path, LS_CONF_HIGH) > LS_CONF_HIGH)
            abort();
        free(s);
    }
    free(path);
    return 0;
}
