/*
 * engine.c - see engine.h. One GET over the registry module's pull-based
 * HTTP client (http.h), pointed at a Unix socket: the body is read as the
 * caller pulls, so memory stays one small buffer whatever the image size.
 */
#include "registry/engine.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/http.h"

/* The engine's error text ({"message": "..."}) is quoted up to this. */
#define ENGINE_ERROR_BODY 4096

typedef struct {
    ls_http_config cfg;
    ls_http *http;
    char *label;
} engine_get;

static void engine_get_free(engine_get *g)
{
    if (!g)
        return;
    if (g->http) {
        ls_http_end(g->http);
        ls_http_free(g->http);
    }
    free((char *)g->cfg.unix_socket);
    free(g->label);
    free(g);
}

static ssize_t engine_read(void *ctx, void *buf, size_t n, ls_error *err)
{
    engine_get *g = ctx;
    CURLcode cc = CURLE_OK;
    ssize_t k = ls_http_read(g->http, buf, n, &cc);
    if (k < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: the engine's answer broke off: %s", g->label,
                            ls_http_errmsg(g->http, cc));
    return k;
}

static void engine_close(void *ctx)
{
    engine_get_free(ctx);
}

static const char *engine_name(void *ctx)
{
    return ((engine_get *)ctx)->label;
}

static const ls_reader_ops engine_ops = {.read = engine_read, .close = engine_close, .name = engine_name};

/* NAME as a path segment: what image names hold ([a-z0-9._-/:@] and
 * uppercase hex of digests) stays, anything else is %-escaped. */
static int escape_name(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     strchr("._-/:@", *p);
        if (o + 4 > cap)
            return -1;
        if (plain) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return 0;
}

/* The engine's own words for a refusal: {"message": "..."}, else the body. */
static void engine_message(ls_http *h, char *out, size_t cap)
{
    char *body = NULL;
    size_t len = 0;
    CURLcode cc;
    json_t *j;
    out[0] = '\0';
    if (ls_http_read_all(h, ENGINE_ERROR_BODY, &body, &len, &cc) != 0 || !body)
        return;
    j = json_loadb(body, len, 0, NULL);
    if (j && json_is_string(json_object_get(j, "message")))
        snprintf(out, cap, "%s", json_string_value(json_object_get(j, "message")));
    else
        snprintf(out, cap, "%.*s", (int)(len < 200 ? len : 200), body);
    json_decref(j);
    free(body);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
}

ls_reader *ls_engine_save(const char *socket_path, const char *name, const char *label, ls_error *err)
{
    char path[1100], url[1200], msg[512];
    engine_get *g;
    CURLcode cc;
    long status;
    ls_reader *r;
    if (!socket_path)
        socket_path = LS_ENGINE_DEFAULT_SOCKET;
    if (strncmp(socket_path, "unix://", 7) == 0)
        socket_path += 7;
    else if (strstr(socket_path, "://")) {
        ls_error_set(err, LS_ERR_USAGE, "%s: engine address %s: only a unix:// socket is read", label,
                     socket_path);
        return NULL;
    }
    if (!*name || strlen(name) > 512 || strstr(name, "..")) {
        ls_error_set(err, LS_ERR_USAGE, "%s: not an image name the engine takes", label);
        return NULL;
    }
    if (escape_name(name, path, sizeof path) < 0) {
        ls_error_set(err, LS_ERR_USAGE, "%s: image name too long", label);
        return NULL;
    }
    snprintf(url, sizeof url, "http://localhost/images/%s/get", path);
    if ((g = calloc(1, sizeof *g)))
        g->cfg.connect_ms = 10000; /* a local socket answers at once or not at all */
    if (!g || !(g->cfg.unix_socket = strdup(socket_path)) || !(g->label = strdup(label)) ||
        !(g->http = ls_http_new(&g->cfg))) {
        engine_get_free(g);
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
        return NULL;
    }
    if ((cc = ls_http_begin(g->http, url, NULL, 0)) != CURLE_OK) {
        ls_error_set(err, LS_ERR_IO, "%s: cannot connect to the engine at unix://%s (is Docker, or "
                     "`podman system service`, listening there? DOCKER_HOST names another): %s",
                     label, socket_path, ls_http_errmsg(g->http, cc));
        engine_get_free(g);
        return NULL;
    }
    status = ls_http_response_of(g->http)->status;
    if (status != 200) {
        engine_message(g->http, msg, sizeof msg);
        if (status == 404)
            ls_error_set(err, LS_ERR_USAGE, "%s: the engine at unix://%s has no such image (%s)", label,
                         socket_path, msg[0] ? msg : "HTTP 404");
        else
            ls_error_set(err, LS_ERR_IO, "%s: the engine at unix://%s answered HTTP %ld%s%s", label,
                         socket_path, status, msg[0] ? ": " : "", msg);
        engine_get_free(g);
        return NULL;
    }
    if (!(r = ls_reader_new(&engine_ops, g)))
        ls_error_set(err, LS_ERR_NOMEM, "%s: out of memory", label);
    return r;
}
