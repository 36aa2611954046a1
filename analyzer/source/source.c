/*
 * source.c - from a reference to an ls_image and one raw reader per layer.
 *
 * Parses skopeo's spelling (docker-archive:PATH[:REF], oci:DIR[:REF],
 * oci-archive:PATH[:REF]) or sniffs a bare path: a directory with index.json
 * is an OCI layout; a file is indexed as a tar once, and the index decides
 * (manifest.json -> docker-archive, index.json only -> oci-archive); a file
 * that is not an image archive at all is one lone layer blob. PATH may hold
 * ':' itself, so the optional REF is split off at the longest existing
 * prefix that ends before a ':'. The transports themselves live in oci.c,
 * docker_archive.c, lone_layer.c and analyzer/registry/transport.c (for
 * docker://HOST/REPO[:TAG]), each a table of operations (transport.h): this
 * file picks the table, opens what it reads (the store, the lone file),
 * and afterwards only calls through it; it owns descriptors and dispatch.
 */
#include "source/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/cstorage.h"
#include "registry/engine.h"
#include "source/stream.h"
#include "source/tarindex.h"
#include "source/transport.h"

typedef enum { T_AUTO, T_OCI, T_OCI_ARCHIVE, T_DOCKER_ARCHIVE, T_DOCKER, T_CSTORAGE } transport_kind;

struct ls_source {
    ls_image *img;
    const ls_transport *ops; /* the image's transport, once picked */
    void *state;         /* ops' state (a store, a registry client, the lone file) */
    char *label;         /* the path, for messages */
    uint64_t max_json;   /* --max-json-size (0 = default) */
    ls_reader_bounds bounds; /* every layer reader's: --max-layer-size, the deadline */
    const struct ls_registry_opts *registry_opts; /* while opening: docker:// options */
    ls_blob_opts blob;       /* how the caller opens the layer blobs */
};

/* What the reference says: transport, path and optional REF. */
typedef struct {
    transport_kind kind;
    char *path;
    char *ref; /* NULL when absent */
} parsed_ref;

static void parsed_ref_clear(parsed_ref *p)
{
    free(p->path);
    free(p->ref);
}

static bool path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Splits "PATH[:REF]". REF may hold ':' itself (docker-archive:x.tar:app:1)
 * and so may PATH: the longest prefix ending before a ':' that exists is the
 * path, unless the whole string exists. */
static int split_path_ref(const char *rest, parsed_ref *p)
{
    size_t len = strlen(rest);
    if (!path_exists(rest)) {
        for (size_t i = len; i-- > 1;) {
            char *head;
            if (rest[i] != ':' || i + 1 == len)
                continue;
            head = strndup(rest, i);
            if (!head)
                return -1;
            if (path_exists(head)) {
                p->path = head;
                p->ref = strdup(rest + i + 1);
                return p->ref ? 0 : -1;
            }
            free(head);
        }
    }
    p->path = strdup(rest);
    return p->path ? 0 : -1;
}

#define TRANSPORTS                                                                           \
    "docker-archive:PATH, oci-archive:PATH, oci:DIR, docker://REF, containers-storage:NAME, "   \
    "docker-daemon:NAME, - (a pipe), or a path"

/* A reference that names no existing path but starts like a transport
 * ("NAME:"): one line naming the transports we read, rather than the
 * "No such file or directory" the path would get. Transports of skopeo's
 * we do not read are named as such. */
static int unknown_transport(const char *ref, ls_error *err)
{
    static const char *const others[] = {"dir", "ostree", "sif", "tarball"};
    size_t n = strspn(ref, "abcdefghijklmnopqrstuvwxyz0123456789-");
    if (n == 0 || ref[n] != ':' || !(ref[0] >= 'a' && ref[0] <= 'z'))
        return 0;
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strlen(others[i]) == n && strncmp(ref, others[i], n) == 0)
            return ls_error_set(err, LS_ERR_USAGE, "%s: transport \"%.*s:\" is not supported; use " TRANSPORTS,
                                ref, (int)n, ref);
    return ls_error_set(err, LS_ERR_USAGE,
                        "%s: no such file, and \"%.*s:\" is not a transport; use " TRANSPORTS, ref, (int)n,
                        ref);
}

static int parse_reference(const char *ref, parsed_ref *p, ls_error *err)
{
    static const struct {
        const char *prefix;
        transport_kind kind;
    } prefixes[] = {
        {"docker-archive:", T_DOCKER_ARCHIVE},
        {"oci-archive:", T_OCI_ARCHIVE},
        {"oci:", T_OCI},
    };
    memset(p, 0, sizeof *p);
    if (!ref || !*ref)
        return ls_error_set(err, LS_ERR_USAGE, "IMAGE: empty image reference");
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i].prefix);
        if (strncmp(ref, prefixes[i].prefix, n) == 0) {
            p->kind = prefixes[i].kind;
            if (!ref[n])
                return ls_error_set(err, LS_ERR_USAGE, "%s: missing path after the transport", ref);
            if (split_path_ref(ref + n, p) < 0)
                return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
            return 0;
        }
    }
    if (strncmp(ref, "containers-storage:", 19) == 0) { /* [STORE]NAME: cstorage.c parses it */
        p->kind = T_CSTORAGE;
        if (!ref[19])
            return ls_error_set(err, LS_ERR_USAGE, "%s: missing image name after the transport", ref);
        p->path = strdup(ref + 19);
        return p->path ? 0 : ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
    }
    if (strncmp(ref, "docker://", 9) == 0) {
        p->kind = T_DOCKER;
        p->path = strdup(ref + 9);
        return p->path ? 0 : ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
    }
    if (!path_exists(ref) && unknown_transport(ref, err) < 0)
        return -1;
    p->kind = T_AUTO;
    p->path = strdup(ref);
    if (!p->path)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
    return 0;
}

/* ---- opening the pieces ------------------------------------------------- */

static int open_regular(const char *path, int *fd, uint64_t *size, ls_error *err)
{
    struct stat st;
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (*fd < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", path, strerror(errno));
    if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return ls_error_set(err, LS_ERR_IO, "%s: not a regular file", path);
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* A tar store over fd (taken); a truncated or damaged tar is an error here. */
static int open_tar_store(ls_source *src, int fd, ls_tarindex *idx, ls_store **store, ls_error *err)
{
    const ls_error *problem = ls_tarindex_problem(idx);
    *store = NULL;
    if (problem) {
        ls_error_pass(err, problem);
        ls_tarindex_free(idx);
        close(fd);
        return -1;
    }
    if (ls_store_open_tar(store, fd, idx, src->label, err) < 0)
        return -1;
    ls_store_set_max_json(*store, src->max_json);
    return 0;
}

static int set_string(char **dst, const char *s, ls_error *err)
{
    *dst = strdup(s);
    return *dst ? 0 : ls_error_set(err, LS_ERR_NOMEM, "IMAGE: out of memory");
}

/* Hands state (taken, may be NULL) to the transport ops and loads the
 * image through it; ref is the REF of PATH:REF or the docker:// reference. */
static int load_with(ls_source *src, const ls_transport *ops, void *state, const char *ref,
                     const ls_platform *want, ls_error *err)
{
    const ls_transport_args a = {.ref = ref,
                                 .want = want,
                                 .label = src->label,
                                 .registry = src->registry_opts,
                                 .max_json = src->max_json,
                                 .max_layer_bytes = src->bounds.max_bytes,
                                 .deadline_ms = src->bounds.deadline_ms};
    src->ops = ops;
    src->state = state;
    return ops->load(&src->state, src->img, &a, err);
}

/* The whole file is one layer blob: no config, no digests. */
static int load_lone_layer(ls_source *src, int fd, uint64_t size, ls_error *err)
{
    ls_lone_layer *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", src->label);
    }
    f->fd = fd;
    f->size = size;
    if (load_with(src, &ls_lone_layer_transport, f, NULL, NULL, err) < 0)
        return -1;
    return set_string(&src->img->transport, "layer", err);
}

/* A bare file: if it is a tar holding manifest.json or index.json, an image
 * archive (then indexed whole); otherwise a layer. The walk looking for them
 * ends at the first member under a root file system's top-level directory
 * (or a whiteout): no image archive holds one, and a layer of 500,000
 * files is then not walked twice. */
static int load_sniffed_file(ls_source *src, const ls_platform *want, ls_error *err)
{
    static const char *const markers[] = {"manifest.json", "index.json", NULL};
    static const char *const rootfs[] = {"bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64",
                                         "libx32", "media", "mnt", "opt", "proc", "root", "run",
                                         "sbin", "srv", "sys", "tmp", "usr", "var", NULL};
    int fd;
    uint64_t size;
    ls_tarindex *idx = NULL;
    ls_store *store;
    ls_error local = {0};
    bool docker, oci;
    if (open_regular(src->label, &fd, &size, err) < 0)
        return -1;
    if (ls_tarindex_build_only(&idx, fd, src->label, markers, rootfs, &local) < 0) {
        if (local.code != LS_ERR_FORMAT) {
            ls_error_pass(err, &local);
            close(fd);
            return -1;
        }
        return load_lone_layer(src, fd, size, err); /* not a tar: a compressed layer, or junk */
    }
    if (ls_tarindex_count(idx) == 0) { /* neither marker (nor a link by that name) */
        ls_tarindex_free(idx);
        return load_lone_layer(src, fd, size, err);
    }
    ls_tarindex_free(idx); /* an image archive: its members are few, index them all */
    if (ls_tarindex_build(&idx, fd, src->label, err) < 0) {
        close(fd);
        return -1;
    }
    docker = ls_tarindex_find(idx, "manifest.json") != NULL;
    oci = ls_tarindex_find(idx, "index.json") != NULL;
    if (!docker && !oci) {
        ls_tarindex_free(idx);
        return load_lone_layer(src, fd, size, err);
    }
    if (open_tar_store(src, fd, idx, &store, err) < 0)
        return -1;
    src->ops = docker ? &ls_docker_archive_transport : &ls_oci_transport;
    src->state = store;
    if (set_string(&src->img->transport, docker ? "docker-archive" : "oci-archive", err) < 0)
        return -1;
    return load_with(src, src->ops, store, NULL, want, err);
}

static int load_archive(ls_source *src, const parsed_ref *p, const ls_platform *want, ls_error *err)
{
    int fd;
    uint64_t size;
    ls_tarindex *idx = NULL;
    ls_store *store;
    bool docker = p->kind == T_DOCKER_ARCHIVE;
    if (set_string(&src->img->transport, docker ? "docker-archive" : "oci-archive", err) < 0)
        return -1;
    if (open_regular(src->label, &fd, &size, err) < 0)
        return -1;
    if (ls_tarindex_build(&idx, fd, src->label, err) < 0) {
        close(fd);
        return -1;
    }
    if (open_tar_store(src, fd, idx, &store, err) < 0)
        return -1;
    return load_with(src, docker ? &ls_docker_archive_transport : &ls_oci_transport, store, p->ref,
                     want, err);
}

static int load_layout(ls_source *src, const parsed_ref *p, const ls_platform *want, ls_error *err)
{
    ls_store *store;
    if (set_string(&src->img->transport, "oci", err) < 0)
        return -1;
    if (ls_store_open_dir(&store, src->label, err) < 0)
        return -1;
    ls_store_set_max_json(store, src->max_json);
    return load_with(src, &ls_oci_transport, store, p->ref, want, err);
}

static int load_bare(ls_source *src, const parsed_ref *p, const ls_platform *want, ls_error *err)
{
    struct stat st;
    ls_store *store;
    int has;
    if (stat(src->label, &st) < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: %s", src->label, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return load_sniffed_file(src, want, err);
    if (ls_store_open_dir(&store, src->label, err) < 0)
        return -1;
    ls_store_set_max_json(store, src->max_json);
    has = ls_store_has(store, "index.json", err);
    ls_store_free(store);
    if (has < 0)
        return -1;
    if (has == 0)
        return ls_error_set(err, LS_ERR_USAGE, "%s: directory is not an OCI layout (no index.json)",
                            src->label);
    return load_layout(src, p, want, err);
}

/* A registry: the client (the transport's state) stays open for the layer
 * readers. */
static int load_registry(ls_source *src, const char *ref, const ls_platform *want, ls_error *err)
{
    if (set_string(&src->img->transport, "docker", err) < 0)
        return -1;
    return load_with(src, &ls_registry_transport, NULL, ref, want, err);
}

/* With --platform, the config must agree (a single-image index names none). */
static int check_platform(const ls_source *src, const ls_platform *want, ls_error *err)
{
    const ls_image *img = src->img;
    char have[200], wanted[200];
    if (!want || !img->has_config || !img->os || !img->architecture)
        return 0;
    if (ls_platform_match(want, img->os, img->architecture, img->variant))
        return 0;
    ls_platform_format(have, sizeof have, img->os, img->architecture, img->variant);
    ls_platform_format(wanted, sizeof wanted, want->os, want->arch, want->variant);
    return ls_error_set(err, LS_ERR_USAGE, "%s: platform %s not in image (available: %s)", src->label,
                        wanted, have);
}

/* The platform opts ask for into *buf, *want pointing at it (NULL when
 * none): "all" collects every image of the index (opts->platforms). */
static int want_from_opts(const ls_source_opts *opts, ls_platform *buf, ls_platform **want,
                          ls_error *err)
{
    *want = NULL;
    if (!opts || !opts->platform)
        return 0;
    if (strcmp(opts->platform, LS_PLATFORM_ALL) == 0) {
        if (!opts->platforms)
            return ls_error_set(err, LS_ERR_USAGE, "--platform all: only scan reads every platform; "
                                "name one (os/arch[/variant])");
        memset(buf, 0, sizeof *buf);
        buf->collect = opts->platforms;
    } else if (ls_platform_parse(buf, opts->platform, err) < 0) {
        return -1;
    }
    *want = buf;
    return 0;
}

int ls_source_open(ls_source **out, const char *ref, const ls_source_opts *opts, ls_error *err)
{
    parsed_ref p = {0};
    ls_platform want_buf, *want = NULL;
    ls_source *src = NULL;
    int rc = -1;
    *out = NULL;
    if (want_from_opts(opts, &want_buf, &want, err) < 0)
        return -1;
    if (ls_source_is_stream(ref)) {
        ls_error_set(err, LS_ERR_USAGE, "%s: an image piped in or from an engine is read once (scan, layers "
                     "and history take one); save it to a file for this command", ref);
        goto out;
    }
    if (parse_reference(ref, &p, err) < 0)
        goto out;
    src = calloc(1, sizeof *src);
    if (!src || !(src->img = calloc(1, sizeof *src->img))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
        goto out;
    }
    src->registry_opts = opts ? opts->registry : NULL;
    src->max_json = opts ? opts->max_json_bytes : 0;
    src->bounds.max_bytes = opts && opts->max_layer_bytes ? opts->max_layer_bytes
                                                          : LS_DEFAULT_MAX_LAYER_BYTES;
    src->bounds.deadline_ms = opts ? opts->deadline_ms : 0;
    if (opts)
        src->blob = opts->blob;
    if (set_string(&src->label, p.path, err) < 0)
        goto out;
    if (set_string(&src->img->reference,
                   p.kind == T_AUTO ? ref : p.kind == T_DOCKER ? p.path : strchr(ref, ':') + 1, err) < 0)
        goto out;
    switch (p.kind) {
    case T_AUTO: rc = load_bare(src, &p, want, err); break;
    case T_OCI: rc = load_layout(src, &p, want, err); break;
    case T_OCI_ARCHIVE:
    case T_DOCKER_ARCHIVE: rc = load_archive(src, &p, want, err); break;
    case T_DOCKER: rc = load_registry(src, p.path, want, err); break;
    case T_CSTORAGE:
        rc = set_string(&src->img->transport, "containers-storage", err);
        if (rc == 0)
            rc = load_with(src, &ls_cstorage_transport, NULL, p.path, want, err);
        break;
    }
    src->registry_opts = NULL; /* the caller's, valid only during this call */
    if (rc == 0 && !(want && want->collect))
        rc = check_platform(src, want, err);
out:
    parsed_ref_clear(&p);
    if (rc < 0) {
        ls_source_free(src);
        return -1;
    }
    *out = src;
    return 0;
}

/* ---- a stream (source/stream.h) ------------------------------------------ */

#define ENGINE_PREFIX "docker-daemon:"

bool ls_source_is_stream(const char *ref)
{
    return strcmp(ref, "-") == 0 || strcmp(ref, "docker-archive:-") == 0 || strcmp(ref, "oci-archive:-") == 0 ||
           strncmp(ref, ENGINE_PREFIX, strlen(ENGINE_PREFIX)) == 0;
}

/* A stream that was one layer: scanned as it passed, nothing kept. */
static int passed_load(void **state, ls_image *img, const ls_transport_args *a, ls_error *err)
{
    (void)state;
    img->layers = calloc(1, sizeof *img->layers);
    if (!img->layers)
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", a->label);
    img->n_layers = 1;
    img->layers[0].size = -1;
    if (!(img->layers[0].location = strdup(a->label)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", a->label);
    return 0;
}

static ls_reader *passed_open_layer(void *state, const ls_image *img, size_t i, const char *label,
                                    ls_error *err)
{
    (void)state;
    (void)img;
    (void)i;
    ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: the layer was read once from the stream and not kept", label);
    return NULL;
}

static void passed_free(void *state)
{
    (void)state;
}

static const ls_transport passed_layer_transport = {
    .load = passed_load,
    .open_layer = passed_open_layer,
    .free = passed_free,
};

/* The stream's archive: its kept metadata and passed layers as a store. */
static int load_stream_archive(ls_source *src, transport_kind kind, ls_stream_walk_result *w,
                               const ls_platform *want, ls_error *err)
{
    ls_store *store;
    bool docker = ls_tarindex_find(w->index, "manifest.json") != NULL;
    bool oci = ls_tarindex_find(w->index, "index.json") != NULL;
    if (kind == T_DOCKER_ARCHIVE)
        oci = false;
    else if (kind == T_OCI_ARCHIVE)
        docker = false;
    if (!ls_tarindex_problem(w->index) && !docker && !oci) {
        ls_tarindex_free(w->index);
        if (w->fd >= 0)
            close(w->fd);
        return ls_error_set(err, LS_ERR_FORMAT, "%s: not an image archive (no %s)", src->label,
                            kind == T_DOCKER_ARCHIVE ? "manifest.json"
                            : kind == T_OCI_ARCHIVE  ? "index.json"
                                                     : "manifest.json or index.json");
    }
    if (open_tar_store(src, w->fd, w->index, &store, err) < 0)
        return -1;
    if (set_string(&src->img->transport, docker ? "docker-archive" : "oci-archive", err) < 0) {
        ls_store_free(store);
        return -1;
    }
    return load_with(src, docker ? &ls_docker_archive_transport : &ls_oci_transport, store, NULL, want, err);
}

int ls_source_open_stream(ls_source **out, const char *ref, int fd, const ls_source_opts *opts,
                          ls_stream_layer_fn visit, void *ctx, ls_error *err)
{
    bool daemon = strncmp(ref, ENGINE_PREFIX, strlen(ENGINE_PREFIX)) == 0;
    transport_kind kind = strncmp(ref, "docker-archive:", 15) == 0 || daemon ? T_DOCKER_ARCHIVE
                          : strncmp(ref, "oci-archive:", 12) == 0           ? T_OCI_ARCHIVE
                                                                            : T_AUTO;
    ls_platform want_buf, *want = NULL;
    ls_stream_walk_result w = {.fd = -1};
    ls_reader *in = NULL;
    ls_source *src = NULL;
    uint64_t max_json = opts && opts->max_json_bytes ? opts->max_json_bytes : LS_MAX_JSON_BYTES;
    int rc = -1;
    *out = NULL;
    if (want_from_opts(opts, &want_buf, &want, err) < 0)
        return -1;
    src = calloc(1, sizeof *src);
    if (!src || !(src->img = calloc(1, sizeof *src->img))) {
        free(src);
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
    }
    src->max_json = opts ? opts->max_json_bytes : 0;
    src->bounds.max_bytes = opts && opts->max_layer_bytes ? opts->max_layer_bytes : LS_DEFAULT_MAX_LAYER_BYTES;
    src->bounds.deadline_ms = opts ? opts->deadline_ms : 0;
    if (opts)
        src->blob = opts->blob;
    if (set_string(&src->label, daemon ? ref : "stdin", err) < 0 ||
        set_string(&src->img->reference, daemon ? ref + strlen(ENGINE_PREFIX) : "-", err) < 0)
        goto out;
    if (max_json > LS_MAX_JSON_HARD)
        max_json = LS_MAX_JSON_HARD;
    in = daemon ? ls_engine_save(opts ? opts->engine_socket : NULL, src->img->reference, src->label, err)
                : ls_stream_fd(fd, src->label);
    if (!in) {
        if (!daemon)
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", src->label);
        goto out;
    }
    if (ls_stream_walk(in, src->label, max_json, kind != T_AUTO, visit, ctx, &w, err) < 0)
        goto out;
    if (w.lone) {
        if (set_string(&src->img->transport, "layer", err) < 0)
            goto out;
        rc = load_with(src, &passed_layer_transport, NULL, NULL, NULL, err);
    } else {
        rc = load_stream_archive(src, kind, &w, want, err);
    }
    if (rc == 0 && daemon) {
        free(src->img->transport);
        src->img->transport = NULL;
        rc = set_string(&src->img->transport, "docker-daemon", err);
    }
    if (rc == 0 && !(want && want->collect))
        rc = check_platform(src, want, err);
out:
    ls_reader_free(in);
    if (rc < 0) {
        ls_source_free(src);
        return -1;
    }
    *out = src;
    return 0;
}

const char *ls_source_stream_member(const ls_source *src, size_t i)
{
    const char *loc;
    if (i >= src->img->n_layers || (src->ops != &ls_docker_archive_transport && src->ops != &ls_oci_transport))
        return NULL;
    loc = src->img->layers[i].location;
    return loc ? ls_store_member(src->state, loc) : NULL;
}

const ls_blob_opts *ls_source_blob_opts(const ls_source *src)
{
    return &src->blob;
}

const ls_image *ls_source_image(const ls_source *src)
{
    return src->img;
}

ls_reader *ls_source_open_layer(ls_source *src, size_t i, ls_error *err)
{
    const ls_layer_ref *l;
    ls_reader *r;
    char lim[32], name[300];
    if (i >= src->img->n_layers) {
        ls_error_set(err, LS_ERR_INTERNAL, "%s: layer %zu out of range (%zu layers)", src->label, i,
                     src->img->n_layers);
        return NULL;
    }
    l = &src->img->layers[i];
    /* a lone layer declares none (-1): its load refused a file over the bound */
    if (l->size > 0 && (uint64_t)l->size > src->bounds.max_bytes) {
        ls_format_size(lim, sizeof lim, src->bounds.max_bytes);
        ls_error_set(err, LS_ERR_LIMIT,
                     "%s: layer %zu declares %lld bytes, more than --max-layer-size %s (not read)",
                     src->label, i, (long long)l->size, lim);
        return NULL;
    }
    if (!(r = src->ops->open_layer(src->state, src->img, i, src->label, err)))
        return NULL;
    snprintf(name, sizeof name, "%s layer %zu", src->label, i);
    if (!(r = ls_reader_bounded(r, &src->bounds, name)))
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", src->label);
    return r;
}

int ls_source_find_attached(ls_source *src, bool index_only, ls_attached_list *out, ls_error *err)
{
    const ls_transport_args a = {.label = src->label,
                                 .max_json = src->max_json,
                                 .max_layer_bytes = src->bounds.max_bytes,
                                 .deadline_ms = src->bounds.deadline_ms,
                                 .index_only = index_only};
    memset(out, 0, sizeof *out);
    if (!src->ops->find_attached)
        return 0;
    return src->ops->find_attached(src->state, src->img, &a, out, err);
}

int ls_source_read_blob(ls_source *src, const char *digest, unsigned char **data, size_t *len,
                        ls_error *err)
{
    uint64_t max = src->max_json ? src->max_json : LS_MAX_JSON_BYTES;
    *data = NULL;
    *len = 0;
    if (!src->ops->read_blob)
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: this transport holds no blobs", src->label);
    if (max > LS_MAX_JSON_HARD)
        max = LS_MAX_JSON_HARD;
    return src->ops->read_blob(src->state, digest, (size_t)max, data, len, err);
}

void ls_source_free(ls_source *src)
{
    if (!src)
        return;
    ls_image_free(src->img);
    if (src->ops)
        src->ops->free(src->state);
    free(src->label);
    free(src);
}
