/*
 * fuzz_authfile.c - arbitrary bytes as a containers/Docker auth file
 * (analyzer/registry/creds.c): the file is the user's, but it is parsed on
 * every registry command and a crash or a leak there would take every
 * audit down. Looked up for a few registry names (a host:port, Docker Hub
 * through its aliases, a URL key); a password found must turn into a
 * Basic value, and no refusal may quote the file's text (jansson's
 * "near '...'" could be the password).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "registry/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const domains[] = {"127.0.0.1:5000", "docker.io", "quay.io", "h:1"};
    const char *path;
    if (size > 256 * 1024)
        return 0;
    path = fuzz_temp_file(data, size);
    for (size_t i = 0; i < sizeof domains / sizeof *domains; i++) {
        ls_creds c;
        ls_error err = {0};
        int rc;
        rc = ls_authfile_lookup(&c, path, domains[i], true, &err);
        if (rc == 1 && c.kind == LS_CREDS_PASSWORD) {
            char *basic = ls_creds_basic(&c);
            if (!basic || strncmp(basic, "Basic ", 6) != 0)
                abort();
            free(basic);
        }
        if (rc < 0 && strstr(err.msg, "near '"))
            abort(); /* jansson's text quoted back */
        if (rc < 0 && strncmp(err.msg, path, strlen(path)) != 0)
            abort(); /* every refusal names the file */
        ls_creds_clear(&c);
    }
    return 0;
}
