/*
 * gzip_frame.c - a gzip member's header and trailer, parsed incrementally
 * (see gzip_frame.h for why the inflaters need it).
 *
 * Header (RFC 1952 2.3): ID1 ID2 CM FLG, MTIME(4) XFL OS, then by FLG:
 * FEXTRA (XLEN, XLEN bytes), FNAME (to a zero), FCOMMENT (to a zero),
 * FHCRC (2 bytes). Trailer: CRC32 (handed to content_check.c), ISIZE.
 */
#include "blob/gzip_frame.h"

#include <string.h>

#define GZ_FHCRC 0x02u
#define GZ_FEXTRA 0x04u
#define GZ_FNAME 0x08u
#define GZ_FCOMMENT 0x10u
#define GZ_FRESERVED 0xe0u

enum {
    P_ID1,
    P_ID2,
    P_CM,
    P_FLG,
    P_FIXED,  /* MTIME, XFL, OS: skipped */
    P_XLEN0,
    P_XLEN1,
    P_EXTRA,  /* XLEN bytes: skipped */
    P_NAME,   /* up to and including a zero */
    P_COMMENT,
    P_HCRC,   /* skipped */
    P_DONE
};

static int frame_corrupt(uint64_t at, const char *label, const char *why, ls_error *err)
{
    return ls_error_set(err, LS_ERR_FORMAT, "%s: corrupt gzip data at byte %llu: %s", label,
                        (unsigned long long)at, why);
}

void ls_gz_frame_header_begin(ls_gz_frame *f)
{
    memset(f, 0, sizeof *f);
    f->phase = P_ID1;
}

/* Moves to the first optional field FLG announces after `from` (or to the
 * end of the header). */
static void next_optional(ls_gz_frame *f, unsigned from)
{
    if (from < P_XLEN0 && (f->flags & GZ_FEXTRA))
        f->phase = P_XLEN0;
    else if (from < P_NAME && (f->flags & GZ_FNAME))
        f->phase = P_NAME;
    else if (from < P_COMMENT && (f->flags & GZ_FCOMMENT))
        f->phase = P_COMMENT;
    else if (from < P_HCRC && (f->flags & GZ_FHCRC)) {
        f->phase = P_HCRC;
        f->skip = 2;
    } else
        f->phase = P_DONE;
}

/* Skips up to f->skip bytes; nonzero once the field is used up. */
static int skip_field(ls_gz_frame *f, ls_dec_io *io, uint64_t *consumed)
{
    size_t avail = io->in_len - io->in_pos;
    size_t k = avail < f->skip ? avail : f->skip;
    io->in_pos += k;
    *consumed += k;
    f->skip -= (uint32_t)k;
    return f->skip == 0;
}

/* Skips to just past a zero byte; nonzero once found. */
static int skip_string(ls_dec_io *io, uint64_t *consumed)
{
    const unsigned char *p = io->in + io->in_pos;
    const unsigned char *z = memchr(p, 0, io->in_len - io->in_pos);
    size_t k = z ? (size_t)(z - p) + 1 : io->in_len - io->in_pos;
    io->in_pos += k;
    *consumed += k;
    return z != NULL;
}

int ls_gz_frame_header(ls_gz_frame *f, ls_dec_io *io, uint64_t *consumed, const char *label,
                       ls_error *err)
{
    while (f->phase != P_DONE) {
        unsigned char c;
        if (io->in_pos == io->in_len)
            return 0;
        switch (f->phase) {
        case P_FIXED:
        case P_EXTRA:
        case P_HCRC:
            if (skip_field(f, io, consumed))
                next_optional(f, f->phase);
            continue;
        case P_NAME:
        case P_COMMENT:
            if (skip_string(io, consumed))
                next_optional(f, f->phase);
            continue;
        default:
            break;
        }
        c = io->in[io->in_pos];
        switch (f->phase) {
        case P_ID1:
        case P_ID2:
            if (c != (f->phase == P_ID1 ? 0x1f : 0x8b))
                return frame_corrupt(*consumed, label, "incorrect header check", err);
            f->phase++;
            break;
        case P_CM:
            if (c != 8)
                return frame_corrupt(*consumed, label, "unknown compression method", err);
            f->phase = P_FLG;
            break;
        case P_FLG:
            if (c & GZ_FRESERVED)
                return frame_corrupt(*consumed, label, "unknown header flags set", err);
            f->flags = c;
            f->phase = P_FIXED;
            f->skip = 6;
            break;
        case P_XLEN0:
            f->skip = c;
            f->phase = P_XLEN1;
            break;
        case P_XLEN1:
            f->skip |= (uint32_t)c << 8;
            if (f->skip)
                f->phase = P_EXTRA;
            else
                next_optional(f, P_EXTRA);
            break;
        }
        io->in_pos++;
        (*consumed)++;
    }
    return 1;
}

uint32_t ls_gz_frame_crc(const ls_gz_frame *f)
{
    return (uint32_t)f->trailer[0] | (uint32_t)f->trailer[1] << 8 | (uint32_t)f->trailer[2] << 16 |
           (uint32_t)f->trailer[3] << 24;
}

void ls_gz_frame_trailer_begin(ls_gz_frame *f)
{
    f->got = 0;
}

int ls_gz_frame_trailer(ls_gz_frame *f, ls_dec_io *io, uint32_t isize, uint64_t *consumed,
                        const char *label, ls_error *err)
{
    uint32_t want;
    while (f->got < sizeof f->trailer) {
        if (io->in_pos == io->in_len)
            return 0;
        f->trailer[f->got++] = io->in[io->in_pos++];
        (*consumed)++;
    }
    want = (uint32_t)f->trailer[4] | (uint32_t)f->trailer[5] << 8 | (uint32_t)f->trailer[6] << 16 |
           (uint32_t)f->trailer[7] << 24;
    if (want != isize)
        return frame_corrupt(*consumed - 4, label, "incorrect length check", err);
    return 1;
}
