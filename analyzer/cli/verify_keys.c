/*
 * verify_keys.c - the --verify-key files, loaded once before any image is
 * read (a bad key is a usage error, not a finding on every image of an
 * audit).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "core/failure.h"
#include "supply/keys.h"

int cli_load_keys(cli_opts *o)
{
    ls_error err = {0};
    if (o->require_signature && o->n_verify_keys == 0) {
        fprintf(stderr, "layerscan: --require-signature needs --verify-key FILE (the key the image "
                        "must be signed with)\n");
        return -1;
    }
    if (o->n_verify_keys == 0)
        return 0;
    if (ls_keyring_load(&o->keyring, o->verify_keys, o->n_verify_keys, &err) != 0) {
        fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&err));
        return -1;
    }
    return 0;
}

void cli_free_keys(cli_opts *o)
{
    ls_keyring_free(o->keyring);
    o->keyring = NULL;
}
