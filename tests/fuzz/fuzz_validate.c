/*
 * fuzz_validate.c - the offline validators (detect/validate.c and
 * validate_key.c) over any secret a rule could capture: every validator
 * chosen by rule id, and the prefix-dispatched ones (GitHub/npm CRC, GitLab
 * routable tokens, base58check, bech32, JWT, PyPI macaroons, PEM/OpenSSH/
 * PuTTY/PGP keys in every encoding) through a rule of no special id. A
 * verdict is one of the four, the confidence one of the three; never a crash
 * or an out-of-bounds read (the secret is copied to an exact-size buffer).
 */
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "fuzz.h"

static const char *const ids[] = {
    "any-rule", "atlassian-datacenter-pat", "azure-ad-client-secret", "azure-apim-identifiable-key",
    "azure-batch-key", "azure-common-annotated-key", "azure-cosmosdb-key", "azure-devops-pat",
    "azure-devops-pat-v2", "azure-event-grid-key", "azure-function-key", "azure-service-bus-key",
    "azure-storage-account-key", "azure-storage-identifiable-key", "bitwarden-machine-account-token",
    "crypto-wif-private-key", "grafana-api-key", "npm-yarn-auth-ident", "private-key",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    if (size > 16384 || !(s = malloc(size ? size : 1)))
        return 0;
    memcpy(s, data, size);
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
        ls_rule r;
        ls_confidence conf = LS_CONF_LOW;
        ls_validation v;
        memset(&r, 0, sizeof r);
        r.id = (char *)ids[i];
        r.confidence = LS_CONF_MEDIUM;
        v = LS_VALIDATION_NONE;
        if (ls_detect_validate(&r, s, size, &v, &conf) != 0)
            abort(); /* the fuzzer's allocations do not fail */
        if ((int)v < LS_VALIDATION_NONE || v > LS_VALIDATION_STRUCTURE_VALID || (int)conf < LS_CONF_LOW ||
            conf > LS_CONF_HIGH)
            abort();
    }
    free(s);
    return 0;
}
