/*
 * cmd_registry.c - `layerscan registry ls docker://HOST[:PORT][/REPO]`: the
 * repositories of a registry's catalog, or the tags of one repository, one
 * per line, walking every page. A thin shell over the listing API of
 * analyzer/registry (which `layerscan audit` builds on); --verbose adds a
 * line on stderr with the count, the pages and the bytes fetched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/failure.h"
#include "registry/registry.h"

#define DEFAULT_PAGE_SIZE 100

typedef struct {
    size_t n;
    bool write_failed;
} list_state;

static int print_name(void *ctx, const char *name)
{
    list_state *s = ctx;
    s->n++;
    if (printf("%s\n", name) < 0) {
        s->write_failed = true;
        return 1;
    }
    return 0;
}

int cli_cmd_registry(const cli_opts *o, const char *what, const char *target)
{
    ls_error err = {0};
    ls_registry *c = NULL;
    list_state st = {0};
    const char *t = target, *slash;
    char *domain = NULL;
    size_t pages = 0;
    unsigned page = o->page_size ? o->page_size : DEFAULT_PAGE_SIZE;
    int rc = -1;
    if (strcmp(what, "ls") != 0) {
        fprintf(stderr, "layerscan: registry %s: unknown subcommand (expected ls)\n", what);
        return EXIT_ERROR;
    }
    if (strncmp(t, "docker://", 9) != 0) {
        fprintf(stderr, "layerscan: %s: expected docker://HOST[:PORT][/REPO]\n", target);
        return EXIT_ERROR;
    }
    t += 9;
    slash = strchr(t, '/');
    if (!(domain = strndup(t, slash ? (size_t)(slash - t) : strlen(t)))) {
        ls_error_set(&err, LS_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (ls_registry_open(&c, domain, &o->registry, &err) < 0)
        goto out;
    rc = slash && slash[1] ? ls_registry_list_tags(c, slash + 1, page, print_name, &st, &pages, &err)
                           : ls_registry_list_repos(c, page, print_name, &st, &pages, &err);
    if (fflush(stdout) != 0 || st.write_failed) {
        ls_error_set(&err, LS_ERR_IO, "cannot write to standard output");
        rc = -1;
    }
    if (rc == 0 && o->verbose)
        fprintf(stderr, "layerscan: %s: %zu %s in %zu page%s, %llu bytes fetched\n", target, st.n,
                slash && slash[1] ? "tags" : "repositories", pages, pages == 1 ? "" : "s",
                (unsigned long long)ls_registry_bytes_fetched(c));
out:
    if (rc != 0)
        fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&err));
    ls_registry_free(c);
    free(domain);
    return rc == 0 ? EXIT_CLEAN : EXIT_ERROR;
}
