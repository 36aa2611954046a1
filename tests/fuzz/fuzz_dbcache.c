/*
 * fuzz_dbcache.c - the compiled-rules cache loader (ls_dbcache_decode) on
 * hostile bytes: the header, Hyperscan's own deserializer and the example
 * check behind it.
 *
 * The rules are the bundled github.json alone (a database of a few KB, so
 * seeds stay small). Input: one mode byte, then the entry. Mode bit 0 set:
 * the harness appends the XXH3-128 checksum (anyone can compute it; this is
 * what gets the fuzzer past it into Hyperscan and the example check); clear:
 * the input is the whole file. A database that loads must pass the example
 * check again (it is the one these rules compile to, as far as they can
 * tell).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "fuzz.h"
#include "match/dbcache.h"

static ls_ruleset *rules;

static void release(void)
{
    ls_ruleset_free(rules);
}

static const ls_ruleset *github_rules(void)
{
    ls_error err = {0};
    char path[4096];
    const char *dir = getenv("LAYERSCAN_PATTERNS");
    if (rules)
        return rules;
    snprintf(path, sizeof path, "%s/github.json", dir ? dir : LAYERSCAN_DEFAULT_PATTERNS);
    if (!(rules = ls_ruleset_new()) || ls_ruleset_load(rules, path, &err) != 0) {
        fprintf(stderr, "fuzz: cannot load %s: %s\n", path, err.msg);
        abort();
    }
    atexit(release);
    return rules;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ls_ruleset *rs = github_rules();
    unsigned char *buf;
    size_t len;
    hs_database_t *db;
    if (size < 1 || size > (4u << 20))
        return 0;
    if (!(buf = malloc(size + 16)))
        return 0;
    memcpy(buf, data + 1, size - 1);
    len = size - 1;
    if (data[0] & 1) {
        XXH128_canonical_t sum;
        XXH128_canonicalFromHash(&sum, XXH3_128bits(buf, len));
        memcpy(buf + len, sum.digest, 16);
        len += 16;
    }
    if ((db = ls_dbcache_decode(buf, len, rs)) != NULL) {
        if (!ls_dbcache_verify(db, rs))
            abort();
        hs_free_database(db);
    }
    free(buf);
    return 0;
}
