/*
 * options.c - the options of every command, parsed once into cli_opts, and
 * the help and version texts.
 *
 * Shaped as curl's aliases[] table (tool_getparam.c): one row per option
 * says its names, its argument, the commands it is for, its help and how it
 * is stored, and one loop parses them all; `--help` (whole program, or one
 * command's options) is printed from the same rows, so the two cannot drift.
 * To add an option, add a row (and a setter if its value is checked).
 */
#include <archive.h>
#include <errno.h>
#include <getopt.h>
#include <hs/hs.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "blob/blob.h"
#include "cli/audit.h"
#include "cli/cli.h"
#include "match/matcher.h"
#include "source/manifest.h"

bool cli_format_valid(const char *f)
{
    return strcmp(f, "text") == 0 || strcmp(f, "json") == 0 || strcmp(f, "jsonl") == 0 ||
           strcmp(f, "sarif") == 0 || strcmp(f, "html") == 0;
}

void cli_print_version(void)
{
    printf("layerscan %s\n", LAYERSCAN_VERSION);
    printf("hyperscan %s\n", hs_version());
    printf("%s\n", archive_version_string());
    printf("zlib %s (inflater: %s)\n", zlibVersion(), ls_blob_inflater());
    printf("zstd %s\n", ZSTD_versionString());
}

/* A positive count up to max, with an optional K/M/G (binary) suffix when
 * sized. Prints the error and returns -1 when it is not one. */
static int parse_count(const char *opt, const char *arg, bool sized, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    uint64_t mul = 1;
    if (*arg >= '0' && *arg <= '9') {
        v = strtoull(arg, &end, 10);
        if (sized && *end && !end[1]) {
            switch (*end) {
            case 'k': case 'K': mul = 1024; end++; break;
            case 'm': case 'M': mul = 1024 * 1024; end++; break;
            case 'g': case 'G': mul = 1024 * 1024 * 1024; end++; break;
            default: break;
            }
        }
        if (!*end && v >= 1 && v <= max / mul) {
            *out = v * mul;
            return 0;
        }
    }
    fprintf(stderr, "layerscan: --%s %s: expected a number from 1 to %llu%s\n", opt, arg,
            (unsigned long long)max, sized ? " (K, M, G suffixes allowed)" : "");
    return -1;
}

/* ---- setters: one per option whose value is checked or converted. Each
 * stores into o and returns 0, or prints the one-line error and returns -1.
 * Options that only set a flag or keep a string need none (the table's
 * field does it). */

enum { SET_HELP = 1, SET_VERSION = 2 }; /* what opt_help, opt_version return */

static int opt_help(cli_opts *o, const char *arg) { (void)o; (void)arg; return SET_HELP; }
static int opt_version(cli_opts *o, const char *arg) { (void)o; (void)arg; return SET_VERSION; }

static int opt_format(cli_opts *o, const char *arg)
{
    if (!cli_format_valid(arg)) {
        fprintf(stderr, "layerscan: --format %s: expected text, json, jsonl, sarif or html\n", arg);
        return -1;
    }
    o->format = arg;
    o->format_given = true;
    return 0;
}

static int opt_rules(cli_opts *o, const char *arg)
{
    if (o->n_rule_paths == CLI_MAX_RULE_PATHS) {
        fprintf(stderr, "layerscan: too many --rules\n");
        return -1;
    }
    o->rule_paths[o->n_rule_paths++] = arg;
    return 0;
}

static int opt_verify_key(cli_opts *o, const char *arg)
{
    if (o->n_verify_keys == CLI_MAX_VERIFY_KEYS) {
        fprintf(stderr, "layerscan: too many --verify-key (at most %d)\n", CLI_MAX_VERIFY_KEYS);
        return -1;
    }
    o->verify_keys[o->n_verify_keys++] = arg;
    return 0;
}

static int opt_disable_rule(cli_opts *o, const char *arg)
{
    if (o->n_disabled == CLI_MAX_DISABLED) {
        fprintf(stderr, "layerscan: too many --disable-rule\n");
        return -1;
    }
    o->disabled[o->n_disabled++] = arg;
    return 0;
}

/* "secret,tamper": categories by name, each at most once. */
static int opt_checks(cli_opts *o, const char *arg)
{
    const char *p = arg;
    unsigned checks = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        char name[16];
        ls_category c;
        if (n == 0 || n >= sizeof name) {
            c = LS_CATEGORY_COUNT;
        } else {
            memcpy(name, p, n);
            name[n] = '\0';
            if (ls_category_parse(name, &c) != 0)
                c = LS_CATEGORY_COUNT;
        }
        if (c == LS_CATEGORY_COUNT || (checks & (1u << c))) {
            fprintf(stderr, "layerscan: --checks %s: expected a comma-separated list of secret, tamper, "
                            "hygiene, provenance, each once\n", arg);
            return -1;
        }
        checks |= 1u << c;
        if (!comma)
            break;
        p = comma + 1;
    }
    o->checks = checks;
    return 0;
}

static int opt_fail_on(cli_opts *o, const char *arg)
{
    ls_severity sev;
    if (ls_severity_parse(arg, &sev) != 0) {
        fprintf(stderr, "layerscan: --fail-on %s: expected critical, high, medium or low\n", arg);
        return -1;
    }
    o->fail_on = (int)sev;
    return 0;
}

static int opt_min_confidence(cli_opts *o, const char *arg)
{
    ls_confidence conf;
    if (ls_confidence_parse(arg, &conf) != 0) {
        fprintf(stderr, "layerscan: --min-confidence %s: expected high, medium or low\n", arg);
        return -1;
    }
    o->min_confidence = (int)conf;
    return 0;
}

static int opt_layer(cli_opts *o, const char *arg)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (*arg < '0' || *arg > '9' || *end || n < 0) {
        fprintf(stderr, "layerscan: --layer %s: expected a layer index (0, 1, ...)\n", arg);
        return -1;
    }
    o->layer = n;
    return 0;
}

static int opt_jobs(cli_opts *o, const char *arg)
{
    char *end = NULL;
    unsigned long j = strtoul(arg, &end, 10);
    if (!*arg || *end || j < 1 || j > 256) {
        fprintf(stderr, "layerscan: --jobs %s: expected a number from 1 to 256\n", arg);
        return -1;
    }
    o->jobs = (unsigned)j;
    return 0;
}

static int opt_cache(cli_opts *o, const char *arg)
{
    if (!*arg) {
        fprintf(stderr, "layerscan: --cache needs a directory\n");
        return -1;
    }
    o->cache_dir = arg;
    return 0;
}

static int opt_cache_key(cli_opts *o, const char *arg)
{
    if (!*arg) {
        fprintf(stderr, "layerscan: --cache-key needs a file\n");
        return -1;
    }
    o->cache_key = arg;
    return 0;
}

static int opt_max_findings(cli_opts *o, const char *arg)
{
    char *end = NULL;
    unsigned long long n = strtoull(arg, &end, 10);
    if (*arg < '1' || *arg > '9' || *end || n > 100000000ull) {
        fprintf(stderr, "layerscan: --max-findings-per-file %s: expected 1 to 100000000\n", arg);
        return -1;
    }
    o->max_findings_per_file = n;
    return 0;
}

static int opt_max_json(cli_opts *o, const char *arg)
{
    if (cli_parse_size(arg, &o->max_json_bytes) != 0 || o->max_json_bytes < 1024 ||
        o->max_json_bytes > LS_MAX_JSON_HARD) {
        fprintf(stderr, "layerscan: --max-json-size %s: expected 1K to 1G\n", arg);
        return -1;
    }
    return 0;
}

static int opt_match_window(cli_opts *o, const char *arg)
{
    if (cli_parse_size(arg, &o->match_window) != 0 || o->match_window < LS_MATCH_WINDOW_MIN ||
        o->match_window > LS_MATCH_WINDOW_MAX) {
        fprintf(stderr, "layerscan: --match-window %s: expected %u to %u bytes (K/M suffixes allowed)\n",
                arg, (unsigned)LS_MATCH_WINDOW_MIN, (unsigned)LS_MATCH_WINDOW_MAX);
        return -1;
    }
    return 0;
}

static int opt_shard(cli_opts *o, const char *arg)
{
    if (audit_parse_shard(arg, &o->shard_index, &o->shard_count) != 0) {
        fprintf(stderr, "layerscan: --shard %s: expected I/N with 0 <= I < N <= 65536\n", arg);
        return -1;
    }
    return 0;
}

static int opt_tls_verify(cli_opts *o, const char *arg)
{
    if (!arg || strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0) {
        o->registry.insecure = false;
    } else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0) {
        o->registry.insecure = true;
    } else {
        fprintf(stderr, "layerscan: --tls-verify=%s: expected true or false\n", arg);
        return -1;
    }
    return 0;
}

static int opt_page_size(cli_opts *o, const char *arg)
{
    char *end = NULL;
    unsigned long n = strtoul(arg, &end, 10);
    if (!*arg || *end || n < 1 || n > 100000) {
        fprintf(stderr, "layerscan: --page-size %s: expected a number from 1 to 100000\n", arg);
        return -1;
    }
    o->page_size = (unsigned)n;
    return 0;
}

static int opt_nested_depth(cli_opts *o, const char *arg)
{
    uint64_t count;
    if (parse_count("max-nested-depth", arg, false, LS_NESTED_MAX_DEPTH, &count) != 0)
        return -1;
    o->nested.max_depth = (unsigned)count;
    return 0;
}

static int opt_nested_bytes(cli_opts *o, const char *arg)
{
    return parse_count("max-nested-bytes", arg, true, UINT64_MAX / 2, &o->nested.max_bytes);
}

static int opt_nested_ratio(cli_opts *o, const char *arg)
{
    uint64_t count;
    if (parse_count("max-nested-ratio", arg, false, 1000000, &count) != 0)
        return -1;
    o->nested.max_ratio = (unsigned)count;
    return 0;
}

static int opt_nested_entries(cli_opts *o, const char *arg)
{
    return parse_count("max-nested-entries", arg, false, UINT64_MAX / 2, &o->nested.max_entries);
}

static int opt_max_layer(cli_opts *o, const char *arg)
{
    if (cli_parse_size(arg, &o->max_layer_bytes) != 0 || o->max_layer_bytes < 1 ||
        o->max_layer_bytes > (1ull << 50)) {
        fprintf(stderr, "layerscan: --max-layer-size %s: expected 1 to 1024T bytes (K, M, G, T suffixes)\n",
                arg);
        return -1;
    }
    return 0;
}

static int opt_image_timeout(cli_opts *o, const char *arg)
{
    if (cli_parse_duration(arg, &o->image_timeout_ms) != 0) {
        fprintf(stderr, "layerscan: --image-timeout %s: expected a duration such as 90s, 10m, 1h (0 = none)\n",
                arg);
        return -1;
    }
    o->image_timeout_set = true;
    return 0;
}

static int opt_registry_time(cli_opts *o, const char *arg, bool stall)
{
    uint64_t ms;
    if (cli_parse_duration(arg, &ms) != 0 || ms < (stall ? 1000u : 100u)) {
        fprintf(stderr, "layerscan: --registry-%s %s: expected a duration from %s such as 30s, 2m\n",
                stall ? "stall" : "timeout", arg, stall ? "1s" : "100ms");
        return -1;
    }
    if (stall)
        o->registry.stall_ms = ms;
    else
        o->registry.doc_timeout_ms = ms;
    return 0;
}

static int opt_registry_timeout(cli_opts *o, const char *arg) { return opt_registry_time(o, arg, false); }
static int opt_registry_stall(cli_opts *o, const char *arg) { return opt_registry_time(o, arg, true); }

/* ---- the commands and the options table */

enum {
    CMD_SCAN = 1u << 0, CMD_BASELINE = 1u << 1, CMD_LAYERS = 1u << 2, CMD_HISTORY = 1u << 3,
    CMD_EXTRACT = 1u << 4, CMD_DIFF = 1u << 5, CMD_RULES = 1u << 6, CMD_AUDIT = 1u << 7,
    CMD_REGISTRY = 1u << 8,
};
/* commands that read an image, and those that also scan it with the rules */
#define CMD_READ (CMD_SCAN | CMD_BASELINE | CMD_LAYERS | CMD_HISTORY | CMD_EXTRACT | CMD_DIFF | CMD_AUDIT)
#define CMD_FIND (CMD_SCAN | CMD_BASELINE | CMD_LAYERS | CMD_HISTORY | CMD_AUDIT | CMD_EXTRACT)
#define CMD_ALL (CMD_READ | CMD_RULES | CMD_REGISTRY)

typedef struct {
    const char *name;     /* the word after `layerscan` */
    unsigned bit;         /* its CMD_* bit */
    const char *synopsis; /* its usage line, after "layerscan " */
} cli_command;

static const cli_command commands[] = {
    {"scan", CMD_SCAN, "scan [options] IMAGE"},
    {"baseline", CMD_BASELINE, "baseline create IMAGE | --from-report REPORT.json [-o FILE]"},
    {"layers", CMD_LAYERS, "layers [options] IMAGE       the layer inventory"},
    {"history", CMD_HISTORY, "history [options] IMAGE      the Dockerfile from the history, with findings"},
    {"extract", CMD_EXTRACT, "extract IMAGE --layer N --path /P | --finding FP [--report FILE] [-o FILE]"},
    {"diff", CMD_DIFF, "diff IMAGE --layer N         what layer N added, changed, deleted, hid"},
    {"rules", CMD_RULES, "rules list|test [--rules FILE|DIR] [--format text|json] [--verbose]"},
    {"audit", CMD_AUDIT, "audit [options] LIST|-       many images: JSONL, one line per image"},
    {"registry", CMD_REGISTRY, "registry ls docker://HOST[:PORT][/REPO]  repositories, or a repository's tags"},
};

/* Where --help lists an option: the options of the whole program, the
 * registry options under their own heading, or (general) only in a
 * command's --help (the program's usage names them on its own lines). */
typedef enum { SEC_OPTIONS, SEC_REGISTRY, SEC_GENERAL } cli_section;

/* One row per option, in the order --help lists them. Parsing goes
 * through getopt_long over these rows (so abbreviations, `--opt=value`
 * and the error cases stay getopt's); a row either names a setter, which
 * checks and stores the value, or a field of cli_opts: a bool set to true
 * (no argument) or a string kept as given. cmds is the commands the option
 * is meant for: their --help lists it. Refusing an option elsewhere is
 * main.c's (cli_audit_only_option, cli_cache_option); the other options
 * are accepted by every command, as they always were. */
typedef struct {
    const char *name;   /* long name, without "--" */
    char letter;        /* short name, 0 for none */
    int has_arg;        /* no_argument, required_argument, optional_argument */
    const char *meta;   /* the value as --help shows it: " FILE", "=false"; "" for none */
    unsigned cmds;      /* CMD_* bits of the commands it is for */
    cli_section section;
    size_t field;       /* offsetof(cli_opts, ...) when set is NULL */
    int (*set)(cli_opts *o, const char *arg);
    const char *help;   /* lines after the first are indented under it */
} cli_option;

#define FIELD(f) offsetof(cli_opts, f), NULL
#define SETTER(fn) 0, fn

static const cli_option options[] = {
    {"format", 0, required_argument, " text|json|jsonl|sarif|html", CMD_SCAN | CMD_RULES | CMD_AUDIT, SEC_OPTIONS,
     SETTER(opt_format), "report format (default text)"},
    {"output", 'o', required_argument, " FILE", CMD_FIND | CMD_EXTRACT | CMD_DIFF, SEC_OPTIONS, FIELD(output),
     "write the report to FILE instead of standard output"},
    {"platform", 0, required_argument, " OS/ARCH[/VARIANT]", CMD_READ, SEC_OPTIONS, FIELD(platform),
     "pick one image of a multi-platform index; scan: \"all\" scans every one into one report"},
    {"show-secrets", 0, no_argument, "", CMD_SCAN | CMD_LAYERS | CMD_HISTORY | CMD_AUDIT, SEC_OPTIONS,
     FIELD(show_secrets), "print secrets whole (redacted by default)"},
    {"rules", 0, required_argument, " FILE|DIR", CMD_FIND | CMD_RULES, SEC_OPTIONS, SETTER(opt_rules),
     "add rules (a rule with an existing id replaces it); repeatable"},
    {"no-default-rules", 0, no_argument, "", CMD_FIND | CMD_RULES, SEC_OPTIONS, FIELD(no_default_rules),
     "use only the --rules given"},
    {"disable-rule", 0, required_argument, " ID", CMD_FIND | CMD_RULES, SEC_OPTIONS, SETTER(opt_disable_rule),
     "drop a rule; repeatable"},
    {"checks", 0, required_argument, " LIST", CMD_FIND | CMD_RULES, SEC_OPTIONS, SETTER(opt_checks),
     "what to look for: secret,tamper,hygiene,provenance\n"
     "(default secret,tamper,provenance)"},
    {"verify-key", 0, required_argument, " FILE", CMD_SCAN | CMD_AUDIT, SEC_OPTIONS, SETTER(opt_verify_key),
     "verify the image's cosign signatures with this PEM public key\n"
     "(ECDSA, RSA, Ed25519); repeatable"},
    {"require-signature", 0, no_argument, "", CMD_SCAN | CMD_AUDIT, SEC_OPTIONS, FIELD(require_signature),
     "no signature that a --verify-key key verifies is a critical\n"
     "finding (signature-missing, signature-invalid)"},
    {"fail-on", 0, required_argument, " SEVERITY", CMD_SCAN | CMD_AUDIT, SEC_OPTIONS, SETTER(opt_fail_on),
     "exit 1 only for findings at or above critical|high|medium|low"},
    {"min-confidence", 0, required_argument, " C", CMD_FIND, SEC_OPTIONS, SETTER(opt_min_confidence),
     "suppress findings below high|medium|low confidence"},
    {"baseline", 0, required_argument, " FILE", CMD_SCAN | CMD_LAYERS | CMD_HISTORY | CMD_AUDIT, SEC_OPTIONS,
     FIELD(baseline), "suppress the fingerprints of a baseline (counted as suppressed)"},
    {"include-vendor", 0, no_argument, "", CMD_FIND, SEC_OPTIONS, FIELD(include_vendor),
     "report findings in package-verified files and dependencies'\n"
     "tests, fixtures and docs (suppressed as vendor/third-party by default)"},
    {"config", 0, required_argument, " FILE", CMD_FIND, SEC_OPTIONS, FIELD(config),
     "config file (default ./.layerscan.json when present)"},
    {"layer", 0, required_argument, " N", CMD_EXTRACT | CMD_DIFF, SEC_OPTIONS, SETTER(opt_layer),
     "extract, diff: the layer (0 = bottom)"},
    {"path", 0, required_argument, " /PATH", CMD_EXTRACT, SEC_OPTIONS, FIELD(entry_path),
     "extract: the entry to extract; a member of a nested archive as the\n"
     "report names it (/app/a.jar!/BOOT-INF/x.properties, /b/env.gz!/env)"},
    {"finding", 0, required_argument, " FINGERPRINT", CMD_EXTRACT, SEC_OPTIONS, FIELD(finding),
     "extract: the file behind a finding (its layer and path from\n"
     "--report, else from a scan of IMAGE with the rules options)"},
    {"report", 0, required_argument, " FILE", CMD_EXTRACT, SEC_OPTIONS, FIELD(report),
     "extract --finding: a JSON report of IMAGE (scan --format json)"},
    {"force", 0, no_argument, "", CMD_EXTRACT, SEC_OPTIONS, FIELD(force),
     "extract: overwrite an existing regular file (never a symlink)"},
    {"allow-unverified", 0, no_argument, "", CMD_EXTRACT | CMD_DIFF, SEC_OPTIONS, FIELD(allow_unverified),
     "extract, diff: use a layer whose bytes do not match its digest\n"
     "(the mismatch is printed; refused by default)"},
    {"from-report", 0, required_argument, " FILE", CMD_BASELINE, SEC_OPTIONS, FIELD(from_report),
     "baseline create: take the fingerprints of a JSON report"},
    {"jobs", 0, required_argument, " N", CMD_SCAN | CMD_AUDIT, SEC_OPTIONS, SETTER(opt_jobs),
     "scan up to N layers at once (default: online cores)"},
    {"max-json-size", 0, required_argument, " BYTES", CMD_READ, SEC_OPTIONS, SETTER(opt_max_json),
     "largest index/manifest/config accepted (default 64M, up to 1G)"},
    {"max-findings-per-file", 0, required_argument, " N", CMD_FIND, SEC_OPTIONS, SETTER(opt_max_findings),
     "findings one file reports before a \"not reported\" error\n"
     "(default 1000)"},
    {"match-window", 0, required_argument, " BYTES", CMD_FIND | CMD_RULES, SEC_OPTIONS, SETTER(opt_match_window),
     "confirmation look-back, also the longest secret reported\n"
     "(default 8K, 256 to 16M)"},
    {"no-cache", 0, no_argument, "", CMD_FIND | CMD_RULES, SEC_OPTIONS, FIELD(no_cache),
     "compile the rules even if a cached database exists\n"
     "(audit: and neither read nor keep cached layer results)"},
    {"max-nested-depth", 0, required_argument, " N", CMD_FIND, SEC_OPTIONS, SETTER(opt_nested_depth),
     "archives within archives opened (default 3, at most 16)"},
    {"max-nested-bytes", 0, required_argument, " N", CMD_FIND, SEC_OPTIONS, SETTER(opt_nested_bytes),
     "uncompressed bytes read from one nested archive (default 1G;\n"
     "K, M, G suffixes)"},
    {"max-nested-ratio", 0, required_argument, " N", CMD_FIND, SEC_OPTIONS, SETTER(opt_nested_ratio),
     "expansion ratio at which a nested archive is a bomb (default 100)"},
    {"max-nested-entries", 0, required_argument, " N", CMD_FIND, SEC_OPTIONS, SETTER(opt_nested_entries),
     "members read from one nested archive (default 100000)"},
    {"max-layer-size", 0, required_argument, " BYTES", CMD_READ, SEC_OPTIONS, SETTER(opt_max_layer),
     "largest layer blob read, any transport (default 64G; K, M, G, T):\n"
     "a larger declared size is refused unread, a longer stream stopped"},
    {"image-timeout", 0, required_argument, " DURATION", CMD_READ, SEC_OPTIONS, SETTER(opt_image_timeout),
     "time one image may take (90s, 10m, 1h; 0 = none); then its\n"
     "scan fails (default: none for scan, 30m per image for audit)"},
    {"cache", 0, required_argument, " DIR", CMD_SCAN | CMD_AUDIT, SEC_OPTIONS, SETTER(opt_cache),
     "scan, audit: cache root for layer results and compiled rules"},
    {"cache-key", 0, required_argument, " FILE", CMD_SCAN | CMD_AUDIT, SEC_OPTIONS, SETTER(opt_cache_key),
     "scan, audit: the key authenticating cached layer results (default:\n"
     "generated in ~/.config/layerscan/cache-key when first needed)"},
    {"resume", 0, required_argument, " FILE", CMD_AUDIT, SEC_OPTIONS, FIELD(resume),
     "audit: skip the images FILE already holds, append to it"},
    {"html-summary", 0, required_argument, " FILE", CMD_AUDIT, SEC_OPTIONS, FIELD(html_summary),
     "audit: also write an HTML page over the JSONL (needs -o or --resume)"},
    {"shard", 0, required_argument, " I/N", CMD_AUDIT, SEC_OPTIONS, SETTER(opt_shard),
     "audit: only the references of shard I of N (0-based)"},
    {"registry", 0, required_argument, " HOST", CMD_AUDIT, SEC_OPTIONS, FIELD(registry_host),
     "audit: every repository:tag of a registry's catalog (no LIST)"},
    {"repos", 0, required_argument, " GLOB", CMD_AUDIT, SEC_OPTIONS, FIELD(repos_glob),
     "audit --registry: only repositories matching GLOB"},
    {"tags", 0, required_argument, " GLOB|latest", CMD_AUDIT, SEC_OPTIONS, FIELD(tags_glob),
     "audit --registry: only tags matching GLOB"},
    {"creds", 0, required_argument, " USER:PASS", CMD_READ | CMD_REGISTRY, SEC_REGISTRY, FIELD(registry.creds),
     "credentials (default: REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,\n"
     "~/.config/containers/auth.json, ~/.docker/config.json)"},
    {"authfile", 0, required_argument, " FILE", CMD_READ | CMD_REGISTRY, SEC_REGISTRY, FIELD(registry.authfile),
     "read credentials from this auth file only"},
    {"cert-dir", 0, required_argument, " DIR", CMD_READ | CMD_REGISTRY, SEC_REGISTRY, FIELD(registry.cert_dir),
     "trust the CAs in DIR/*.crt (and use DIR/*.cert + *.key as client certificate)"},
    {"tls-verify", 0, optional_argument, "=false", CMD_READ | CMD_REGISTRY, SEC_REGISTRY, SETTER(opt_tls_verify),
     "allow plain http and unverified TLS (default true)"},
    {"registry-timeout", 0, required_argument, " DURATION", CMD_READ | CMD_REGISTRY, SEC_REGISTRY,
     SETTER(opt_registry_timeout), "one manifest, config, token or listing request (default 60s)"},
    {"registry-stall", 0, required_argument, " DURATION", CMD_READ | CMD_REGISTRY, SEC_REGISTRY,
     SETTER(opt_registry_stall), "a transfer under 1 KiB/s this long fails (default 30s)"},
    {"page-size", 0, required_argument, " N", CMD_REGISTRY | CMD_AUDIT, SEC_REGISTRY, SETTER(opt_page_size),
     "registry ls, audit --registry: names asked for per page\n"
     "(default: 100 for registry ls, the registry's own for audit)"},
    {"verbose", 'v', no_argument, "", CMD_RULES | CMD_REGISTRY, SEC_GENERAL, FIELD(verbose),
     "rules test: an ok line for each passing rule too; registry ls: the\n"
     "count, pages and bytes fetched on standard error"},
    {"help", 'h', no_argument, "", CMD_ALL, SEC_GENERAL, SETTER(opt_help), "this help, and exit"},
    {"version", 0, no_argument, "", 0, SEC_GENERAL, SETTER(opt_version),
     "the versions of layerscan and its libraries, and exit"},
};

#define N_OPTIONS (sizeof options / sizeof options[0])
#define HELP_COLUMN 25 /* where the help text of an option starts */

/* "  -o, --output FILE      write the report ...", then the help's other
 * lines under its first. */
static void print_option(FILE *out, const cli_option *opt)
{
    char left[96];
    const char *h = opt->help;
    int w;
    if (opt->letter)
        w = snprintf(left, sizeof left, "  -%c, --%s%s", opt->letter, opt->name, opt->meta);
    else
        w = snprintf(left, sizeof left, "  --%s%s", opt->name, opt->meta);
    fprintf(out, "%s%*s", left, w < HELP_COLUMN - 1 ? HELP_COLUMN - w : 2, "");
    for (;;) {
        const char *nl = strchr(h, '\n');
        if (!nl) {
            fprintf(out, "%s\n", h);
            break;
        }
        fprintf(out, "%.*s\n%*s", (int)(nl - h), h, HELP_COLUMN, "");
        h = nl + 1;
    }
}

static void print_options(FILE *out, unsigned cmds, cli_section section, const char *heading)
{
    bool first = true;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        if (options[i].section != section || !(options[i].cmds & cmds))
            continue;
        if (first)
            fputs(heading, out);
        first = false;
        print_option(out, &options[i]);
    }
}

void cli_usage(FILE *out)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "%s layerscan %s\n", i == 0 ? "usage:" : "      ", commands[i].synopsis);
    fputs("       layerscan --version | --help\n"
          "       layerscan COMMAND --help   the options of one command\n"
          "\n"
          "IMAGE: docker-archive:FILE | oci:DIR[:REF] | oci-archive:FILE[:REF] | a path (auto-detected;\n"
          "       a lone tar, tar.gz or tar.zst is scanned as one layer)\n"
          "       | docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX] (a registry; docker://alpine = Docker Hub)\n"
          "       | containers-storage:[DRIVER@ROOT+RUNROOT]NAME (Podman's or Buildah's local store)\n"
          "       | - (docker save or OCI archive piped in: docker save app | layerscan scan -)\n"
          "       | docker-daemon:NAME[:TAG|@DIGEST] (from Docker's or Podman's API socket; DOCKER_HOST)\n"
          "\n",
          out);
    print_options(out, CMD_ALL, SEC_OPTIONS, "options:\n");
    print_options(out, CMD_ALL, SEC_REGISTRY, "registry options (docker://):\n");
    fputs("\n"
          "exit status: 0 no finding (at or above --fail-on), 1 findings, 2 the scan could not be done\n"
          "             (layers, history, extract, diff, baseline: 0 done, 2 error;\n"
          "             audit: 2 only when the list of images is unusable)\n",
          out);
}

/* `layerscan CMD --help`: the command's usage line and its options only. */
static void command_usage(FILE *out, const cli_command *cmd)
{
    fprintf(out, "usage: layerscan %s\n\n", cmd->synopsis);
    print_options(out, cmd->bit, SEC_OPTIONS, "options:\n");
    print_options(out, cmd->bit, SEC_REGISTRY, "registry options (docker://):\n");
    print_options(out, cmd->bit, SEC_GENERAL, "general options:\n");
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; name && i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int cli_parse_opts(int argc, char **argv, cli_opts *o)
{
    struct option longs[N_OPTIONS + 1];
    char shorts[1 + 2 * N_OPTIONS + 1];
    size_t n = 0;
    int c;
    shorts[n++] = ':'; /* a missing value is ':', not '?' */
    for (size_t i = 0; i < N_OPTIONS; i++) {
        longs[i] = (struct option){options[i].name, options[i].has_arg, NULL, 256 + (int)i};
        if (options[i].letter) {
            shorts[n++] = options[i].letter;
            if (options[i].has_arg == required_argument)
                shorts[n++] = ':';
        }
    }
    shorts[n] = '\0';
    longs[N_OPTIONS] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        const cli_option *opt = NULL;
        int r;
        if (c >= 256 && c < 256 + (int)N_OPTIONS)
            opt = &options[c - 256];
        for (size_t i = 0; !opt && c != ':' && i < N_OPTIONS; i++)
            if (options[i].letter && options[i].letter == c)
                opt = &options[i];
        if (c == ':') {
            fprintf(stderr, "layerscan: option %s needs a value\n", argv[optind - 1]);
            return -1;
        }
        if (!opt) {
            fprintf(stderr, "layerscan: unknown option %s (see layerscan --help)\n", argv[optind - 1]);
            return -1;
        }
        if (opt->set) {
            r = opt->set(o, optarg);
        } else if (opt->has_arg == no_argument) {
            *(bool *)(void *)((char *)o + opt->field) = true;
            r = 0;
        } else {
            *(const char **)(void *)((char *)o + opt->field) = optarg;
            r = 0;
        }
        if (r < 0)
            return -1;
        if (r == SET_HELP) {
            const cli_command *cmd = find_command(argv[0]);
            if (cmd)
                command_usage(stdout, cmd);
            else
                cli_usage(stdout);
            exit(EXIT_CLEAN);
        }
        if (r == SET_VERSION) {
            cli_print_version();
            exit(EXIT_CLEAN);
        }
    }
    /* every platform into one report is the scan's; the views of one
     * image (layers, history, extract, diff) and audits take one */
    if (o->platform && strcmp(o->platform, "all") == 0) {
        const cli_command *cmd = find_command(argv[0]);
        if (cmd && cmd->bit != CMD_SCAN) {
            fprintf(stderr, "layerscan: --platform all: only scan reads every platform; %s takes one "
                            "(os/arch[/variant])\n", cmd->name);
            return -1;
        }
    }
    return optind;
}

int cli_parse_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    unsigned shift = 0;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: return -1;
    }
    if (*end == 'i' || *end == 'B') /* 64KiB, 64KB, 64K all the same */
        end += *end == 'i' ? 1 : 0;
    if (*end == 'B')
        end++;
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int cli_parse_duration(const char *s, uint64_t *ms)
{
    char *end = NULL;
    unsigned long long v;
    uint64_t unit;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    if (strcmp(end, "ms") == 0)
        unit = 1;
    else if (*end == '\0' || strcmp(end, "s") == 0)
        unit = 1000;
    else if (strcmp(end, "m") == 0)
        unit = 60 * 1000;
    else if (strcmp(end, "h") == 0)
        unit = 3600 * 1000;
    else
        return -1;
    if (v > 30ull * 24 * 3600 * 1000 / unit)
        return -1;
    *ms = v * unit;
    return 0;
}

uint64_t cli_image_timeout(const cli_opts *o, bool audit)
{
    if (o->image_timeout_set)
        return o->image_timeout_ms;
    return audit ? CLI_AUDIT_IMAGE_TIMEOUT_MS : 0;
}

ls_scan_opts cli_scan_opts(const cli_opts *o, bool audit)
{
    return (ls_scan_opts){.platform = o->platform, .registry = &o->registry,
                          .max_json_bytes = o->max_json_bytes, .nested = &o->nested,
                          .max_findings_per_file = o->max_findings_per_file,
                          .max_layer_bytes = o->max_layer_bytes,
                          .image_timeout_ms = cli_image_timeout(o, audit),
                          .debug = o->debug, .no_mmap = o->no_mmap,
                          .no_decode_thread = o->no_decode_thread,
                          .engine_socket = o->engine_socket,
                          .verify_keys = o->keyring,
                          .require_signature = o->require_signature};
}

const char *cli_audit_only_option(const cli_opts *o)
{
    return o->resume ? "--resume" : o->html_summary ? "--html-summary" : o->shard_count ? "--shard"
                                    : o->registry_host ? "--registry" : o->repos_glob ? "--repos"
                                    : o->tags_glob ? "--tags" : NULL;
}

const char *cli_cache_option(const cli_opts *o)
{
    return o->cache_dir ? "--cache" : o->cache_key ? "--cache-key" : NULL;
}
