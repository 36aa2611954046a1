/*
 * main.c - the layerscan command line: argv in, exit status out. The only
 * caller of exit(); everything it does is a call into the core library.
 *
 * Exit status: 0 no finding, 1 findings, 2 the scan could not be done.
 */
#include <getopt.h>
#include <hs/hs.h>
#include <archive.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "layerscan/rules.h"
#include "layerscan/scan.h"
#include "match/matcher.h"
#include "report/writer.h"
#include "rules/selftest.h"

#define EXIT_CLEAN 0
#define EXIT_FINDINGS 1
#define EXIT_ERROR 2
#define MAX_RULE_PATHS 64
#define MAX_DISABLED 256

typedef struct {
    const char *format;        /* "text" | "json" */
    const char *output;        /* -o FILE, NULL = stdout */
    const char *platform;
    bool show_secrets;
    bool verbose;
    const char *rule_paths[MAX_RULE_PATHS];
    size_t n_rule_paths;
    bool no_default_rules;
    const char *disabled[MAX_DISABLED];
    size_t n_disabled;
} cli_opts;

static void usage(FILE *out)
{
    fputs("usage: layerscan scan [options] IMAGE\n"
          "       layerscan rules list|test [--rules FILE|DIR] [--verbose]\n"
          "       layerscan --version | --help\n"
          "\n"
          "IMAGE: docker-archive:FILE | oci:DIR[:REF] | oci-archive:FILE[:REF] | a path (auto-detected;\n"
          "       a lone tar, tar.gz or tar.zst is scanned as one layer)\n"
          "\n"
          "options:\n"
          "  --format text|json     report format (default text)\n"
          "  -o, --output FILE      write the report to FILE instead of standard output\n"
          "  --platform OS/ARCH[/VARIANT]  pick one image of a multi-platform index\n"
          "  --show-secrets         print secrets whole (redacted by default)\n"
          "  --rules FILE|DIR       add rules (a rule with an existing id replaces it); repeatable\n"
          "  --no-default-rules     use only the --rules given\n"
          "  --disable-rule ID      drop a rule; repeatable\n"
          "\n"
          "exit status: 0 no finding, 1 findings, 2 the scan could not be done\n",
          out);
}

static void print_version(void)
{
    printf("layerscan %s\n", LAYERSCAN_VERSION);
    printf("hyperscan %s\n", hs_version());
    printf("%s\n", archive_version_string());
    printf("zlib %s (inflater: zlib)\n", zlibVersion());
    printf("zstd %s\n", ZSTD_versionString());
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled rules: $LAYERSCAN_PATTERNS, then <prefix>/share/layerscan/patterns
 * beside an installed binary, then the source tree this binary was built from. */
static const char *default_patterns(char *buf, size_t cap)
{
    const char *env = getenv("LAYERSCAN_PATTERNS");
    char exe[4096];
    ssize_t n;
    if (env && *env)
        return env;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, cap, "%s/../share/layerscan/patterns", exe);
            if (is_dir(buf))
                return buf;
        }
    }
    return LAYERSCAN_DEFAULT_PATTERNS;
}

static ls_ruleset *load_rules(const cli_opts *o, ls_error *err)
{
    char buf[4200];
    ls_ruleset *rs = ls_ruleset_new();
    if (!rs) {
        ls_error_set(err, LS_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (!o->no_default_rules && ls_ruleset_load(rs, default_patterns(buf, sizeof buf), err) != 0)
        goto fail;
    for (size_t i = 0; i < o->n_rule_paths; i++)
        if (ls_ruleset_load(rs, o->rule_paths[i], err) != 0)
            goto fail;
    for (size_t i = 0; i < o->n_disabled; i++)
        if (ls_ruleset_disable(rs, o->disabled[i]) != 0) {
            ls_error_set(err, LS_ERR_USAGE, "--disable-rule %s: no such rule", o->disabled[i]);
            goto fail;
        }
    if (ls_ruleset_count(rs) == 0) {
        ls_error_set(err, LS_ERR_USAGE, "no rules to scan with");
        goto fail;
    }
    return rs;
fail:
    ls_ruleset_free(rs);
    return NULL;
}

enum { OPT_FORMAT = 256, OPT_PLATFORM, OPT_SHOW, OPT_RULES, OPT_NO_DEFAULT, OPT_DISABLE, OPT_VERSION };

static const struct option long_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, 'o'},
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"show-secrets", no_argument, NULL, OPT_SHOW},
    {"rules", required_argument, NULL, OPT_RULES},
    {"no-default-rules", no_argument, NULL, OPT_NO_DEFAULT},
    {"disable-rule", required_argument, NULL, OPT_DISABLE},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Parses options after the command word. Returns the index of the first
 * operand, or -1 after printing a one-line error. */
static int parse_opts(int argc, char **argv, cli_opts *o)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:vh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
                fprintf(stderr, "layerscan: --format %s: expected text or json\n", optarg);
                return -1;
            }
            o->format = optarg;
            break;
        case 'o': o->output = optarg; break;
        case OPT_PLATFORM: o->platform = optarg; break;
        case OPT_SHOW: o->show_secrets = true; break;
        case OPT_RULES:
            if (o->n_rule_paths == MAX_RULE_PATHS) {
                fprintf(stderr, "layerscan: too many --rules\n");
                return -1;
            }
            o->rule_paths[o->n_rule_paths++] = optarg;
            break;
        case OPT_NO_DEFAULT: o->no_default_rules = true; break;
        case OPT_DISABLE:
            if (o->n_disabled == MAX_DISABLED) {
                fprintf(stderr, "layerscan: too many --disable-rule\n");
                return -1;
            }
            o->disabled[o->n_disabled++] = optarg;
            break;
        case 'v': o->verbose = true; break;
        case 'h': usage(stdout); exit(EXIT_CLEAN);
        case OPT_VERSION: print_version(); exit(EXIT_CLEAN);
        case ':':
            fprintf(stderr, "layerscan: option %s needs a value\n", argv[optind - 1]);
            return -1;
        default:
            fprintf(stderr, "layerscan: unknown option %s (see layerscan --help)\n", argv[optind - 1]);
            return -1;
        }
    }
    return optind;
}

static int write_report(const ls_report *r, const cli_opts *o, ls_error *err)
{
    ls_write_opts wo = {.show_secrets = o->show_secrets};
    ls_report_writer writer = strcmp(o->format, "json") == 0 ? ls_report_write_json : ls_report_write_text;
    FILE *out = stdout;
    int rc;
    if (o->output && !(out = fopen(o->output, "w")))
        return ls_error_set(err, LS_ERR_IO, "%s: cannot write the report", o->output);
    wo.color = !o->output && strcmp(o->format, "text") == 0 && isatty(STDOUT_FILENO) &&
               !getenv("NO_COLOR");
    rc = writer(r, out, &wo, err);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot write the report", o->output);
    if (out == stdout && fflush(stdout) != 0 && rc == 0)
        rc = ls_error_set(err, LS_ERR_IO, "cannot write the report to standard output");
    return rc;
}

static int cmd_scan(const cli_opts *o, const char *image)
{
    ls_error err;
    ls_ruleset *rs;
    ls_matcher *m = NULL;
    ls_report *r = NULL;
    ls_scan_opts so = {.platform = o->platform};
    int status = EXIT_ERROR;
    ls_error_clear(&err);
    if (!(rs = load_rules(o, &err)) || ls_matcher_new(&m, rs, &err) != 0)
        goto out;
    if (ls_scan_image(image, m, &so, &r, &err) != 0)
        goto out;
    if (write_report(r, o, &err) != 0)
        goto out;
    status = r->n_findings ? EXIT_FINDINGS : EXIT_CLEAN;
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_report_free(r);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    return status;
}

static int cmd_rules(const cli_opts *o, const char *what)
{
    ls_error err;
    ls_ruleset *rs;
    ls_matcher *m = NULL;
    int status = EXIT_ERROR;
    ls_error_clear(&err);
    if (!(rs = load_rules(o, &err)))
        goto out;
    if (strcmp(what, "list") == 0) {
        for (size_t i = 0; i < ls_ruleset_count(rs); i++) {
            const ls_rule *r = ls_ruleset_get(rs, i);
            printf("%-32s %-8s %-6s %s\n", r->id, ls_severity_name(r->severity),
                   ls_confidence_name(r->confidence), r->title);
        }
        status = EXIT_CLEAN;
    } else if (strcmp(what, "test") == 0) {
        size_t failed;
        if (ls_matcher_new(&m, rs, &err) != 0)
            goto out;
        failed = ls_rules_selftest(m, stdout, o->verbose, &err);
        if (failed == (size_t)-1)
            goto out;
        printf("%zu rules, %zu passed, %zu failed\n", ls_ruleset_count(rs), ls_ruleset_count(rs) - failed,
               failed);
        status = failed ? EXIT_FINDINGS : EXIT_CLEAN;
    } else {
        ls_error_set(&err, LS_ERR_USAGE, "rules %s: expected list or test", what);
    }
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    return status;
}

int main(int argc, char **argv)
{
    cli_opts o = {.format = "text"};
    const char *cmd;
    int first;
    if (argc < 2) {
        usage(stderr);
        return EXIT_ERROR;
    }
    cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        print_version();
        return EXIT_CLEAN;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    first = parse_opts(argc - 1, argv + 1, &o);
    if (first < 0)
        return EXIT_ERROR;
    first += 1; /* index in argv */
    if (strcmp(cmd, "scan") == 0) {
        if (argc - first != 1) {
            fprintf(stderr, "layerscan: scan takes exactly one IMAGE (see layerscan --help)\n");
            return EXIT_ERROR;
        }
        return cmd_scan(&o, argv[first]);
    }
    if (strcmp(cmd, "rules") == 0) {
        if (argc - first != 1) {
            fprintf(stderr, "layerscan: usage: layerscan rules list|test\n");
            return EXIT_ERROR;
        }
        return cmd_rules(&o, argv[first]);
    }
    fprintf(stderr, "layerscan: unknown command '%s' (see layerscan --help)\n", cmd);
    return EXIT_ERROR;
}
