/*
 * sniff.c - compression by magic number (see sniff.h). The magics are
 * disjoint, so the order of the checks does not matter.
 */
#include "blob/sniff.h"

#include <string.h>

ls_sniffed ls_sniff(const unsigned char *h, size_t len)
{
    static const unsigned char bz_block[6] = {0x31, 0x41, 0x59, 0x26, 0x53, 0x59};
    static const unsigned char bz_end[6] = {0x17, 0x72, 0x45, 0x38, 0x50, 0x90};
    if (len >= 3 && h[0] == 0x1f && h[1] == 0x8b && h[2] == 8)
        return LS_SNIFF_GZIP;
    if (len >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0)
        return LS_SNIFF_ZSTD;
    if (len >= 10 && memcmp(h, "BZh", 3) == 0 && h[3] >= '1' && h[3] <= '9' &&
        (memcmp(h + 4, bz_block, 6) == 0 || memcmp(h + 4, bz_end, 6) == 0))
        return LS_SNIFF_BZIP2;
    if (len >= 6 && memcmp(h, "\xfd" "7zXZ\0", 6) == 0)
        return LS_SNIFF_XZ;
    return LS_SNIFF_NONE;
}
