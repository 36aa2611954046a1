/*
 * main.c - the layerscan command line: argv in, exit status out. The only
 * caller of exit() (besides --help/--version); each command lives in its own
 * cmd_*.c over the core library.
 *
 * Exit status: 0 no finding, 1 findings, 2 the scan could not be done.
 */
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/env.h"
#include "core/failure.h"
#include "core/mapguard.h"
#include "registry/registry.h"

/* libarchive ends the process with exit(1) when some of its allocations
 * fail (__archive_errx: "Fatal Internal Error in libarchive: Out of
 * memory"), from whichever thread hit it. exit() then runs libcrypto's and
 * libcurl's exit-time cleanups while the other threads still hash and fetch:
 * a crash instead of that status 1. No exit() while a command runs is ours
 * (main returns), so the guard, run first among the exit handlers, ends the
 * process there and then with the status libarchive asked for. */
static atomic_bool command_running;

static void exit_guard(void)
{
    if (atomic_load(&command_running))
        _exit(1);
}

static int install_exit_guard(void)
{
    /* libcrypto registers its cleanup when it initializes: before ours, so
     * ours runs first (exit handlers run in reverse order) */
    if (OPENSSL_init_crypto(0, NULL) != 1 || atexit(exit_guard) != 0)
        return -1;
    return 0;
}

/* Runs command cmd with its operands argv[first..argc). */
static int dispatch(const char *cmd, int argc, char **argv, int first, cli_opts *o)
{
    if (strcmp(cmd, "audit") == 0) {
        if (argc - first != (o->registry_host ? 0 : 1)) {
            fprintf(stderr, "layerscan: usage: layerscan audit [options] LIST|- (or --registry HOST)\n");
            return EXIT_ERROR;
        }
        return cli_cmd_audit(o, o->registry_host ? NULL : argv[first]);
    }
    if (cli_audit_only_option(o)) {
        fprintf(stderr, "layerscan: %s is an option of audit only\n", cli_audit_only_option(o));
        return EXIT_ERROR;
    }
    if (strcmp(cmd, "scan") != 0 && cli_cache_option(o)) {
        fprintf(stderr, "layerscan: %s is an option of scan and audit only\n", cli_cache_option(o));
        return EXIT_ERROR;
    }
    if (strcmp(cmd, "scan") == 0) {
        if (argc - first != 1) {
            fprintf(stderr, "layerscan: scan takes exactly one IMAGE (see layerscan --help)\n");
            return EXIT_ERROR;
        }
        return cli_cmd_scan(o, argv[first]);
    }
    if (strcmp(cmd, "rules") == 0) {
        if (argc - first != 1) {
            fprintf(stderr, "layerscan: usage: layerscan rules list|test\n");
            return EXIT_ERROR;
        }
        return cli_cmd_rules(o, argv[first]);
    }
    if (strcmp(cmd, "baseline") == 0) {
        if (argc - first < 1 || argc - first > 2) {
            fprintf(stderr, "layerscan: usage: layerscan baseline create IMAGE | --from-report REPORT.json\n");
            return EXIT_ERROR;
        }
        return cli_cmd_baseline(o, argv[first], argc - first == 2 ? argv[first + 1] : NULL);
    }
    if (strcmp(cmd, "registry") == 0) {
        if (argc - first != 2) {
            fprintf(stderr, "layerscan: usage: layerscan registry ls docker://HOST[:PORT][/REPO]\n");
            return EXIT_ERROR;
        }
        return cli_cmd_registry(o, argv[first], argv[first + 1]);
    }
    if (strcmp(cmd, "layers") == 0 || strcmp(cmd, "history") == 0 || strcmp(cmd, "extract") == 0 ||
        strcmp(cmd, "diff") == 0) {
        if (argc - first != 1) {
            fprintf(stderr, "layerscan: %s takes exactly one IMAGE (see layerscan --help)\n", cmd);
            return EXIT_ERROR;
        }
        return cli_cmd_inspect(o, cmd, argv[first]);
    }
    fprintf(stderr, "layerscan: unknown command '%s' (see layerscan --help)\n", cmd);
    return EXIT_ERROR;
}

int main(int argc, char **argv)
{
    cli_opts o = {.format = "text", .fail_on = -1, .min_confidence = -1, .layer = -1};
    const char *cmd;
    int first, rc;
    if (argc < 2) {
        cli_usage(stderr);
        return EXIT_ERROR;
    }
    /* libcurl's global init is not thread-safe: do it here, once, before any
     * command can start threads (layers are fetched from worker threads). */
    if (ls_registry_global_init() != 0) {
        fprintf(stderr, "layerscan: libcurl cannot start\n");
        return EXIT_ERROR;
    }
    /* Inputs in local files are read through mappings; a file cut short
     * under one raises SIGBUS, which the guard turns into that layer's error
     * (core/mapguard.h). Process state: installed here, before any thread. */
    {
        ls_error gerr = {0};
        if (ls_mapguard_init(&gerr) != 0) {
            fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&gerr));
            return EXIT_ERROR;
        }
    }
    cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        cli_print_version();
        return EXIT_CLEAN;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        cli_usage(stdout);
        return EXIT_CLEAN;
    }
    first = cli_parse_opts(argc - 1, argv + 1, &o);
    if (first < 0)
        return EXIT_ERROR;
    cli_env_read(&o);
    first += 1; /* index in argv */
    if (cli_load_keys(&o) != 0)
        return EXIT_ERROR;
    if (install_exit_guard() != 0) {
        fprintf(stderr, "layerscan: cannot set up the exit handlers\n");
        cli_free_keys(&o);
        return EXIT_ERROR;
    }
    atomic_store(&command_running, true);
    rc = dispatch(cmd, argc, argv, first, &o);
    atomic_store(&command_running, false);
    cli_free_keys(&o);
    return rc;
}
