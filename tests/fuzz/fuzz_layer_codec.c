/*
 * fuzz_layer_codec.c - the layer result cache's entry decoder
 * (ls_layer_codec_decode) on hostile bytes behind a valid tag: whoever holds
 * the cache key, or a bug that wrote a bad entry, must not crash the reader.
 *
 * Input: one mode byte, then the entry. Mode bit 0 clear: the harness writes
 * the header (magic, format, version, the bundled rules' hash, a fixed
 * digest, the rule count) so every input reaches the body parser whatever the
 * rules are today; set: the input is the whole entry, header included. Bit 1
 * clear: the HMAC-SHA-256 tag is appended under the harness's key (the entry
 * is authentic); set: the last 32 bytes are the tag as given (refused unless
 * the fuzzer forges HMAC-SHA-256). A decoded entry must encode again and
 * decode to the same counts.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pipeline/layer_codec.h"

static ls_ruleset *g_rules;

static void release(void)
{
    ls_ruleset_free(g_rules);
}

/* The bundled rules, loaded once (not compiled: the codec only checks ids). */
static const ls_ruleset *bundled_rules(void)
{
    ls_error err = {0};
    const char *dir = getenv("LAYERSCAN_PATTERNS");
    if (g_rules)
        return g_rules;
    if (!(g_rules = ls_ruleset_new()) ||
        ls_ruleset_load(g_rules, dir ? dir : LAYERSCAN_DEFAULT_PATTERNS, &err) != 0) {
        fprintf(stderr, "fuzz: cannot load rules: %s\n", err.msg);
        abort();
    }
    atexit(release);
    return g_rules;
}

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
static const unsigned char KEY[32] = "layerscan-fuzz-key-0123456789abc";

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* str: u32 length, bytes */
static size_t put_str(unsigned char *p, const char *s)
{
    size_t n = strlen(s);
    put_u32(p, (uint32_t)n);
    memcpy(p + 4, s, n);
    return 4 + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const ls_ruleset *rules = bundled_rules();
    static char hash[65]; /* the rules' hash, computed once */
    ls_layer_codec_key key = {.digest = DIGEST, .rules_hash = hash, .mac_key = KEY, .mac_key_len = sizeof KEY};
    unsigned char *buf, *again = NULL;
    size_t len = 0, again_len = 0;
    unsigned int tag_len = 0;
    ls_layer_result r, back;
    if (size < 1 || size > (1u << 20))
        return 0;
    if (!hash[0])
        ls_ruleset_hash(rules, hash);
    if (!(buf = malloc(size + 512)))
        return 0;
    if (!(data[0] & 1)) {
        memcpy(buf, "LSLAYER\0", 8);
        put_u32(buf + 8, LS_LAYER_CODEC_FORMAT);
        len = 12;
        len += put_str(buf + len, LAYERSCAN_VERSION);
        len += put_str(buf + len, hash);
        len += put_str(buf + len, DIGEST);
        put_u32(buf + len, (uint32_t)ls_ruleset_count(rules));
        len += 4;
    }
    memcpy(buf + len, data + 1, size - 1);
    len += size - 1;
    if (!(data[0] & 2)) {
        if (!HMAC(EVP_sha256(), KEY, sizeof KEY, buf, len, buf + len, &tag_len) || tag_len != 32)
            abort();
        len += 32;
    }
    if (ls_layer_codec_decode(buf, len, rules, &key, 3, &r) == 0) {
        /* what decodes is a clean result of this digest: it encodes, and the
         * encoding decodes to the same */
        if (!ls_layer_codec_cacheable(&r, &key) || ls_layer_codec_encode(&r, rules, &key, &again, &again_len) != 0)
            abort();
        if (ls_layer_codec_decode(again, again_len, rules, &key, 3, &back) != 0 ||
            back.findings.n != r.findings.n || ls_fs_layer_size(back.fs) != ls_fs_layer_size(r.fs) ||
            back.bytes_scanned != r.bytes_scanned || strcmp(back.info.diff_id, r.info.diff_id) != 0)
            abort();
        ls_layer_result_free(&back);
        free(again);
        ls_layer_result_free(&r);
    }
    free(buf);
    return 0;
}
