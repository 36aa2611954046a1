/*
 * test_sniff.c - the one compression sniff (blob/sniff.h) that layer blobs
 * and nested files share: each magic, gzip only with method 8, heads too
 * short for their magic, and the nested sniff agreeing with it.
 */
#include "check.h"
#include "blob/sniff.h"
#include "layer/nested.h"

#define S(lit) ls_sniff((const unsigned char *)(lit), sizeof(lit) - 1)
#define N(lit) ls_nested_sniff((const unsigned char *)(lit), sizeof(lit) - 1, NULL)

int main(void)
{
    CHECK_INT(S("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"), LS_SNIFF_GZIP);
    CHECK_INT(S("\x1f\x8b\x08"), LS_SNIFF_GZIP);
    CHECK_INT(S("\x1f\x8b\x09\x00"), LS_SNIFF_NONE); /* no such gzip method */
    CHECK_INT(S("\x1f\x8b"), LS_SNIFF_NONE);
    CHECK_INT(S("\x28\xb5\x2f\xfd"), LS_SNIFF_ZSTD);
    CHECK_INT(S("\x28\xb5\x2f"), LS_SNIFF_NONE);
    CHECK_INT(S("BZh91AY&SY"), LS_SNIFF_BZIP2);
    CHECK_INT(S("BZh9\x17rE8P\x90"), LS_SNIFF_BZIP2);
    CHECK_INT(S("BZh01AY&SY"), LS_SNIFF_NONE);
    CHECK_INT(S("BZh91AY&S"), LS_SNIFF_NONE);
    CHECK_INT(S("\xfd" "7zXZ\0"), LS_SNIFF_XZ);
    CHECK_INT(S("\xfd" "7zXZ"), LS_SNIFF_NONE);
    CHECK_INT(S("ustar and more"), LS_SNIFF_NONE);
    CHECK_INT(ls_sniff(NULL, 0), LS_SNIFF_NONE);
    /* the nested sniff says the same of every compressed head */
    CHECK_INT(N("\x1f\x8b\x08\x00"), LS_NESTED_GZIP);
    CHECK_INT(N("\x1f\x8b\x09\x00"), LS_NESTED_NONE);
    CHECK_INT(N("\x28\xb5\x2f\xfd"), LS_NESTED_ZSTD);
    CHECK_INT(N("BZh91AY&SY"), LS_NESTED_BZIP2);
    CHECK_INT(N("\xfd" "7zXZ\0"), LS_NESTED_XZ);
    CHECK_DONE();
}
