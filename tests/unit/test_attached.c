/*
 * test_attached.c - what is attached to an image in an OCI layout, found
 * through the store (a directory, and the same layout as an oci-archive):
 * BuildKit's older attestation entries (vnd.docker.reference.digest), the
 * entries cosign marks in a saved layout, the tags of cosign and of the
 * referrers schema, artifact entries and manifests among blobs/ whose
 * subject is the image; what is about another image is left out, and a
 * layout of one image plus its artifacts is a one-image layout.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/sha256.h"
#include "check.h"
#include "source/source.h"

static char tmpdir[] = "/tmp/test_attached.XXXXXX";
static char layout[200];

/* Writes a blob; returns its digest in out. */
static void put_blob(const char *data, char out[LS_DIGEST_MAX])
{
    char path[800];
    ls_error err = {0};
    FILE *f;
    CHECK_INT(ls_sha256_buffer(data, strlen(data), out, &err), 0);
    snprintf(path, sizeof path, "%s/blobs/sha256/%s", layout, out + 7);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(data, f);
    fclose(f);
}

static void put_file(const char *name, const char *data)
{
    char path[800];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", layout, name);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(data, f);
    fclose(f);
}

/* A manifest with one layer of media type mt and the given extra fields. */
static void put_manifest(const char *config, const char *mt, const char *extra, char out[LS_DIGEST_MAX])
{
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"%s,"
             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":2},"
             "\"layers\":[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":2}]}",
             extra, config, mt, config);
    put_blob(buf, out);
}

typedef struct {
    char image[LS_DIGEST_MAX], old_att[LS_DIGEST_MAX], other_att[LS_DIGEST_MAX], sigs[LS_DIGEST_MAX],
        tag_sig[LS_DIGEST_MAX], art_ref[LS_DIGEST_MAX], art_other[LS_DIGEST_MAX], blob_ref[LS_DIGEST_MAX],
        blob_other[LS_DIGEST_MAX], nested_att[LS_DIGEST_MAX], nested_index[LS_DIGEST_MAX];
} digests;

static void build_layout(digests *d)
{
    char cfg[LS_DIGEST_MAX], layer[LS_DIGEST_MAX], buf[8192], subj[300], subj_other[300], extra[600];
    char path[800];
    const char *other = "sha256:9999999999999999999999999999999999999999999999999999999999999999";
    snprintf(path, sizeof path, "%s/blobs", layout);
    CHECK_INT(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/blobs/sha256", layout);
    CHECK_INT(mkdir(path, 0755), 0);
    put_file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    put_blob("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", cfg);
    put_blob("", layer);
    snprintf(buf, sizeof buf,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":2},"
             "\"layers\":[]}", cfg);
    put_blob(buf, d->image);
    snprintf(subj, sizeof subj, ",\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                "\"digest\":\"%s\",\"size\":1}", d->image);
    snprintf(subj_other, sizeof subj_other, ",\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                            "\"digest\":\"%s\",\"size\":1}", other);
    put_manifest(cfg, "application/vnd.in-toto+json", "", d->old_att);
    put_manifest(cfg, "application/vnd.in-toto+json", ",\"annotations\":{\"x\":\"other\"}", d->other_att);
    put_manifest(cfg, "application/vnd.dev.cosign.simplesigning.v1+json", "", d->sigs);
    put_manifest(cfg, "application/vnd.dev.cosign.simplesigning.v1+json", ",\"annotations\":{\"y\":\"1\"}", d->tag_sig);
    snprintf(extra, sizeof extra, ",\"artifactType\":\"application/vnd.docker.attestation.manifest.v1+json\"%s", subj);
    put_manifest(cfg, "application/vnd.in-toto+json", extra, d->art_ref);
    snprintf(extra, sizeof extra, ",\"artifactType\":\"application/vnd.docker.attestation.manifest.v1+json\"%s",
             subj_other);
    put_manifest(cfg, "application/vnd.in-toto+json", extra, d->art_other);
    snprintf(extra, sizeof extra, ",\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"%s", subj);
    put_manifest(cfg, "application/vnd.dev.sigstore.bundle.v0.3+json", extra, d->blob_ref);
    snprintf(extra, sizeof extra, ",\"artifactType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"%s", subj_other);
    put_manifest(cfg, "application/vnd.dev.sigstore.bundle.v0.3+json", extra, d->blob_other);
    put_manifest(cfg, "application/vnd.in-toto+json", ",\"annotations\":{\"z\":\"nested\"}", d->nested_att);
    {
        char junk[LS_DIGEST_MAX];
        put_blob("{\"subject\": not json", junk);
    }
    snprintf(buf, sizeof buf,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},"
             "\"annotations\":{\"kind\":\"dev.cosignproject.cosign/image\"}},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},\"annotations\":{"
             "\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\"%s\"}},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},\"annotations\":{"
             "\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\"%s\"}},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"annotations\":{\"kind\":\"dev.cosignproject.cosign/sigs\"}},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"annotations\":{\"org.opencontainers.image.ref.name\":\"sha256-%s.sig\"}},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"artifactType\":\"application/vnd.docker.attestation.manifest.v1+json\"},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"artifactType\":\"application/vnd.docker.attestation.manifest.v1+json\"},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},\"annotations\":{"
             "\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\"%s\"}}]}",
             d->image, d->old_att, d->image, d->other_att, other, d->sigs, d->tag_sig, d->image + 7, d->art_ref,
             d->art_other, d->nested_att, d->image);
    /* as docker save writes it: index.json names the image index */
    put_blob(buf, d->nested_index);
    snprintf(buf, sizeof buf,
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
             "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"%s\",\"size\":1,"
             "\"annotations\":{\"org.opencontainers.image.ref.name\":\"1.0\"}}]}", d->nested_index);
    put_file("index.json", buf);
    /* a symlink among the blobs is never followed */
    snprintf(path, sizeof path, "%s/blobs/sha256/%064d", layout, 0);
    CHECK_INT(symlink("/etc/passwd", path), 0);
}

static const char *via(const ls_attached_list *l, const char *digest)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].digest, digest) == 0)
            return ls_attached_via_name(l->items[i].via);
    return "absent";
}

static void expect_list(const char *ref, const digests *d)
{
    ls_source *src = NULL;
    ls_error err = {0};
    ls_attached_list l;
    int rc = ls_source_open(&src, ref, NULL, &err);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "  %s: %s\n", ref, err.msg);
        return;
    }
    CHECK_STR(ls_source_image(src)->os, "linux");
    /* one image plus its artifacts is a one-image layout */
    CHECK_STR(ls_source_image(src)->manifest_digest, d->image);
    CHECK_INT(ls_source_find_attached(src, false, &l, &err), 0);
    CHECK_STR(via(&l, d->old_att), "index");
    CHECK_STR(via(&l, d->nested_att), "index");
    CHECK_STR(via(&l, d->sigs), "tag");
    CHECK_STR(via(&l, d->tag_sig), "tag");
    CHECK_STR(via(&l, d->art_ref), "referrer");
    CHECK_STR(via(&l, d->blob_ref), "referrer");
    CHECK_STR(via(&l, d->other_att), "absent");
    CHECK_STR(via(&l, d->art_other), "absent");
    CHECK_STR(via(&l, d->blob_other), "absent");
    CHECK_STR(via(&l, d->image), "absent");
    CHECK_INT(l.n, 6);
    /* the bytes are the manifest's */
    for (size_t i = 0; i < l.n; i++) {
        char got[LS_DIGEST_MAX];
        CHECK_INT(ls_sha256_buffer(l.items[i].data, l.items[i].len, got, &err), 0);
        CHECK_STR(got, l.items[i].digest);
    }
    {
        unsigned char *data = NULL;
        size_t len = 0;
        CHECK_INT(ls_source_read_blob(src, d->image, &data, &len, &err), 0);
        free(data);
        CHECK_INT(ls_source_read_blob(src, "sha256:9999999999999999999999999999999999999999999999999999999999999999",
                                      &data, &len, &err), -1);
    }
    ls_attached_list_free(&l);
    ls_source_free(src);
}

/* The layout as an oci-archive (the symlink left out: tars keep links). */
static void write_archive(const char *tar, const char *const *names, size_t n)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    CHECK_INT(archive_write_open_filename(a, tar), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        char path[900], buf[8192];
        struct archive_entry *e = archive_entry_new();
        FILE *f;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", layout, names[i]);
        f = fopen(path, "rb");
        CHECK(f != NULL);
        len = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f)
            fclose(f);
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_write_header(a, e);
        archive_write_data(a, buf, len);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

int main(void)
{
    digests d;
    char ref[1000], tar[800];
    CHECK(mkdtemp(tmpdir) != NULL);
    snprintf(layout, sizeof layout, "%s/layout", tmpdir);
    CHECK_INT(mkdir(layout, 0755), 0);
    build_layout(&d);
    snprintf(ref, sizeof ref, "oci:%s", layout);
    expect_list(ref, &d);
    {
        /* every file of the layout but the symlink */
        const char *names[32];
        char store[32][120];
        size_t n = 0;
        const char *all[] = {d.image, d.old_att, d.other_att, d.sigs, d.tag_sig, d.art_ref, d.art_other,
                             d.blob_ref, d.blob_other, d.nested_att, d.nested_index};
        names[n++] = "oci-layout";
        names[n++] = "index.json";
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
            snprintf(store[i], sizeof store[i], "blobs/sha256/%s", all[i] + 7);
            names[n++] = store[i];
        }
        /* the config and the empty layer blob are named by the manifests */
        {
            char cfg[LS_DIGEST_MAX], empty[LS_DIGEST_MAX];
            ls_error err = {0};
            static char c1[120], c2[120];
            const char *s = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
            CHECK_INT(ls_sha256_buffer(s, strlen(s), cfg, &err), 0);
            CHECK_INT(ls_sha256_buffer("", 0, empty, &err), 0);
            snprintf(c1, sizeof c1, "blobs/sha256/%s", cfg + 7);
            snprintf(c2, sizeof c2, "blobs/sha256/%s", empty + 7);
            names[n++] = c1;
            names[n++] = c2;
        }
        snprintf(tar, sizeof tar, "%s/image.tar", tmpdir);
        write_archive(tar, names, n);
        snprintf(ref, sizeof ref, "oci-archive:%s", tar);
        expect_list(ref, &d);
        /* current Docker's docker save: manifest.json names the config, the
         * image is the manifest of index.json with that config */
        {
            char mj[300], cfg[LS_DIGEST_MAX];
            ls_error err = {0};
            const char *s = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
            CHECK_INT(ls_sha256_buffer(s, strlen(s), cfg, &err), 0);
            snprintf(mj, sizeof mj, "[{\"Config\":\"blobs/sha256/%s\",\"RepoTags\":[\"x:1\"],\"Layers\":[]}]",
                     cfg + 7);
            put_file("manifest.json", mj);
            names[n++] = "manifest.json";
            snprintf(tar, sizeof tar, "%s/docker.tar", tmpdir);
            write_archive(tar, names, n);
            snprintf(ref, sizeof ref, "docker-archive:%s", tar);
            expect_list(ref, &d);
        }
    }
    {
        /* a manifest the index names that does not match its digest: the
         * error is returned, the rest is still listed */
        char path[1000];
        ls_source *src = NULL;
        ls_error err = {0};
        ls_attached_list l;
        snprintf(path, sizeof path, "%s/blobs/sha256/%s", layout, d.sigs + 7);
        FILE *f = fopen(path, "a");
        CHECK(f != NULL);
        if (f) {
            fputc(' ', f);
            fclose(f);
        }
        snprintf(ref, sizeof ref, "oci:%s", layout);
        CHECK_INT(ls_source_open(&src, ref, NULL, &err), 0);
        if (!src)
            return 1;
        CHECK_INT(ls_source_find_attached(src, false, &l, &err), -1);
        CHECK_INT(err.code, LS_ERR_DIGEST);
        CHECK(strstr(err.msg, d.sigs) != NULL || strstr(err.msg, "digest") != NULL);
        CHECK_INT(l.n, 5);
        ls_attached_list_free(&l);
        ls_source_free(src);
    }
    {
        /* a layout naming 300 attestations of the image: 256 are read, and
         * one error says the rest were not */
        char cfg[LS_DIGEST_MAX], att[LS_DIGEST_MAX], img[LS_DIGEST_MAX], entry[400], path[1000];
        size_t cap = 300 * sizeof entry + 1024, len;
        char *index = malloc(cap);
        ls_source *src = NULL;
        ls_error err = {0};
        ls_attached_list l;
        CHECK(index != NULL);
        if (!index)
            return 1;
        snprintf(layout, sizeof layout, "%s/many", tmpdir);
        CHECK_INT(mkdir(layout, 0755), 0);
        snprintf(path, sizeof path, "%s/blobs", layout);
        CHECK_INT(mkdir(path, 0755), 0);
        snprintf(path, sizeof path, "%s/blobs/sha256", layout);
        CHECK_INT(mkdir(path, 0755), 0);
        put_blob("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", cfg);
        snprintf(index, cap, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
                             "\"size\":2},\"layers\":[]}", cfg);
        put_blob(index, img);
        len = (size_t)snprintf(index, cap, "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                                           "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":1}", img);
        for (int i = 0; i < 300; i++) {
            char extra[40];
            snprintf(extra, sizeof extra, ",\"annotations\":{\"n\":\"%d\"}", i);
            put_manifest(cfg, "application/vnd.in-toto+json", extra, att);
            len += (size_t)snprintf(index + len, cap - len,
                                    ",{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\","
                                    "\"size\":1,\"platform\":{\"architecture\":\"unknown\",\"os\":\"unknown\"},"
                                    "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\","
                                    "\"vnd.docker.reference.digest\":\"%s\"}}", att, img);
        }
        snprintf(index + len, cap - len, "]}");
        put_file("index.json", index);
        free(index);
        snprintf(ref, sizeof ref, "oci:%s", layout);
        CHECK_INT(ls_source_open(&src, ref, NULL, &err), 0);
        if (!src)
            return 1;
        CHECK_INT(ls_source_find_attached(src, false, &l, &err), -1);
        CHECK_INT(l.n, 256);
        CHECK_INT(err.code, LS_ERR_LIMIT);
        CHECK(strstr(err.msg, "more than 256 attached manifests (the rest not read)") != NULL);
        ls_attached_list_free(&l);
        ls_source_free(src);
    }
    {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        CHECK_INT(system(cmd), 0);
    }
    return check_failures != 0;
}
