/*
 * nested.c - sniffing and walking archives found inside layer files.
 *
 * libarchive reads the nested archive from a block source through read_cb,
 * so an archive inside an archive is just another source underneath. A gzip
 * or zstd wrapper is inflated before libarchive sees it, by the blob stage's
 * decoders (nested_inflate.h: ISA-L's igzip, twice as fast as libarchive's
 * zlib on the Debian changelogs and man pages of every image); libarchive
 * then reads the plain bytes as a tar or as one raw file, as it did behind
 * its own filter. Only the decoders built into libarchive are enabled for
 * the rest (never the external-program fallbacks: hostile input must not
 * spawn processes). Zip is read in its streaming form (local headers, in
 * order), the only form a one-pass stream allows. The limits are checked as
 * member bytes come out, so a bomb stops after about max_ratio times the
 * bytes consumed, not after it has expanded.
 */
#include "layer/nested.h"
#include "blob/sniff.h"
#include "layer/nested_inflate.h"
#include "layer/sparse.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Below this many bytes out, a high ratio is just a small repetitive file. */
#define RATIO_FLOOR (1024 * 1024)

typedef struct {
    ls_blocks *src;         /* the archive's bytes */
    ls_blocks *feed;        /* what libarchive reads: src, or inf's plain bytes */
    ls_nested_inflate *inf; /* the gzip or zstd wrapper inflated here (else NULL) */
    ls_blocks feed_inflated;
    ls_nested_kind kind;
    ls_nested_limits lim;
    uint64_t consumed;      /* bytes pulled from src (by inf when there is one) */
    uint64_t out;           /* member bytes delivered, over all members */
    uint64_t entries;       /* headers read */
    bool below_failed;      /* src failed: its error is in below */
    ls_error below;
    bool stopped;           /* this archive is over a limit or corrupt: why is set */
    char *why;
    size_t why_cap;
    struct archive *a;
    bool tar;               /* a tar: sparse members' holes are read as zeros (sparse.h) */
    ls_sparse sp;           /* the current member's holes */
    uint64_t fill_left;     /* zeros the archive may still hand out for holes */
} walk_ctx;

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ustar header checksum: the sum of the 512 bytes with the checksum field
 * read as spaces, stored in octal at offset 148. */
static bool tar_checksum_ok(const unsigned char *h)
{
    unsigned long sum = 0, want = 0;
    size_t i;
    for (i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : h[i];
    for (i = 148; i < 156 && (h[i] == ' ' || h[i] == '\0'); i++)
        ;
    if (i == 156 || h[i] < '0' || h[i] > '7')
        return false;
    for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
        want = want * 8 + (unsigned long)(h[i] - '0');
    return sum == want;
}

ls_nested_kind ls_nested_sniff(const unsigned char *h, size_t len, const char *name)
{
    if (len >= 4 && memcmp(h, "PK\x03\x04", 4) == 0)
        return LS_NESTED_ZIP;
    switch (ls_sniff(h, len)) {
    case LS_SNIFF_GZIP: return LS_NESTED_GZIP;
    case LS_SNIFF_ZSTD: return LS_NESTED_ZSTD;
    case LS_SNIFF_BZIP2: return LS_NESTED_BZIP2;
    case LS_SNIFF_XZ: return LS_NESTED_XZ;
    case LS_SNIFF_NONE: break;
    }
    if (len >= 512 && memcmp(h + 257, "ustar", 5) == 0 && tar_checksum_ok(h))
        return LS_NESTED_TAR;
    /* a v7 tar has no magic: only its name says so, and its checksum confirms */
    if (len >= 512 && name && has_suffix(name, ".tar") && h[0] != '\0' && tar_checksum_ok(h))
        return LS_NESTED_TAR;
    return LS_NESTED_NONE;
}

const char *ls_nested_kind_name(ls_nested_kind k)
{
    switch (k) {
    case LS_NESTED_ZIP: return "zip";
    case LS_NESTED_TAR: return "tar";
    case LS_NESTED_GZIP: return "gzip";
    case LS_NESTED_ZSTD: return "zstd";
    case LS_NESTED_BZIP2: return "bzip2";
    case LS_NESTED_XZ: return "xz";
    case LS_NESTED_NONE: break;
    }
    return "none";
}

ls_nested_limits ls_nested_limits_resolve(const ls_nested_limits *lim)
{
    ls_nested_limits r = {0};
    if (lim)
        r = *lim;
    if (!r.max_depth)
        r.max_depth = LS_NESTED_DEFAULT_DEPTH;
    if (r.max_depth > LS_NESTED_MAX_DEPTH)
        r.max_depth = LS_NESTED_MAX_DEPTH;
    if (!r.max_bytes)
        r.max_bytes = LS_NESTED_DEFAULT_BYTES;
    if (!r.max_ratio)
        r.max_ratio = LS_NESTED_DEFAULT_RATIO;
    if (!r.max_entries)
        r.max_entries = LS_NESTED_DEFAULT_ENTRIES;
    return r;
}

static la_ssize_t read_cb(struct archive *a, void *ud, const void **out)
{
    walk_ctx *w = ud;
    size_t len = 0;
    int r;
    /* an empty block is not the end: libarchive would take 0 for EOF */
    while ((r = ls_blocks_next(w->feed, out, &len, &w->below)) > 0 && len == 0)
        ;
    /* Damaged plain bytes end where the damage starts: libarchive reads a
     * member up to there (a failed read would lose the bytes it holds, and a
     * stream shorter than its format sniff could not even be opened) and the
     * walk then reports the damage. */
    if (r < 0 && w->inf && ls_nested_inflate_damage(w->inf))
        return 0;
    if (r < 0) {
        w->below_failed = true;
        archive_set_error(a, -1, "%s", w->below.msg);
        return -1;
    }
    if (r == 0)
        return 0;
    if (!w->inf)
        w->consumed += len;
    return (la_ssize_t)len;
}

/* Why the wrapper inflated here is damaged, if it is: what ended or broke
 * libarchive's read, whatever the tar reader made of it. */
static const char *inflate_damage(const walk_ctx *w)
{
    return w->inf ? ls_nested_inflate_damage(w->inf) : NULL;
}

/* Marks the archive stopped with a reason; returns -1 for the data source. */
static int stop(walk_ctx *w, ls_error *err, ls_code code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int stop(walk_ctx *w, ls_error *err, ls_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->why, w->why_cap, fmt, ap);
    va_end(ap);
    w->stopped = true;
    return ls_error_set(err, code, "%s", w->why);
}

static const char *archive_msg(struct archive *a)
{
    const char *m = archive_error_string(a);
    return m ? m : "unknown error";
}

/* The member's blocks, with the archive's limits checked on the way out. */
static int member_next(void *ud, const void **buf, size_t *len, ls_error *err)
{
    walk_ctx *w = ud;
    la_int64_t off;
    int r;
    if (w->stopped)
        return ls_error_set(err, LS_ERR_LIMIT, "%s", w->why);
    /* zeros count as member bytes: the limits below bound them too */
    while (!w->tar || !ls_sparse_take(&w->sp, buf, len)) {
        if (w->tar && w->sp.at_end)
            return 0;
        r = archive_read_data_block(w->a, buf, len, &off);
        if (r == ARCHIVE_EOF && !w->tar) {
            /* one file that ends where the inflating broke off is cut short */
            const char *damage = inflate_damage(w);
            if (damage)
                return stop(w, err, LS_ERR_FORMAT, "corrupt %s archive: %s", ls_nested_kind_name(w->kind),
                            damage);
            return 0;
        }
        if (r < ARCHIVE_WARN) {
            const char *damage = inflate_damage(w);
            if (w->below_failed)
                return ls_error_set(err, w->below.code, "%s", w->below.msg);
            return stop(w, err, LS_ERR_FORMAT, "corrupt %s archive: %s", ls_nested_kind_name(w->kind),
                        damage ? damage : archive_msg(w->a));
        }
        if (!w->tar)
            break;
        if ((r == ARCHIVE_EOF ? ls_sparse_end(&w->sp, off, &w->fill_left)
                              : ls_sparse_put(&w->sp, *buf, *len, off, &w->fill_left)) != 0)
            return stop(w, err, LS_ERR_FORMAT, "corrupt %s archive: sparse map out of order",
                        ls_nested_kind_name(w->kind));
    }
    w->out += *len;
    if (w->out > w->lim.max_bytes)
        return stop(w, err, LS_ERR_LIMIT,
                    "nested archive exceeds %llu uncompressed bytes (--max-nested-bytes)",
                    (unsigned long long)w->lim.max_bytes);
    if (w->out > RATIO_FLOOR && w->out / w->lim.max_ratio > w->consumed)
        return stop(w, err, LS_ERR_LIMIT,
                    "nested archive exceeds expansion ratio %u (--max-nested-ratio)", w->lim.max_ratio);
    return 1;
}

/* "app.env" for "app.env.gz"; the name itself when it has no known suffix. */
static void stream_member_name(const char *outer, char *out, size_t cap)
{
    static const char *const suffixes[] = {".gz", ".tgz", ".zst", ".zstd", ".bz2", ".tbz2", ".xz", ".txz", ".z"};
    const char *base = strrchr(outer, '/');
    size_t n;
    base = base ? base + 1 : outer;
    n = strlen(base);
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(base + n - k, suffixes[i]) == 0) {
            bool tarish = suffixes[i][1] == 't';
            snprintf(out, cap, "%.*s%s", (int)(n - k), base, tarish ? ".tar" : "");
            return;
        }
    }
    snprintf(out, cap, "%s", *base ? base : "data");
}

/* Member names are relative: no leading "/" or "./". */
static const char *relative_name(const char *n)
{
    for (;;) {
        if (n[0] == '/')
            n++;
        else if (n[0] == '.' && n[1] == '/')
            n += 2;
        else
            return n;
    }
}

/* The formats (and, unless the wrapper is inflated here, the filter) that
 * read a `kind` archive. */
static int enable(struct archive *a, ls_nested_kind kind, bool inflated)
{
    if (inflated)
        kind = LS_NESTED_NONE;
    switch (kind) {
    case LS_NESTED_ZIP:
        if (archive_read_support_format_zip_streamable(a) != ARCHIVE_OK)
            return ARCHIVE_FATAL;
        /* A scanner reads damaged members too, so their CRC-32 (a tenth of
         * the time spent in a jar) buys nothing. */
        (void)archive_read_set_format_option(a, "zip", "ignorecrc32", "1");
        return ARCHIVE_OK;
    case LS_NESTED_TAR:
        return archive_read_support_format_tar(a);
    case LS_NESTED_GZIP:
        if (archive_read_support_filter_gzip(a) != ARCHIVE_OK)
            return ARCHIVE_WARN;
        break;
    case LS_NESTED_ZSTD:
        if (archive_read_support_filter_zstd(a) != ARCHIVE_OK)
            return ARCHIVE_WARN;
        break;
    case LS_NESTED_BZIP2:
        if (archive_read_support_filter_bzip2(a) != ARCHIVE_OK)
            return ARCHIVE_WARN;
        break;
    case LS_NESTED_XZ:
        if (archive_read_support_filter_xz(a) != ARCHIVE_OK)
            return ARCHIVE_WARN;
        break;
    case LS_NESTED_NONE:
        if (!inflated)
            return ARCHIVE_FATAL;
        break;
    }
    /* a compressed stream holds a tar, or is one file */
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_format_raw(a) != ARCHIVE_OK)
        return ARCHIVE_FATAL;
    return ARCHIVE_OK;
}

static const char *entry_name(struct archive_entry *e)
{
    const char *n = archive_entry_pathname_utf8(e);
    if (!n)
        n = archive_entry_pathname(e);
    return n ? n : "";
}

/* A header (or the open) failed: the source's error, or this archive's.
 * A compressed stream that decompresses to nothing (gzip of an empty file,
 * as Debian ships a few man pages) is an empty member list, not damage:
 * libarchive's raw format refuses zero bytes. Returns 0 for that case. */
static int header_fail(walk_ctx *w, ls_error *err)
{
    bool stream = w->kind == LS_NESTED_GZIP || w->kind == LS_NESTED_ZSTD ||
                  w->kind == LS_NESTED_BZIP2 || w->kind == LS_NESTED_XZ;
    const char *damage = inflate_damage(w);
    bool nothing_out = w->inf ? ls_nested_inflate_out(w->inf) == 0
                              : archive_filter_count(w->a) > 1 && archive_filter_bytes(w->a, 0) == 0;
    if (w->below_failed) {
        ls_error_set(err, w->below.code, "%s", w->below.msg);
        return -1;
    }
    if (!damage && archive_errno(w->a) == ENOMEM) /* libarchive's own allocation, not the archive */
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (stream && !damage && w->entries == 0 && nothing_out && archive_error_string(w->a) &&
        strstr(archive_error_string(w->a), "Unrecognized archive format"))
        return 0;
    snprintf(w->why, w->why_cap, "corrupt %s archive: %s", ls_nested_kind_name(w->kind),
             damage ? damage : archive_msg(w->a));
    return 1;
}

/* A gzip or zstd stream whose head libarchive's filter would take: its
 * wrapper inflated here (w->inf, w->feed). Returns 0 (also when the head does
 * not bid: libarchive then read it unfiltered, and still does), 1 with why
 * set when the stream is damaged before its output could be sniffed, -1 with
 * err filled. */
static int inflate_open(walk_ctx *w, ls_blocks_ahead *ahead, ls_blocks *ahead_src, ls_error *err)
{
    char reason[LS_ERROR_MSG_MAX];
    if (w->kind != LS_NESTED_GZIP && w->kind != LS_NESTED_ZSTD)
        return 0;
    if (ls_blocks_ahead_fill(ahead, w->src, LS_BLOCKS_AHEAD_MAX, err) != 0)
        return -1;
    *ahead_src = ls_blocks_ahead_src(ahead);
    w->feed = ahead_src;
    if (!ls_nested_inflate_bids(w->kind, ahead->head, ahead->head_len))
        return 0;
    w->inf = ls_nested_inflate_open(w->kind, ahead_src, &w->consumed, reason, sizeof reason, err);
    if (!w->inf) {
        if (!reason[0])
            return -1;
        snprintf(w->why, w->why_cap, "corrupt %s archive: %s", ls_nested_kind_name(w->kind), reason);
        return 1;
    }
    w->feed_inflated = ls_nested_inflate_src(w->inf);
    w->feed = &w->feed_inflated;
    return 0;
}

int ls_nested_walk(ls_blocks *src, ls_nested_kind kind, const char *outer_name,
                   const ls_nested_limits *lim, ls_nested_member_fn fn, void *ud, char *why,
                   size_t why_cap, ls_error *err)
{
    walk_ctx w = {.src = src, .feed = src, .kind = kind, .why = why, .why_cap = why_cap,
                  .fill_left = LS_SPARSE_FILL_MAX};
    struct archive_entry *ae;
    ls_blocks_ahead ahead;
    ls_blocks ahead_src;
    char stream_name[256];
    int rc = -1;
    w.lim = ls_nested_limits_resolve(lim);
    ls_error_clear(&w.below);
    why[0] = '\0';
    if ((rc = inflate_open(&w, &ahead, &ahead_src, err)) != 0)
        return rc;
    rc = -1;
    if (!(w.a = archive_read_new())) {
        ls_nested_inflate_free(w.inf);
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (enable(w.a, kind, w.inf != NULL) != ARCHIVE_OK) {
        if (archive_errno(w.a) == ENOMEM) {
            rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
            goto out;
        }
        snprintf(why, why_cap, "no built-in %s decoder", ls_nested_kind_name(kind));
        rc = 1;
        goto out;
    }
    /* not archive_read_open2: see ls_layer_walk */
    if (archive_read_set_callback_data(w.a, &w) != ARCHIVE_OK ||
        archive_read_set_read_callback(w.a, read_cb) != ARCHIVE_OK) {
        rc = ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (archive_read_open1(w.a) != ARCHIVE_OK) {
        rc = header_fail(&w, err);
        goto out;
    }
    stream_member_name(outer_name ? outer_name : "", stream_name, sizeof stream_name);
    for (;;) {
        ls_nested_member m;
        ls_blocks data = {.next = member_next, .ud = &w};
        int r = archive_read_next_header(w.a, &ae);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            rc = header_fail(&w, err);
            goto out;
        }
        if (++w.entries > w.lim.max_entries) {
            snprintf(why, why_cap, "nested archive exceeds %llu entries (--max-nested-entries)",
                     (unsigned long long)w.lim.max_entries);
            rc = 1;
            goto out;
        }
        if (archive_entry_filetype(ae) != AE_IFREG ||
            (archive_entry_hardlink(ae) && archive_entry_size(ae) == 0))
            continue;
        m.name = archive_format(w.a) == ARCHIVE_FORMAT_RAW ? stream_name : relative_name(entry_name(ae));
        if (!*m.name)
            m.name = "data";
        m.size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
        w.tar = (archive_format(w.a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR;
        memset(&w.sp, 0, sizeof w.sp);
        r = fn(ud, &m, &data, err);
        if (w.stopped) {
            rc = 1;
            goto out;
        }
        if (r != 0)
            goto out;
    }
    rc = 0;
    if (inflate_damage(&w)) {
        snprintf(why, why_cap, "corrupt %s archive: %s", ls_nested_kind_name(kind), inflate_damage(&w));
        rc = 1;
    }
out:
    archive_read_free(w.a);
    ls_nested_inflate_free(w.inf);
    return rc;
}
