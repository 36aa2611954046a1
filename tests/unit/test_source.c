/*
 * test_source.c - the source stage end to end on images built here: an OCI
 * layout (as a directory and tarred), docker-archive in its legacy and
 * current forms, multi-platform and nested indexes, REF selection, missing
 * and tampered blobs, malformed JSON, escaping paths, truncated archives and
 * files that are not images (a lone layer). A minimal ustar writer lives in
 * this file; everything goes under a mkdtemp directory removed at the end.
 */
#define _XOPEN_SOURCE 700 /* nftw */

#include "check.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"

static char tmp_root[64];

/* ---- helpers ------------------------------------------------------------ */

static void sha_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

static char *path_of(const char *fmt, ...)
{
    static char bufs[8][1024];
    static int k;
    char *b = bufs[k++ % 8];
    va_list ap;
    int n = snprintf(b, 1024, "%s/", tmp_root);
    va_start(ap, fmt);
    vsnprintf(b + n, 1024 - (size_t)n, fmt, ap);
    va_end(ap);
    return b;
}

static void mkdirs_for(const char *file)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", file);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f;
    mkdirs_for(path);
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fwrite(data, 1, len, f);
    fclose(f);
}

/* An image under construction: files go to a directory or a tar. */
typedef struct {
    char dir[1024]; /* when writing a layout directory */
    FILE *tar;      /* when writing a tar */
} sink;

static void tar_octal(char *field, size_t width, uint64_t v)
{
    snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

static void tar_header(FILE *f, const char *name, uint64_t size, char type, const char *link)
{
    unsigned char h[512];
    unsigned sum = 0;
    memset(h, 0, sizeof h);
    strncpy((char *)h, name, 100);
    tar_octal((char *)h + 100, 8, 0644);
    tar_octal((char *)h + 108, 8, 0);
    tar_octal((char *)h + 116, 8, 0);
    tar_octal((char *)h + 124, 12, size);
    tar_octal((char *)h + 136, 12, 0);
    memset(h + 148, ' ', 8);
    h[156] = (unsigned char)type;
    if (link)
        strncpy((char *)h + 157, link, 100);
    memcpy(h + 257, "ustar\0" "00", 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    fwrite(h, 1, 512, f);
}

static void tar_pad(FILE *f, uint64_t size)
{
    static const char zeros[512];
    if (size % 512)
        fwrite(zeros, 1, 512 - size % 512, f);
}

/* Adds a regular member; names over 100 bytes get a pax header. */
static void tar_add(FILE *f, const char *name, const void *data, size_t len)
{
    if (strlen(name) > 100) {
        char rec[4200];
        size_t body = strlen(name) + strlen(" path=\n"), total = body;
        /* the length prefix counts its own digits */
        while (total != body + (size_t)snprintf(NULL, 0, "%zu", total))
            total = body + (size_t)snprintf(NULL, 0, "%zu", total);
        snprintf(rec, sizeof rec, "%zu path=%s\n", total, name);
        tar_header(f, "PaxHeaders/x", strlen(rec), 'x', NULL);
        fwrite(rec, 1, strlen(rec), f);
        tar_pad(f, strlen(rec));
    }
    tar_header(f, name, len, '0', NULL);
    fwrite(data, 1, len, f);
    tar_pad(f, len);
}

static void sink_put(sink *s, const char *name, const void *data, size_t len)
{
    if (s->tar) {
        tar_add(s->tar, name, data, len);
    } else {
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", s->dir, name);
        write_file(p, data, len);
    }
}

static void sink_put_str(sink *s, const char *name, const char *text)
{
    sink_put(s, name, text, strlen(text));
}

/* Stores a blob under blobs/sha256/ and writes its digest. */
static void sink_blob(sink *s, const char *data, size_t len, char digest[72])
{
    char hex[65], name[100];
    sha_hex(data, len, hex);
    snprintf(digest, 72, "sha256:%s", hex);
    snprintf(name, sizeof name, "blobs/sha256/%s", hex);
    sink_put(s, name, data, len);
}

static sink sink_dir(const char *name)
{
    sink s = {0};
    snprintf(s.dir, sizeof s.dir, "%s", path_of("%s", name));
    mkdir(s.dir, 0755);
    return s;
}

static sink sink_tar(const char *name)
{
    sink s = {0};
    s.tar = fopen(path_of("%s", name), "wb");
    CHECK(s.tar != NULL);
    return s;
}

static void sink_close(sink *s)
{
    static const char zeros[1024];
    if (s->tar) {
        fwrite(zeros, 1, sizeof zeros, s->tar);
        fclose(s->tar);
        s->tar = NULL;
    }
}

static const char LAYER1[] = "layer one bytes (pretend this is a tar.gz)";
static const char LAYER2[] = "layer two bytes";

static char *config_json(const char *os, const char *arch)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"architecture\":\"%s\",\"os\":\"%s\",\"created\":\"2024-01-02T03:04:05Z\","
             "\"config\":{\"Env\":[\"PATH=/usr/bin\",\"TOKEN=abc\"],"
             "\"Labels\":{\"zeta\":\"z\",\"alpha\":\"a\",\"mid\":\"m\"},"
             "\"Cmd\":\"echo hi\",\"Entrypoint\":null},"
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%064d\",\"sha256:%064d\"]},"
             "\"history\":[{\"created_by\":\"ADD file\",\"created\":\"2024-01-01T00:00:00Z\"},"
             "{\"created_by\":\"ENV TOKEN=abc\",\"empty_layer\":true,\"comment\":\"c\"},"
             "{\"created_by\":\"RUN make\"}]}",
             arch, os, 1, 2);
    return buf;
}

typedef struct {
    char manifest[72], config[72], layer1[72], layer2[72];
    size_t manifest_len;
} built;

/* Writes config, two layers and a manifest into s; returns their digests. */
static built put_image(sink *s, const char *os, const char *arch)
{
    built b;
    char m[2048];
    const char *cfg = config_json(os, arch);
    sink_blob(s, cfg, strlen(cfg), b.config);
    sink_blob(s, LAYER1, strlen(LAYER1), b.layer1);
    sink_blob(s, LAYER2, strlen(LAYER2), b.layer2);
    snprintf(m, sizeof m,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
             "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\",\"size\":%zu},"
             "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"%s\",\"size\":%zu}]}",
             b.config, strlen(cfg), b.layer1, strlen(LAYER1), b.layer2, strlen(LAYER2));
    sink_blob(s, m, strlen(m), b.manifest);
    b.manifest_len = strlen(m);
    return b;
}

/* One index.json entry. */
static void index_entry(char *out, size_t cap, const built *b, const char *ref, const char *os,
                        const char *arch)
{
    char ann[256] = "", plat[256] = "";
    if (ref)
        snprintf(ann, sizeof ann, ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}", ref);
    if (os)
        snprintf(plat, sizeof plat, ",\"platform\":{\"os\":\"%s\",\"architecture\":\"%s\"}", os, arch);
    snprintf(out, cap,
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu%s%s}",
             b->manifest, b->manifest_len, ann, plat);
}

static void put_index(sink *s, const char *name, const char *entries)
{
    char idx[8192];
    snprintf(idx, sizeof idx,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[%s]}",
             entries);
    if (name) {
        sink_put_str(s, name, idx);
    }
}

static ls_source *open_ok(const char *ref, const char *platform)
{
    ls_error err = {0};
    ls_source_opts opts = {.platform = platform};
    ls_source *src = NULL;
    int rc = ls_source_open(&src, ref, &opts, &err);
    if (rc != 0)
        fprintf(stderr, "open %s failed: %s\n", ref, err.msg);
    CHECK_INT(rc, 0);
    return src;
}

static void open_fails(const char *ref, const char *platform, ls_code code, const char *part)
{
    ls_error err = {0};
    ls_source_opts opts = {.platform = platform};
    ls_source *src = (ls_source *)1;
    CHECK_INT(ls_source_open(&src, ref, &opts, &err), -1);
    CHECK(src == NULL);
    CHECK_INT(err.code, code);
    if (!strstr(err.msg, part))
        fprintf(stderr, "%s: message was: %s (wanted \"%s\")\n", ref, err.msg, part);
    CHECK(strstr(err.msg, part) != NULL);
}

/* Reads layer i fully and compares with want. */
static void expect_layer(ls_source *src, size_t i, const char *want, size_t len)
{
    ls_error err = {0};
    char buf[4096];
    ls_reader *r = ls_source_open_layer(src, i, &err);
    ssize_t n;
    CHECK(r != NULL);
    if (!r) {
        fprintf(stderr, "layer %zu: %s\n", i, err.msg);
        return;
    }
    n = ls_reader_read_full(r, buf, sizeof buf, &err);
    CHECK_INT(n, len);
    CHECK(n == (ssize_t)len && memcmp(buf, want, len) == 0);
    ls_reader_free(r);
}

/* The fields every image built by put_image has. */
static void expect_config(const ls_image *img, const char *arch)
{
    CHECK(img->has_config);
    CHECK_STR(img->os, "linux");
    CHECK_STR(img->architecture, arch);
    CHECK(img->variant == NULL);
    CHECK_STR(img->created, "2024-01-02T03:04:05Z");
    CHECK_INT(img->n_diff_ids, 2);
    if (img->n_diff_ids == 2)
        CHECK_STR(img->diff_ids[1], "sha256:0000000000000000000000000000000000000000000000000000000000000002");
    CHECK_INT(img->n_history, 3);
    if (img->n_history == 3) {
        CHECK_STR(img->history[0].created_by, "ADD file");
        CHECK_STR(img->history[0].created, "2024-01-01T00:00:00Z");
        CHECK(!img->history[0].empty_layer);
        CHECK(img->history[1].empty_layer);
        CHECK_STR(img->history[1].comment, "c");
        CHECK(img->history[2].created == NULL);
    }
    CHECK_INT(img->n_env, 2);
    if (img->n_env == 2)
        CHECK_STR(img->env[1], "TOKEN=abc");
    CHECK_INT(img->n_labels, 3);
    if (img->n_labels == 3) {
        CHECK_STR(img->labels[0].key, "alpha");
        CHECK_STR(img->labels[1].key, "mid");
        CHECK_STR(img->labels[2].key, "zeta");
        CHECK_STR(img->labels[2].value, "z");
    }
    CHECK_INT(img->n_cmd, 1);
    if (img->n_cmd == 1)
        CHECK_STR(img->cmd[0], "echo hi");
    CHECK(img->entrypoint == NULL);
    CHECK_INT(img->n_entrypoint, 0);
}

static void expect_oci_image(ls_source *src, const built *b, const char *transport, const char *arch)
{
    const ls_image *img;
    char loc[100];
    if (!src)
        return;
    img = ls_source_image(src);
    CHECK_STR(img->transport, transport);
    CHECK_STR(img->manifest_digest, b->manifest);
    CHECK_STR(img->config_digest, b->config);
    expect_config(img, arch);
    CHECK_INT(img->n_layers, 2);
    if (img->n_layers != 2)
        return;
    CHECK_STR(img->layers[0].digest, b->layer1);
    CHECK_STR(img->layers[1].digest, b->layer2);
    CHECK_STR(img->layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+zstd");
    CHECK_INT(img->layers[0].size, strlen(LAYER1));
    snprintf(loc, sizeof loc, "blobs/sha256/%s", b->layer1 + 7);
    CHECK_STR(img->layers[0].location, loc);
    expect_layer(src, 0, LAYER1, strlen(LAYER1));
    expect_layer(src, 1, LAYER2, strlen(LAYER2));
}

/* ---- cases -------------------------------------------------------------- */

static void test_oci_layout_and_archive(void)
{
    sink d = sink_dir("layout"), t = sink_tar("layout.tar");
    built b = put_image(&d, "linux", "amd64"), bt;
    char e[1024], ref[1200];
    ls_source *src;
    index_entry(e, sizeof e, &b, "v1", NULL, NULL);
    put_index(&d, "index.json", e);
    sink_put_str(&d, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");

    src = open_ok(d.dir, NULL);
    expect_oci_image(src, &b, "oci", "amd64");
    if (src)
        CHECK_STR(ls_source_image(src)->reference, d.dir);
    ls_source_free(src);

    snprintf(ref, sizeof ref, "oci:%s:v1", d.dir);
    src = open_ok(ref, NULL);
    expect_oci_image(src, &b, "oci", "amd64");
    if (src)
        CHECK_STR(ls_source_image(src)->reference, ref + 4);
    ls_source_free(src);

    snprintf(ref, sizeof ref, "oci:%s:nope", d.dir);
    open_fails(ref, NULL, LS_ERR_USAGE, "no image named nope in index.json (available: v1)");
    open_fails(d.dir, "linux/arm64", LS_ERR_USAGE, "platform linux/arm64 not in image (available: linux/amd64)");
    open_fails(d.dir, "linux", LS_ERR_USAGE, "--platform: expected os/arch");

    /* the same layout as a tar, with ./ prefixes as `tar -C dir .` writes */
    sink_put_str(&t, "./oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    bt = put_image(&t, "linux", "amd64");
    index_entry(e, sizeof e, &bt, "v1", NULL, NULL);
    put_index(&t, "./index.json", e);
    sink_close(&t);
    src = open_ok(path_of("layout.tar"), NULL);
    expect_oci_image(src, &bt, "oci-archive", "amd64");
    ls_source_free(src);
    snprintf(ref, sizeof ref, "oci-archive:%s:v1", path_of("layout.tar"));
    src = open_ok(ref, NULL);
    expect_oci_image(src, &bt, "oci-archive", "amd64");
    ls_source_free(src);

    open_fails("oci:/nonexistent/layerscan-test", NULL, LS_ERR_IO, "/nonexistent/layerscan-test");
    open_fails(path_of("no-such-file"), NULL, LS_ERR_IO, "no-such-file");
}

static void test_ref_selection(void)
{
    sink d = sink_dir("refs");
    built a = put_image(&d, "linux", "amd64"), b = put_image(&d, "linux", "arm64");
    char e1[1024], e2[1024], all[2100], ref[1200];
    ls_source *src;
    index_entry(e1, sizeof e1, &a, "one", NULL, NULL);
    index_entry(e2, sizeof e2, &b, "two", NULL, NULL);
    snprintf(all, sizeof all, "%s,%s", e1, e2);
    put_index(&d, "index.json", all);
    open_fails(d.dir, NULL, LS_ERR_USAGE, "lists several images (one, two)");
    snprintf(ref, sizeof ref, "oci:%s:two", d.dir);
    src = open_ok(ref, NULL);
    expect_oci_image(src, &b, "oci", "arm64");
    ls_source_free(src);
}

static void test_platforms(void)
{
    sink d = sink_dir("multi"), d2 = sink_dir("multi2"), n = sink_dir("nested");
    built amd = put_image(&d, "linux", "amd64"), arm = put_image(&d, "linux", "arm64");
    built s390, arm2, namd, narm;
    char e1[1024], e2[1024], e3[1024], all[4096], nested_digest[72], top[1024];
    ls_source *src;
    index_entry(e1, sizeof e1, &amd, NULL, "linux", "amd64");
    index_entry(e2, sizeof e2, &arm, NULL, "linux", "arm64");
    /* a BuildKit attestation manifest: must be skipped */
    snprintf(e3, sizeof e3,
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"},"
             "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"}}",
             amd.config);
    snprintf(all, sizeof all, "%s,%s,%s", e2, e1, e3);
    put_index(&d, "index.json", all);
    src = open_ok(d.dir, NULL);
    expect_oci_image(src, &amd, "oci", "amd64");
    ls_source_free(src);
    src = open_ok(d.dir, "linux/arm64");
    expect_oci_image(src, &arm, "oci", "arm64");
    ls_source_free(src);
    open_fails(d.dir, "linux/s390x", LS_ERR_USAGE, "platform linux/s390x not in image (available: linux/arm64, linux/amd64)");

    /* no linux/amd64: the user must choose */
    arm2 = put_image(&d2, "linux", "arm64");
    s390 = put_image(&d2, "linux", "s390x");
    index_entry(e1, sizeof e1, &arm2, NULL, "linux", "arm64");
    index_entry(e2, sizeof e2, &s390, NULL, "linux", "s390x");
    snprintf(all, sizeof all, "%s,%s", e1, e2);
    put_index(&d2, "index.json", all);
    open_fails(d2.dir, NULL, LS_ERR_USAGE,
               "image has several platforms (linux/arm64, linux/s390x); choose one with --platform");
    src = open_ok(d2.dir, "linux/s390x");
    expect_oci_image(src, &s390, "oci", "s390x");
    ls_source_free(src);

    /* nested: index.json -> index blob -> manifests */
    namd = put_image(&n, "linux", "amd64");
    narm = put_image(&n, "linux", "arm64");
    index_entry(e1, sizeof e1, &namd, NULL, "linux", "amd64");
    index_entry(e2, sizeof e2, &narm, NULL, "linux", "arm64");
    snprintf(all, sizeof all,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[%s,%s]}",
             e2, e1);
    sink_blob(&n, all, strlen(all), nested_digest);
    snprintf(top, sizeof top,
             "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
             "\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}",
             nested_digest, strlen(all));
    put_index(&n, "index.json", top);
    src = open_ok(n.dir, NULL);
    expect_oci_image(src, &namd, "oci", "amd64");
    ls_source_free(src);
    src = open_ok(n.dir, "linux/arm64");
    expect_oci_image(src, &narm, "oci", "arm64");
    ls_source_free(src);
}

static void test_broken_layouts(void)
{
    sink d = sink_dir("broken");
    built b = put_image(&d, "linux", "amd64");
    char e[1024], p[1200], ref[1200];
    ls_source *src;
    ls_error err = {0};
    ls_reader *r;
    index_entry(e, sizeof e, &b, NULL, NULL, NULL);
    put_index(&d, "index.json", e);

    /* a missing layer blob is reported when that layer is opened */
    snprintf(p, sizeof p, "%s/blobs/sha256/%s", d.dir, b.layer2 + 7);
    unlink(p);
    src = open_ok(d.dir, NULL);
    if (src) {
        r = ls_source_open_layer(src, 1, &err);
        CHECK(r == NULL);
        CHECK_INT(err.code, LS_ERR_IO);
        snprintf(ref, sizeof ref, "layer 1 blob blobs/sha256/%s is missing", b.layer2 + 7);
        CHECK(strstr(err.msg, ref) != NULL);
        expect_layer(src, 0, LAYER1, strlen(LAYER1));
    }
    ls_source_free(src);

    /* a symlinked blob is refused, not followed */
    CHECK_INT(symlink("/etc/hostname", p), 0);
    src = open_ok(d.dir, NULL);
    if (src) {
        ls_error_clear(&err);
        r = ls_source_open_layer(src, 1, &err);
        CHECK(r == NULL);
        CHECK(strstr(err.msg, "symlink") != NULL);
    }
    ls_source_free(src);

    /* a tampered config fails its digest */
    snprintf(p, sizeof p, "%s/blobs/sha256/%s", d.dir, b.config + 7);
    write_file(p, "{\"os\":\"linux\"}", 14);
    open_fails(d.dir, NULL, LS_ERR_DIGEST, "does not match its digest");

    /* malformed JSON and wrong types */
    snprintf(p, sizeof p, "%s/index.json", d.dir);
    write_file(p, "{\n  \"manifests\": [ oops ]\n}", 27);
    open_fails(d.dir, NULL, LS_ERR_FORMAT, "index.json: invalid JSON at line 2");
    write_file(p, "{\"manifests\":[{\"digest\":5}]}", 28);
    open_fails(d.dir, NULL, LS_ERR_FORMAT, "field manifests[0].digest must be a string");
    write_file(p, "{\"manifests\":[{\"digest\":\"sha256:../../etc/passwd\"}]}", 52);
    open_fails(d.dir, NULL, LS_ERR_FORMAT, "invalid digest");

    /* a config with a field of the wrong type */
    {
        sink w = sink_dir("wrongtype");
        const char *cfg = "{\"os\":5}";
        char cd[72], m[1024], md[72], idx[1024];
        sink_blob(&w, cfg, strlen(cfg), cd);
        snprintf(m, sizeof m, "{\"schemaVersion\":2,\"config\":{\"digest\":\"%s\"},\"layers\":[]}", cd);
        sink_blob(&w, m, strlen(m), md);
        snprintf(idx, sizeof idx, "{\"manifests\":[{\"digest\":\"%s\"}]}", md);
        sink_put_str(&w, "index.json", idx);
        open_fails(w.dir, NULL, LS_ERR_FORMAT, "field os must be a string");
    }
    /* bounds: more than 100,000 layers; a JSON file over 64 MiB (sparse) */
    {
        sink w = sink_dir("limits");
        const char *cfg = "{}";
        char cd[72], md[72], idx[1024], head[1100];
        size_t cap = 100001 * 16 + 512, len;
        char *m = malloc(cap);
        sink_blob(&w, cfg, strlen(cfg), cd);
        len = (size_t)snprintf(m, cap, "{\"config\":{\"digest\":\"%s\"},\"layers\":[", cd);
        for (int i = 0; i < 100001; i++)
            len += (size_t)snprintf(m + len, cap - len, "%s{\"digest\":\"x\"}", i ? "," : "");
        len += (size_t)snprintf(m + len, cap - len, "]}");
        sink_blob(&w, m, len, md);
        snprintf(idx, sizeof idx, "{\"manifests\":[{\"digest\":\"%s\"}]}", md);
        sink_put_str(&w, "index.json", idx);
        open_fails(w.dir, NULL, LS_ERR_LIMIT, "field layers has more than 100000 entries");
        free(m);
        snprintf(head, sizeof head, "%s/index.json", w.dir);
        CHECK_INT(truncate(head, 65l * 1024 * 1024), 0);
        open_fails(w.dir, NULL, LS_ERR_LIMIT, "index.json is larger than");
    }
    /* a directory that is not a layout */
    mkdir(path_of("empty-dir"), 0755);
    open_fails(path_of("empty-dir"), NULL, LS_ERR_USAGE, "not an OCI layout");
}

static void docker_manifest(char *out, size_t cap, const char *config, const char *l1, const char *l2)
{
    snprintf(out, cap, "[{\"Config\":\"%s\",\"RepoTags\":[\"app:1\"],\"Layers\":[\"%s\",\"%s\"]}]", config,
             l1, l2);
}

static void test_docker_archive(void)
{
    sink t = sink_tar("legacy.tar"), n = sink_tar("new.tar");
    const char *cfg = config_json("linux", "amd64");
    char hex[65], cfgname[100], m[1024], ref[1200], longdir[200], l2[300];
    built b;
    ls_source *src;
    const ls_image *img;

    /* legacy: <id>/layer.tar, a duplicate layer as a symlink, a long pax name */
    sha_hex(cfg, strlen(cfg), hex);
    snprintf(cfgname, sizeof cfgname, "%s.json", hex);
    memset(longdir, 'd', 150);
    longdir[150] = '\0';
    snprintf(l2, sizeof l2, "%s/layer.tar", longdir);
    docker_manifest(m, sizeof m, cfgname, "aaa/layer.tar", "bbb/layer.tar");
    sink_put_str(&t, "manifest.json", m);
    sink_put_str(&t, cfgname, cfg);
    sink_put_str(&t, "./aaa/layer.tar", LAYER1);
    tar_header(t.tar, "bbb/layer.tar", 0, '2', "../aaa/layer.tar");
    sink_put_str(&t, l2, LAYER2);
    sink_put_str(&t, "repositories", "{}");
    sink_close(&t);
    src = open_ok(path_of("legacy.tar"), NULL);
    if (src) {
        char want[80];
        img = ls_source_image(src);
        snprintf(want, sizeof want, "sha256:%s", hex);
        CHECK_STR(img->transport, "docker-archive");
        CHECK(img->manifest_digest == NULL);
        CHECK_STR(img->config_digest, want);
        expect_config(img, "amd64");
        CHECK_INT(img->n_layers, 2);
        CHECK(img->layers[0].digest == NULL);
        CHECK(img->layers[0].media_type == NULL);
        CHECK_INT(img->layers[0].size, -1);
        CHECK_STR(img->layers[1].location, "bbb/layer.tar");
        expect_layer(src, 0, LAYER1, strlen(LAYER1));
        expect_layer(src, 1, LAYER1, strlen(LAYER1)); /* through the symlink */
    }
    ls_source_free(src);
    snprintf(ref, sizeof ref, "docker-archive:%s:whatever:tag", path_of("legacy.tar"));
    src = open_ok(ref, NULL);
    ls_source_free(src);

    /* current Docker: blobs/sha256 paths plus an index.json */
    b = put_image(&n, "linux", "amd64");
    {
        char cfgp[100], p1[100], p2[100], e[1024];
        snprintf(cfgp, sizeof cfgp, "blobs/sha256/%s", b.config + 7);
        snprintf(p1, sizeof p1, "blobs/sha256/%s", b.layer1 + 7);
        snprintf(p2, sizeof p2, "blobs/sha256/%s", b.layer2 + 7);
        docker_manifest(m, sizeof m, cfgp, p1, p2);
        sink_put_str(&n, "manifest.json", m);
        index_entry(e, sizeof e, &b, "latest", NULL, NULL);
        put_index(&n, "index.json", e);
        sink_put_str(&n, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    }
    sink_close(&n);
    src = open_ok(path_of("new.tar"), NULL);
    if (src) {
        img = ls_source_image(src);
        CHECK_STR(img->transport, "docker-archive");
        CHECK_STR(img->config_digest, b.config);
        CHECK_INT(img->n_layers, 2);
        CHECK_STR(img->layers[1].digest, b.layer2);
        expect_layer(src, 1, LAYER2, strlen(LAYER2));
    }
    ls_source_free(src);
    snprintf(ref, sizeof ref, "oci-archive:%s", path_of("new.tar"));
    src = open_ok(ref, NULL); /* the same tar read through its index.json */
    expect_oci_image(src, &b, "oci-archive", "amd64");
    ls_source_free(src);
}

static void test_docker_archive_bad(void)
{
    sink e = sink_tar("escape.tar"), tr = sink_tar("trunc.tar");
    const char *cfg = "{\"os\":\"linux\",\"architecture\":\"amd64\"}";
    char m[1024], big[5000];
    ls_source *src;
    ls_error err = {0};
    FILE *f;
    docker_manifest(m, sizeof m, "c.json", "../../etc/passwd", "x/layer.tar");
    sink_put_str(&e, "manifest.json", m);
    sink_put_str(&e, "c.json", cfg);
    sink_close(&e);
    open_fails(path_of("escape.tar"), NULL, LS_ERR_FORMAT, "path ../../etc/passwd escapes the image");

    docker_manifest(m, sizeof m, "../c.json", "a", "b");
    e = sink_tar("escape2.tar");
    sink_put_str(&e, "manifest.json", m);
    sink_close(&e);
    open_fails(path_of("escape2.tar"), NULL, LS_ERR_FORMAT, "escapes the image");

    /* missing config */
    docker_manifest(m, sizeof m, "nope.json", "a", "b");
    e = sink_tar("noconfig.tar");
    sink_put_str(&e, "manifest.json", m);
    sink_close(&e);
    open_fails(path_of("noconfig.tar"), NULL, LS_ERR_IO, "nope.json is missing");

    /* truncated in the middle of a layer */
    docker_manifest(m, sizeof m, "c.json", "a/layer.tar", "a/layer.tar");
    sink_put_str(&tr, "manifest.json", m);
    sink_put_str(&tr, "c.json", cfg);
    memset(big, 'x', sizeof big);
    sink_put(&tr, "a/layer.tar", big, sizeof big);
    sink_close(&tr);
    CHECK_INT(truncate(path_of("trunc.tar"), 512 * 6 + 100), 0);
    open_fails(path_of("trunc.tar"), NULL, LS_ERR_FORMAT, "truncated tar");
    {
        char ref[1200];
        snprintf(ref, sizeof ref, "docker-archive:%s", path_of("trunc.tar"));
        open_fails(ref, NULL, LS_ERR_FORMAT, "truncated tar");
    }

    /* a corrupt header checksum after the first member */
    tr = sink_tar("badsum.tar");
    sink_put_str(&tr, "manifest.json", m);
    sink_put_str(&tr, "c.json", cfg);
    sink_close(&tr);
    f = fopen(path_of("badsum.tar"), "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 1024 + 10, SEEK_SET); /* inside the second header's name */
        fputc('Z', f);
        fclose(f);
    }
    open_fails(path_of("badsum.tar"), NULL, LS_ERR_FORMAT, "bad tar header checksum at offset 1024");

    /* several images: REF picks by RepoTags, else the user must choose */
    {
        const char *two = "[{\"Config\":\"c.json\",\"RepoTags\":[\"app:1\"],\"Layers\":[]},"
                          "{\"Config\":\"d.json\",\"RepoTags\":[\"app:2\"],\"Layers\":[\"l.tar\"]}]";
        char ref[1200];
        tr = sink_tar("two.tar");
        sink_put_str(&tr, "manifest.json", two);
        sink_put_str(&tr, "c.json", cfg);
        sink_put_str(&tr, "d.json", "{\"os\":\"linux\",\"architecture\":\"arm64\"}");
        sink_put_str(&tr, "l.tar", LAYER2);
        sink_close(&tr);
        open_fails(path_of("two.tar"), NULL, LS_ERR_USAGE, "manifest.json lists 2 images (app:1, app:2)");
        snprintf(ref, sizeof ref, "docker-archive:%s:app:2", path_of("two.tar"));
        src = open_ok(ref, NULL);
        if (src) {
            CHECK_STR(ls_source_image(src)->architecture, "arm64");
            CHECK_INT(ls_source_image(src)->n_layers, 1);
            expect_layer(src, 0, LAYER2, strlen(LAYER2));
        }
        ls_source_free(src);
        snprintf(ref, sizeof ref, "docker-archive:%s:app:3", path_of("two.tar"));
        open_fails(ref, NULL, LS_ERR_USAGE, "no image tagged app:3");
    }
    (void)err;
}

static void test_not_an_image(void)
{
    unsigned char junk[3000];
    char ref[1200];
    ls_source *src;
    const ls_image *img;
    sink t = sink_tar("plain.tar");
    uint32_t x = 7;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (unsigned char)(x >> 16);
    }
    write_file(path_of("junk.bin"), junk, sizeof junk);
    src = open_ok(path_of("junk.bin"), NULL);
    if (src) {
        img = ls_source_image(src);
        CHECK_STR(img->transport, "layer");
        CHECK(!img->has_config);
        CHECK_INT(img->n_layers, 1);
        CHECK_INT(img->n_history, 0);
        CHECK(img->manifest_digest == NULL);
        CHECK(img->layers[0].digest == NULL);
        CHECK_STR(img->layers[0].location, path_of("junk.bin"));
        expect_layer(src, 0, (const char *)junk, sizeof junk);
    }
    ls_source_free(src);

    /* an ordinary tar (a layer) and an empty file are lone layers too */
    sink_put_str(&t, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    sink_close(&t);
    src = open_ok(path_of("plain.tar"), "linux/arm64"); /* platform: nothing to check */
    if (src)
        CHECK_STR(ls_source_image(src)->transport, "layer");
    ls_source_free(src);
    write_file(path_of("empty.bin"), "", 0);
    src = open_ok(path_of("empty.bin"), NULL);
    if (src) {
        CHECK_STR(ls_source_image(src)->transport, "layer");
        expect_layer(src, 0, "", 0);
    }
    ls_source_free(src);

    /* but an explicit transport insists on an archive */
    snprintf(ref, sizeof ref, "docker-archive:%s", path_of("junk.bin"));
    open_fails(ref, NULL, LS_ERR_FORMAT, "not a tar archive");
    snprintf(ref, sizeof ref, "docker-archive:%s", path_of("plain.tar"));
    open_fails(ref, NULL, LS_ERR_IO, "manifest.json is missing");
    open_fails("", NULL, LS_ERR_USAGE, "empty image reference");
    /* a reference that is no path and starts like a transport names ours */
    open_fails("ostree:alpine", NULL, LS_ERR_USAGE,
               "ostree:alpine: transport \"ostree:\" is not supported; use "
               "docker-archive:PATH, oci-archive:PATH, oci:DIR, docker://REF, containers-storage:NAME, "
               "docker-daemon:NAME, - (a pipe), or a path");
    /* what is read once can only be scanned */
    open_fails("docker-daemon:alpine", NULL, LS_ERR_USAGE,
               "docker-daemon:alpine: an image piped in or from an engine is read once (scan, layers and "
               "history take one); save it to a file for this command");
    open_fails("-", NULL, LS_ERR_USAGE,
               "-: an image piped in or from an engine is read once (scan, layers and history take one); "
               "save it to a file for this command");
    open_fails("alpine:3.19", NULL, LS_ERR_USAGE,
               "alpine:3.19: no such file, and \"alpine:\" is not a transport; use docker-archive:PATH");
    snprintf(ref, sizeof ref, "%s:v1", path_of("junk.bin"));
    open_fails(ref, NULL, LS_ERR_IO, "No such file or directory"); /* an absolute path stays a path */
    /* docker:// goes to the registry transport: a bad reference is a usage
     * error, a registry nobody listens at an I/O error naming it (port 1 of
     * the loopback: no test leaves 127.0.0.1) */
    open_fails("docker://alpine:-bad", NULL, LS_ERR_USAGE, "invalid tag");
    open_fails("docker://127.0.0.1:1/app:3", NULL, LS_ERR_IO, "127.0.0.1:1");
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

int main(void)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/layerscan-source-XXXXXX");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    test_oci_layout_and_archive();
    test_ref_selection();
    test_platforms();
    test_broken_layouts();
    test_docker_archive();
    test_docker_archive_bad();
    test_not_an_image();
    if (!getenv("LAYERSCAN_KEEP_TMP"))
        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    CHECK_DONE();
}
