/*
 * cstorage.c - the containers-storage: transport (see cstorage.h).
 *
 * The store is read as files: DRIVER-images/images.json picks the image,
 * its big-data files give the manifest and config, DRIVER-layers/
 * layers.json gives the layer chain, and each layer is rebuilt by
 * tarsplit.c. All of it goes through an ls_store over ROOT (names checked,
 * every component opened with O_NOFOLLOW, JSON bounded by
 * --max-json-size), and IDs from the store are used as path components
 * only once they are 64 lowercase hex digits. Nothing is locked: a store
 * that changes while it is read fails a digest check instead.
 */
#include "source/cstorage.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blob/sha256.h"
#include "source/digest.h"
#include "source/manifest.h"
#include "source/tarsplit.h"

#define CS_DEFAULT_ROOT "/var/lib/containers/storage"
#define CS_STORAGE_CONF "/etc/containers/storage.conf"
#define CS_CONF_MAX (1u << 20)
#define CS_MT_TAR "application/vnd.oci.image.layer.v1.tar"

typedef struct {
    int root_fd;       /* ROOT, for the layer directories */
    ls_store *store;   /* ROOT, for the metadata files */
    char driver[16];   /* "overlay" or "vfs" */
    char **ids;        /* layer IDs, bottom first (validated hex) */
    char **diffs;      /* their diff-digests */
    size_t n;
    size_t max_json;
} cstorage;

/* What the reference says. */
typedef struct {
    char *driver, *root, *name; /* driver NULL when not given */
} cs_spec;

static void spec_clear(cs_spec *s)
{
    free(s->driver);
    free(s->root);
    free(s->name);
}

static bool is_hex(const char *s, size_t min, size_t max)
{
    size_t n = strspn(s, "0123456789abcdef");
    return s[n] == '\0' && n >= min && n <= max;
}

/* ---- the reference ---------------------------------------------------------- */

/* The graphroot and driver of storage.conf's [storage] table, when set:
 * `key = "value"` lines, enough for the keys we read. */
static void read_storage_conf(char **root, char **driver)
{
    FILE *f = fopen(CS_STORAGE_CONF, "re");
    char line[4096];
    bool in_storage = false;
    size_t total = 0;
    if (!f)
        return;
    while (fgets(line, sizeof line, f) && (total += strlen(line)) < CS_CONF_MAX) {
        char *p = line + strspn(line, " \t"), *eq, *q1, *q2, **dst = NULL;
        if (*p == '[') {
            in_storage = strncmp(p, "[storage]", 9) == 0;
            continue;
        }
        if (!in_storage || !(eq = strchr(p, '=')))
            continue;
        if (strncmp(p, "graphroot", 9) == 0 && strchr(" \t=", p[9]))
            dst = root;
        else if (strncmp(p, "driver", 6) == 0 && strchr(" \t=", p[6]))
            dst = driver;
        if (!dst || *dst || !(q1 = strchr(eq, '"')) || !(q2 = strchr(q1 + 1, '"')) || q2 == q1 + 1)
            continue;
        *dst = strndup(q1 + 1, (size_t)(q2 - q1 - 1));
    }
    fclose(f);
}

/* Splits "[DRIVER@ROOT+RUNROOT:OPTIONS]NAME" (skopeo's grammar: the
 * options follow the first ':' and the runroot the first '+' of what is
 * left). */
static int parse_spec(const char *ref, cs_spec *s, ls_error *err)
{
    const char *name = ref;
    memset(s, 0, sizeof *s);
    if (ref[0] == '[') {
        const char *close = strchr(ref, ']');
        const char *body = ref + 1, *at, *end;
        if (!close)
            return ls_error_set(err, LS_ERR_USAGE, "%s: unterminated [store] specifier", ref);
        at = memchr(body, '@', (size_t)(close - body));
        if (at) {
            if (at == body)
                return ls_error_set(err, LS_ERR_USAGE, "%s: empty driver in [DRIVER@ROOT]", ref);
            if (!(s->driver = strndup(body, (size_t)(at - body))))
                return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
            body = at + 1;
        }
        end = body + strcspn(body, ":+]");
        if (end == body)
            return ls_error_set(err, LS_ERR_USAGE, "%s: empty root in the [store] specifier", ref);
        if (!(s->root = strndup(body, (size_t)(end - body))))
            return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
        name = close + 1;
    }
    if (!*name)
        return ls_error_set(err, LS_ERR_USAGE, "%s: missing image name", ref);
    if (!(s->name = strdup(name)))
        return ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", ref);
    return 0;
}

/* Fills what the reference left out: storage.conf's, else the defaults;
 * a driver is then the one whose images directory exists. */
static int complete_spec(cs_spec *s, ls_error *err)
{
    char *conf_root = NULL, *conf_driver = NULL;
    if (!s->root || !s->driver)
        read_storage_conf(&conf_root, &conf_driver);
    if (!s->root) {
        s->root = conf_root ? conf_root : strdup(CS_DEFAULT_ROOT);
        conf_root = NULL;
    }
    if (!s->driver && conf_driver && !(s->driver = strdup(conf_driver)))
        goto nomem;
    if (!s->driver && s->root) {
        static const char *const known[] = {"overlay", "vfs"};
        char path[4096];
        for (size_t i = 0; i < 2 && !s->driver; i++) {
            snprintf(path, sizeof path, "%s/%s-images", s->root, known[i]);
            if (access(path, F_OK) == 0 && !(s->driver = strdup(known[i])))
                goto nomem;
        }
        if (!s->driver && !(s->driver = strdup("overlay")))
            goto nomem;
    }
    free(conf_root);
    free(conf_driver);
    if (!s->root)
        return ls_error_set(err, LS_ERR_NOMEM, "containers-storage: out of memory");
    return 0;
nomem:
    free(conf_root);
    free(conf_driver);
    return ls_error_set(err, LS_ERR_NOMEM, "containers-storage: out of memory");
}

/* ---- JSON files of the store -------------------------------------------------- */

static json_t *read_json(cstorage *cs, const char *name, const char *label, unsigned char **raw,
                         size_t *raw_len, ls_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    json_error_t je;
    json_t *root;
    if (ls_store_read_all(cs->store, name, cs->max_json, &data, &len, err) < 0)
        return NULL;
    root = json_loadb((const char *)data, len, 0, &je);
    if (!root)
        ls_error_set(err, LS_ERR_FORMAT, "%s: %s: invalid JSON at line %d: %s", label, name, je.line,
                     je.text);
    if (raw && root) {
        *raw = data;
        *raw_len = len;
    } else {
        free(data);
    }
    return root;
}

static const char *str_field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- choosing the image ------------------------------------------------------ */

static bool has_name(json_t *img, const char *want)
{
    json_t *names = json_object_get(img, "names"), *v;
    size_t i;
    json_array_foreach(names, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
            return true;
    return false;
}

/* Does img carry name, spelled as given or completed the way short names
 * are: ":latest" when untagged, then localhost/, docker.io/ and
 * docker.io/library/ in front. */
static bool name_matches(json_t *img, const char *name)
{
    static const char *const prefixes[] = {"", "localhost/", "docker.io/", "docker.io/library/"};
    const char *base = strrchr(name, '/');
    bool tagged = strchr(base ? base : name, ':') != NULL;
    char want[1024];
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        if (p == 3 && strchr(name, '/'))
            continue;
        for (int t = 0; t < (tagged ? 1 : 2); t++) {
            int n = snprintf(want, sizeof want, "%s%s%s", prefixes[p], name, t ? ":latest" : "");
            if (n > 0 && (size_t)n < sizeof want && has_name(img, want))
                return true;
        }
    }
    return false;
}

static bool digest_matches(json_t *img, const char *digest)
{
    json_t *ds = json_object_get(img, "digests"), *v;
    size_t i;
    const char *d = str_field(img, "digest");
    if (d && strcmp(d, digest) == 0)
        return true;
    json_array_foreach(ds, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), digest) == 0)
            return true;
    return false;
}

/* Lists the images' first names (or IDs) for a message. */
static void list_images(json_t *images, char *out, size_t cap)
{
    json_t *img;
    size_t i;
    out[0] = '\0';
    json_array_foreach(images, i, img) {
        json_t *first = json_array_get(json_object_get(img, "names"), 0);
        size_t len = strlen(out);
        if (json_is_string(first)) /* unnamed ones are build steps' */
            snprintf(out + len, cap - len, "%s%.100s", len ? ", " : "", json_string_value(first));
    }
    if (!out[0])
        snprintf(out, cap, "no named image");
}

static int choose_image(json_t *images, const char *name, const char *label, json_t **out,
                        ls_error *err)
{
    char buf[1024], avail[LS_ERROR_MSG_MAX / 2];
    const char *at = strchr(name, '@');
    json_t *img, *by_id = NULL;
    size_t i, id_hits = 0;
    *out = NULL;
    if (!json_is_array(images))
        return ls_error_set(err, LS_ERR_FORMAT, "%s: images.json is not an array", label);
    if (at) { /* NAME@sha256:DIGEST, or @ID */
        snprintf(buf, sizeof buf, "%.*s", (int)(at - name), name);
        json_array_foreach(images, i, img) {
            const char *id = str_field(img, "id");
            if ((buf[0] && !name_matches(img, buf)))
                continue;
            if (digest_matches(img, at + 1) || (id && strcmp(id, at + 1) == 0)) {
                *out = img;
                return 0;
            }
        }
    } else {
        json_array_foreach(images, i, img) {
            const char *id = str_field(img, "id");
            if (name_matches(img, name)) {
                *out = img;
                return 0;
            }
            if (id && is_hex(name, 3, 64) && strncmp(id, name, strlen(name)) == 0) {
                by_id = img;
                id_hits++;
            }
        }
        if (id_hits == 1) {
            *out = by_id;
            return 0;
        }
        if (id_hits > 1)
            return ls_error_set(err, LS_ERR_USAGE, "%s: image ID prefix %s is ambiguous (%zu images)",
                                label, name, id_hits);
    }
    list_images(images, avail, sizeof avail);
    return ls_error_set(err, LS_ERR_USAGE, "%s: no image %s in the store (available: %s)", label, name,
                        avail);
}

/* ---- manifest and config ----------------------------------------------------- */

/* containers/storage's file name for a big-data key: the key itself when
 * it is only [.0-9a-z], else "=" and its standard base64. */
static void big_data_name(const char *key, char *out, size_t cap)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(key), o = 0;
    if (strspn(key, ".0123456789abcdefghijklmnopqrstuvwxyz") == n) {
        snprintf(out, cap, "%s", key);
        return;
    }
    out[o++] = '=';
    for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
        unsigned v = (unsigned char)key[i] << 16;
        size_t left = n - i;
        if (left > 1)
            v |= (unsigned char)key[i + 1] << 8;
        if (left > 2)
            v |= (unsigned char)key[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = left > 1 ? b64[(v >> 6) & 63] : '=';
        out[o++] = left > 2 ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

static int load_config(cstorage *cs, ls_image *img, const char *id, const ls_manifest_doc *m,
                       const char *label, ls_error *err)
{
    char key[200], path[400], digest[LS_DIGEST_MAX], what[300];
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = -1;
    if (ls_digest_validate(m->config.digest, label, "config", err) < 0)
        return -1;
    if (strncmp(m->config.digest, "sha256:", 7) != 0)
        return ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: config digest %.20s is not sha256", label,
                            m->config.digest);
    big_data_name(m->config.digest, key, sizeof key);
    snprintf(path, sizeof path, "%s-images/%s/%s", cs->driver, id, key);
    if (ls_store_read_all(cs->store, path, cs->max_json, &data, &len, err) < 0)
        return -1;
    if (ls_sha256_buffer(data, len, digest, err) < 0)
        goto out;
    if (strcmp(digest, m->config.digest) != 0) {
        ls_error_set(err, LS_ERR_DIGEST, "%s: config %s does not match its digest (content is %s)",
                     label, m->config.digest, digest);
        goto out;
    }
    snprintf(what, sizeof what, "%s: config %.19s", label, digest);
    if (ls_manifest_parse_config(img, what, data, len, err) < 0)
        goto out;
    if (!(img->config_digest = strdup(digest))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    rc = 0;
out:
    free(data);
    return rc;
}

/* The image's manifest (big-data key "manifest") and config. */
static int load_metadata(cstorage *cs, ls_image *img, const char *id, const char *label,
                         size_t *n_manifest_layers, ls_error *err)
{
    char path[300], digest[LS_DIGEST_MAX], what[300];
    unsigned char *data = NULL;
    size_t len = 0;
    ls_manifest_doc m = {0};
    int rc = -1;
    snprintf(path, sizeof path, "%s-images/%s/manifest", cs->driver, id);
    if (ls_store_read_all(cs->store, path, cs->max_json, &data, &len, err) < 0)
        return -1;
    if (ls_sha256_buffer(data, len, digest, err) < 0)
        goto out;
    snprintf(what, sizeof what, "%s: manifest %.19s", label, digest);
    if (ls_manifest_parse(&m, what, data, len, err) < 0)
        goto out;
    if (m.kind != LS_DOC_MANIFEST || !m.config.digest) {
        ls_error_set(err, LS_ERR_UNSUPPORTED,
                     "%s: the image's manifest is not an image manifest with a config", label);
        goto out;
    }
    if (!(img->manifest_digest = strdup(digest))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    *n_manifest_layers = m.n_layers;
    rc = load_config(cs, img, id, &m, label, err);
out:
    ls_manifest_doc_free(&m);
    free(data);
    return rc;
}

/* ---- layers ------------------------------------------------------------------- */

static json_t *find_layer(json_t *layers, const char *id)
{
    json_t *l;
    size_t i;
    json_array_foreach(layers, i, l) {
        const char *lid = str_field(l, "id");
        if (lid && strcmp(lid, id) == 0)
            return l;
    }
    return NULL;
}

/* Walks from the top layer down the parents; fills cs->ids/diffs bottom
 * first and img->layers. */
static int load_layers(cstorage *cs, ls_image *img, const char *top, const char *label,
                       ls_error *err)
{
    char path[300], what[160];
    json_t *layers, *l;
    const char *id = top;
    size_t count = 0, max;
    int rc = -1;
    snprintf(path, sizeof path, "%s-layers/layers.json", cs->driver);
    if (!(layers = read_json(cs, path, label, NULL, NULL, err)))
        return -1;
    if (!json_is_array(layers)) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: %s is not an array", label, path);
        goto out;
    }
    max = json_array_size(layers);
    if (max > LS_MAX_LAYERS)
        max = LS_MAX_LAYERS;
    cs->ids = calloc(max + 1, sizeof *cs->ids);
    cs->diffs = calloc(max + 1, sizeof *cs->diffs);
    if (!cs->ids || !cs->diffs) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    while (id && *id) {
        const char *diff;
        if (count == max) { /* a parent cycle, or more layers than listed */
            ls_error_set(err, LS_ERR_FORMAT, "%s: %s: the layer chain loops", label, path);
            goto out;
        }
        if (!is_hex(id, 64, 64)) {
            ls_error_set(err, LS_ERR_FORMAT, "%s: %s: invalid layer ID %.80s", label, path, id);
            goto out;
        }
        if (!(l = find_layer(layers, id))) {
            ls_error_set(err, LS_ERR_FORMAT, "%s: layer %.12s is not in %s", label, id, path);
            goto out;
        }
        diff = str_field(l, "diff-digest");
        snprintf(what, sizeof what, "layer %.12s diff-digest", id);
        if (ls_digest_validate(diff, label, what, err) < 0)
            goto out;
        if (strncmp(diff, "sha256:", 7) != 0) { /* the rebuilt tar is hashed with sha256 */
            ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: %s is not sha256", label, what);
            goto out;
        }
        cs->ids[count] = strdup(id);
        cs->diffs[count] = strdup(diff);
        cs->n = ++count;
        if (!cs->ids[count - 1] || !cs->diffs[count - 1]) {
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
            goto out;
        }
        id = str_field(l, "parent");
    }
    for (size_t i = 0; i < count / 2; i++) { /* bottom first */
        char *a = cs->ids[i], *b = cs->diffs[i];
        cs->ids[i] = cs->ids[count - 1 - i];
        cs->diffs[i] = cs->diffs[count - 1 - i];
        cs->ids[count - 1 - i] = a;
        cs->diffs[count - 1 - i] = b;
    }
    if (!(img->layers = calloc(count ? count : 1, sizeof *img->layers))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        ls_layer_ref *r = &img->layers[i];
        json_t *size = json_object_get(find_layer(layers, cs->ids[i]), "diff-size");
        img->n_layers = i + 1;
        if (strcmp(cs->driver, "vfs") == 0)
            snprintf(path, sizeof path, "vfs/dir/%s", cs->ids[i]);
        else
            snprintf(path, sizeof path, "overlay/%s/diff", cs->ids[i]);
        r->size = json_is_integer(size) && json_integer_value(size) >= 0 ? json_integer_value(size) : -1;
        r->digest = strdup(cs->diffs[i]);
        r->media_type = strdup(CS_MT_TAR);
        r->location = strdup(path);
        if (!r->digest || !r->media_type || !r->location) {
            ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(layers);
    return rc;
}

/* ---- the transport ------------------------------------------------------------- */

static void cs_free(void *state)
{
    cstorage *cs = state;
    if (!cs)
        return;
    if (cs->root_fd >= 0)
        close(cs->root_fd);
    ls_store_free(cs->store);
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->ids[i]);
        free(cs->diffs[i]);
    }
    free(cs->ids);
    free(cs->diffs);
    free(cs);
}

static int load_image(cstorage *cs, ls_image *img, const cs_spec *s, const char *label, ls_error *err)
{
    char path[300];
    json_t *images, *pick;
    const char *id, *top;
    size_t n_manifest = 0;
    int rc = -1;
    snprintf(path, sizeof path, "%s-images/images.json", cs->driver);
    if (!(images = read_json(cs, path, label, NULL, NULL, err)))
        return -1;
    if (choose_image(images, s->name, label, &pick, err) < 0)
        goto out;
    id = str_field(pick, "id");
    top = str_field(pick, "layer");
    if (!id || !is_hex(id, 64, 64)) {
        ls_error_set(err, LS_ERR_FORMAT, "%s: %s: invalid image ID", label, path);
        goto out;
    }
    if (load_metadata(cs, img, id, label, &n_manifest, err) < 0 || load_layers(cs, img, top, label, err) < 0)
        goto out;
    if (cs->n != n_manifest || (img->n_diff_ids && cs->n != img->n_diff_ids)) {
        ls_error_set(err, LS_ERR_FORMAT,
                     "%s: the store holds %zu layers for image %.12s, its manifest %zu and its config %zu",
                     label, cs->n, id, n_manifest, img->n_diff_ids);
        goto out;
    }
    rc = 0;
out:
    json_decref(images);
    return rc;
}

static int cs_load(void **state, ls_image *img, const ls_transport_args *a, ls_error *err)
{
    cs_spec s;
    cstorage *cs = NULL;
    int rc = -1;
    if (parse_spec(a->ref ? a->ref : "", &s, err) < 0 || complete_spec(&s, err) < 0)
        goto out;
    if (strcmp(s.driver, "overlay2") == 0) /* containers/storage's alias */
        s.driver[7] = '\0';
    if (strcmp(s.driver, "overlay") != 0 && strcmp(s.driver, "vfs") != 0) {
        ls_error_set(err, LS_ERR_UNSUPPORTED, "%s: storage driver %s is not supported (overlay, vfs)",
                     a->label, s.driver);
        goto out;
    }
    if (!(cs = calloc(1, sizeof *cs))) {
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", a->label);
        goto out;
    }
    cs->root_fd = -1;
    *state = cs;
    snprintf(cs->driver, sizeof cs->driver, "%s", s.driver);
    cs->max_json = a->max_json ? (a->max_json > LS_MAX_JSON_HARD ? LS_MAX_JSON_HARD : (size_t)a->max_json)
                               : LS_MAX_JSON_BYTES;
    if ((cs->root_fd = open(s.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        ls_error_set(err, LS_ERR_IO, "%s: storage root %s: %s", a->label, s.root, strerror(errno));
        goto out;
    }
    if (ls_store_open_dir(&cs->store, s.root, err) < 0)
        goto out;
    ls_store_set_max_json(cs->store, cs->max_json);
    rc = load_image(cs, img, &s, a->label, err);
out:
    spec_clear(&s);
    return rc;
}

static ls_reader *cs_open_layer(void *state, const ls_image *img, size_t i, const char *label,
                                ls_error *err)
{
    cstorage *cs = state;
    char meta_path[300], name[600];
    bool missing = false;
    ls_error local = {0};
    ls_reader *meta;
    int dfd;
    /* the pipeline words layer errors "layer I: ...": the label suffices */
    snprintf(name, sizeof name, "%s", label);
    snprintf(meta_path, sizeof meta_path, "%s-layers/%s.tar-split.gz", cs->driver, cs->ids[i]);
    if (!(meta = ls_store_open(cs->store, meta_path, &missing, &local))) {
        if (missing)
            ls_error_set(err, LS_ERR_UNSUPPORTED,
                         "%s: layer %zu (%.12s) has no tar-split metadata (%s); such layers are not read",
                         name, i, cs->ids[i], meta_path);
        else
            ls_error_pass(err, &local);
        return NULL;
    }
    if ((dfd = ls_tarsplit_openat(cs->root_fd, img->layers[i].location, 1)) < 0) {
        ls_error_set(err, errno == ENOENT ? LS_ERR_IO : LS_ERR_FORMAT, "%s: layer directory %s: %s",
                     name, img->layers[i].location, errno == ELOOP ? "a symlink (refused)" : strerror(errno));
        ls_reader_free(meta);
        return NULL;
    }
    return ls_tarsplit_reader(meta, dfd, cs->diffs[i], cs->max_json, name, err);
}

const ls_transport ls_cstorage_transport = {
    .load = cs_load,
    .open_layer = cs_open_layer,
    .free = cs_free,
};
