/*
 * options.c - the options every command shares, parsed once into cli_opts,
 * and the help and version texts.
 */
#include <archive.h>
#include <errno.h>
#include <getopt.h>
#include <hs/hs.h>
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

void cli_usage(FILE *out)
{
    fputs("usage: layerscan scan [options] IMAGE\n"
          "       layerscan baseline create IMAGE | --from-report REPORT.json [-o FILE]\n"
          "       layerscan layers [options] IMAGE       the layer inventory\n"
          "       layerscan history [options] IMAGE      the Dockerfile from the history, with findings\n"
          "       layerscan extract IMAGE --layer N --path /P [-o FILE [--force]] [--allow-unverified]\n"
          "       layerscan diff IMAGE --layer N         what layer N added, changed, deleted, hid\n"
          "       layerscan rules list|test [--rules FILE|DIR] [--format text|json] [--verbose]\n"
          "       layerscan audit [options] LIST|-       many images: JSONL, one line per image\n"
          "       layerscan registry ls docker://HOST[:PORT][/REPO]  repositories, or a repository's tags\n"
          "       layerscan --version | --help\n"
          "\n"
          "IMAGE: docker-archive:FILE | oci:DIR[:REF] | oci-archive:FILE[:REF] | a path (auto-detected;\n"
          "       a lone tar, tar.gz or tar.zst is scanned as one layer)\n"
          "       | docker://HOST[:PORT]/REPO[:TAG|@sha256:HEX] (a registry; docker://alpine = Docker Hub)\n"
          "\n"
          "options:\n"
          "  --format text|json|jsonl|sarif  report format (default text)\n"
          "  -o, --output FILE      write the report to FILE instead of standard output\n"
          "  --platform OS/ARCH[/VARIANT]  pick one image of a multi-platform index\n"
          "  --show-secrets         print secrets whole (redacted by default)\n"
          "  --rules FILE|DIR       add rules (a rule with an existing id replaces it); repeatable\n"
          "  --no-default-rules     use only the --rules given\n"
          "  --disable-rule ID      drop a rule; repeatable\n"
          "  --fail-on SEVERITY     exit 1 only for findings at or above critical|high|medium|low\n"
          "  --min-confidence C     suppress findings below high|medium|low confidence\n"
          "  --baseline FILE        suppress the fingerprints of a baseline (counted as suppressed)\n"
          "  --include-vendor       report findings in package-verified files and dependencies'\n"
          "                         tests, fixtures and docs (suppressed as vendor/third-party by default)\n"
          "  --config FILE          config file (default ./.layerscan.json when present)\n"
          "  --layer N              extract, diff: the layer (0 = bottom)\n"
          "  --path /PATH           extract: the entry to extract\n"
          "  --force                extract: overwrite an existing regular file (never a symlink)\n"
          "  --allow-unverified     extract, diff: use a layer whose bytes do not match its digest\n"
          "                         (the mismatch is printed; refused by default)\n"
          "  --from-report FILE     baseline create: take the fingerprints of a JSON report\n"
          "  --jobs N               scan up to N layers at once (default: online cores)\n"
          "  --max-json-size BYTES  largest index/manifest/config accepted (default 64M, up to 1G)\n"
          "  --max-findings-per-file N  findings one file reports before a \"not reported\" error\n"
          "                         (default 1000)\n"
          "  --match-window BYTES   confirmation look-back, also the longest secret reported\n"
          "                         (default 8K, 256 to 16M)\n"
          "  --no-cache             compile the rules even if a cached database exists\n"
          "                         (audit: and neither read nor keep cached layer results)\n"
          "  --max-nested-depth N   archives within archives opened (default 3, at most 16)\n"
          "  --max-nested-bytes N   uncompressed bytes read from one nested archive (default 1G;\n"
          "                         K, M, G suffixes)\n"
          "  --max-nested-ratio N   expansion ratio at which a nested archive is a bomb (default 100)\n"
          "  --max-nested-entries N members read from one nested archive (default 100000)\n"
          "  --max-layer-size BYTES largest layer blob read, any transport (default 64G; K, M, G, T):\n"
          "                         a larger declared size is refused unread, a longer stream stopped\n"
          "  --image-timeout DURATION  time one image may take (90s, 10m, 1h; 0 = none); then its\n"
          "                         scan fails (default: none for scan, 30m per image for audit)\n"
          "  --cache DIR            scan, audit: cache root for layer results and compiled rules\n"
          "  --cache-key FILE       scan, audit: the key authenticating cached layer results (default:\n"
          "                         generated in ~/.config/layerscan/cache-key when first needed)\n"
          "  --resume FILE          audit: skip the images FILE already holds, append to it\n"
          "  --shard I/N            audit: only the references of shard I of N (0-based)\n"
          "  --registry HOST        audit: every repository:tag of a registry's catalog (no LIST)\n"
          "  --repos GLOB           audit --registry: only repositories matching GLOB\n"
          "  --tags GLOB|latest     audit --registry: only tags matching GLOB\n"
          "registry options (docker://):\n"
          "  --creds USER:PASS      credentials (default: REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json,\n"
          "                         ~/.config/containers/auth.json, ~/.docker/config.json)\n"
          "  --authfile FILE        read credentials from this auth file only\n"
          "  --cert-dir DIR         trust the CAs in DIR/*.crt (and use DIR/*.cert + *.key as client certificate)\n"
          "  --tls-verify=false     allow plain http and unverified TLS (default true)\n"
          "  --registry-timeout DURATION  one manifest, config, token or listing request (default 60s)\n"
          "  --registry-stall DURATION    a transfer under 1 KiB/s this long fails (default 30s)\n"
          "  --page-size N          registry ls, audit --registry: names asked for per page\n"
          "                         (default: 100 for registry ls, the registry's own for audit)\n"
          "\n"
          "exit status: 0 no finding (at or above --fail-on), 1 findings, 2 the scan could not be done\n"
          "             (layers, history, extract, diff, baseline: 0 done, 2 error;\n"
          "             audit: 2 only when the list of images is unusable)\n",
          out);
}

bool cli_format_valid(const char *f)
{
    return strcmp(f, "text") == 0 || strcmp(f, "json") == 0 || strcmp(f, "jsonl") == 0 ||
           strcmp(f, "sarif") == 0;
}

void cli_print_version(void)
{
    printf("layerscan %s\n", LAYERSCAN_VERSION);
    printf("hyperscan %s\n", hs_version());
    printf("%s\n", archive_version_string());
    printf("zlib %s (inflater: %s)\n", zlibVersion(), ls_blob_inflater());
    printf("zstd %s\n", ZSTD_versionString());
}

enum { OPT_FORMAT = 256, OPT_PLATFORM, OPT_SHOW, OPT_RULES, OPT_NO_DEFAULT, OPT_DISABLE, OPT_VERSION,
       OPT_FAIL_ON, OPT_MIN_CONF, OPT_BASELINE, OPT_CONFIG, OPT_FROM_REPORT, OPT_LAYER, OPT_PATH, OPT_FORCE,
       OPT_ALLOW_UNVERIFIED,
       OPT_JOBS, OPT_NO_CACHE, OPT_CACHE, OPT_RESUME, OPT_SHARD, OPT_REGISTRY, OPT_CREDS,
       OPT_AUTHFILE, OPT_CERT_DIR, OPT_TLS_VERIFY, OPT_PAGE_SIZE, OPT_REPOS, OPT_TAGS, OPT_MATCH_WINDOW,
       OPT_MAX_JSON, OPT_NESTED_DEPTH, OPT_NESTED_BYTES, OPT_NESTED_RATIO, OPT_NESTED_ENTRIES, OPT_MAX_FINDINGS,
       OPT_MAX_LAYER, OPT_IMAGE_TIMEOUT, OPT_REGISTRY_TIMEOUT, OPT_REGISTRY_STALL, OPT_CACHE_KEY,
       OPT_INCLUDE_VENDOR };

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
    {"fail-on", required_argument, NULL, OPT_FAIL_ON},
    {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
    {"include-vendor", no_argument, NULL, OPT_INCLUDE_VENDOR},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"from-report", required_argument, NULL, OPT_FROM_REPORT},
    {"layer", required_argument, NULL, OPT_LAYER},
    {"path", required_argument, NULL, OPT_PATH},
    {"force", no_argument, NULL, OPT_FORCE},
    {"allow-unverified", no_argument, NULL, OPT_ALLOW_UNVERIFIED},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"no-cache", no_argument, NULL, OPT_NO_CACHE},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"cache-key", required_argument, NULL, OPT_CACHE_KEY},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"registry", required_argument, NULL, OPT_REGISTRY},
    {"repos", required_argument, NULL, OPT_REPOS},
    {"match-window", required_argument, NULL, OPT_MATCH_WINDOW},
    {"max-json-size", required_argument, NULL, OPT_MAX_JSON},
    {"max-findings-per-file", required_argument, NULL, OPT_MAX_FINDINGS},
    {"tags", required_argument, NULL, OPT_TAGS},
    {"creds", required_argument, NULL, OPT_CREDS},
    {"authfile", required_argument, NULL, OPT_AUTHFILE},
    {"cert-dir", required_argument, NULL, OPT_CERT_DIR},
    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
    {"page-size", required_argument, NULL, OPT_PAGE_SIZE},
    {"max-nested-depth", required_argument, NULL, OPT_NESTED_DEPTH},
    {"max-nested-bytes", required_argument, NULL, OPT_NESTED_BYTES},
    {"max-nested-ratio", required_argument, NULL, OPT_NESTED_RATIO},
    {"max-nested-entries", required_argument, NULL, OPT_NESTED_ENTRIES},
    {"max-layer-size", required_argument, NULL, OPT_MAX_LAYER},
    {"image-timeout", required_argument, NULL, OPT_IMAGE_TIMEOUT},
    {"registry-timeout", required_argument, NULL, OPT_REGISTRY_TIMEOUT},
    {"registry-stall", required_argument, NULL, OPT_REGISTRY_STALL},
    {NULL, 0, NULL, 0},
};

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

int cli_parse_opts(int argc, char **argv, cli_opts *o)
{
    uint64_t count;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:vh", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (!cli_format_valid(optarg)) {
                fprintf(stderr, "layerscan: --format %s: expected text, json, jsonl or sarif\n", optarg);
                return -1;
            }
            o->format = optarg;
            o->format_given = true;
            break;
        case 'o': o->output = optarg; break;
        case OPT_PLATFORM: o->platform = optarg; break;
        case OPT_SHOW: o->show_secrets = true; break;
        case OPT_INCLUDE_VENDOR: o->include_vendor = true; break;
        case OPT_RULES:
            if (o->n_rule_paths == CLI_MAX_RULE_PATHS) {
                fprintf(stderr, "layerscan: too many --rules\n");
                return -1;
            }
            o->rule_paths[o->n_rule_paths++] = optarg;
            break;
        case OPT_NO_DEFAULT: o->no_default_rules = true; break;
        case OPT_DISABLE:
            if (o->n_disabled == CLI_MAX_DISABLED) {
                fprintf(stderr, "layerscan: too many --disable-rule\n");
                return -1;
            }
            o->disabled[o->n_disabled++] = optarg;
            break;
        case OPT_FAIL_ON: {
            ls_severity sev;
            if (ls_severity_parse(optarg, &sev) != 0) {
                fprintf(stderr, "layerscan: --fail-on %s: expected critical, high, medium or low\n", optarg);
                return -1;
            }
            o->fail_on = (int)sev;
            break;
        }
        case OPT_MIN_CONF: {
            ls_confidence conf;
            if (ls_confidence_parse(optarg, &conf) != 0) {
                fprintf(stderr, "layerscan: --min-confidence %s: expected high, medium or low\n", optarg);
                return -1;
            }
            o->min_confidence = (int)conf;
            break;
        }
        case OPT_BASELINE: o->baseline = optarg; break;
        case OPT_CONFIG: o->config = optarg; break;
        case OPT_FROM_REPORT: o->from_report = optarg; break;
        case OPT_LAYER: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || n < 0) {
                fprintf(stderr, "layerscan: --layer %s: expected a layer index (0, 1, ...)\n", optarg);
                return -1;
            }
            o->layer = n;
            break;
        }
        case OPT_PATH: o->entry_path = optarg; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_ALLOW_UNVERIFIED: o->allow_unverified = true; break;
        case 'v': o->verbose = true; break;
        case OPT_JOBS: {
            char *end = NULL;
            unsigned long j = strtoul(optarg, &end, 10);
            if (!*optarg || *end || j < 1 || j > 256) {
                fprintf(stderr, "layerscan: --jobs %s: expected a number from 1 to 256\n", optarg);
                return -1;
            }
            o->jobs = (unsigned)j;
            break;
        }
        case OPT_NO_CACHE: o->no_cache = true; break;
        case OPT_CACHE:
            if (!*optarg) {
                fprintf(stderr, "layerscan: --cache needs a directory\n");
                return -1;
            }
            o->cache_dir = optarg;
            break;
        case OPT_CACHE_KEY:
            if (!*optarg) {
                fprintf(stderr, "layerscan: --cache-key needs a file\n");
                return -1;
            }
            o->cache_key = optarg;
            break;
        case OPT_RESUME: o->resume = optarg; break;
        case OPT_REGISTRY: o->registry_host = optarg; break;
        case OPT_REPOS: o->repos_glob = optarg; break;
        case OPT_MAX_FINDINGS: {
            char *end = NULL;
            unsigned long long n = strtoull(optarg, &end, 10);
            if (*optarg < '1' || *optarg > '9' || *end || n > 100000000ull) {
                fprintf(stderr, "layerscan: --max-findings-per-file %s: expected 1 to 100000000\n", optarg);
                return -1;
            }
            o->max_findings_per_file = n;
            break;
        }
        case OPT_MAX_JSON:
            if (cli_parse_size(optarg, &o->max_json_bytes) != 0 || o->max_json_bytes < 1024 ||
                o->max_json_bytes > LS_MAX_JSON_HARD) {
                fprintf(stderr, "layerscan: --max-json-size %s: expected 1K to 1G\n", optarg);
                return -1;
            }
            break;
        case OPT_MATCH_WINDOW:
            if (cli_parse_size(optarg, &o->match_window) != 0 || o->match_window < LS_MATCH_WINDOW_MIN ||
                o->match_window > LS_MATCH_WINDOW_MAX) {
                fprintf(stderr, "layerscan: --match-window %s: expected %u to %u bytes (K/M suffixes allowed)\n",
                        optarg, (unsigned)LS_MATCH_WINDOW_MIN, (unsigned)LS_MATCH_WINDOW_MAX);
                return -1;
            }
            break;
        case OPT_TAGS: o->tags_glob = optarg; break;
        case OPT_SHARD:
            if (audit_parse_shard(optarg, &o->shard_index, &o->shard_count) != 0) {
                fprintf(stderr, "layerscan: --shard %s: expected I/N with 0 <= I < N <= 65536\n", optarg);
                return -1;
            }
            break;
        case OPT_CREDS: o->registry.creds = optarg; break;
        case OPT_AUTHFILE: o->registry.authfile = optarg; break;
        case OPT_CERT_DIR: o->registry.cert_dir = optarg; break;
        case OPT_TLS_VERIFY:
            if (!optarg || strcmp(optarg, "true") == 0 || strcmp(optarg, "1") == 0) {
                o->registry.insecure = false;
            } else if (strcmp(optarg, "false") == 0 || strcmp(optarg, "0") == 0) {
                o->registry.insecure = true;
            } else {
                fprintf(stderr, "layerscan: --tls-verify=%s: expected true or false\n", optarg);
                return -1;
            }
            break;
        case OPT_PAGE_SIZE: {
            char *end = NULL;
            unsigned long n = strtoul(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 100000) {
                fprintf(stderr, "layerscan: --page-size %s: expected a number from 1 to 100000\n", optarg);
                return -1;
            }
            o->page_size = (unsigned)n;
            break;
        }
        case OPT_NESTED_DEPTH:
            if (parse_count("max-nested-depth", optarg, false, LS_NESTED_MAX_DEPTH, &count) != 0)
                return -1;
            o->nested.max_depth = (unsigned)count;
            break;
        case OPT_NESTED_BYTES:
            if (parse_count("max-nested-bytes", optarg, true, UINT64_MAX / 2, &count) != 0)
                return -1;
            o->nested.max_bytes = count;
            break;
        case OPT_NESTED_RATIO:
            if (parse_count("max-nested-ratio", optarg, false, 1000000, &count) != 0)
                return -1;
            o->nested.max_ratio = (unsigned)count;
            break;
        case OPT_NESTED_ENTRIES:
            if (parse_count("max-nested-entries", optarg, false, UINT64_MAX / 2, &count) != 0)
                return -1;
            o->nested.max_entries = count;
            break;
        case OPT_MAX_LAYER:
            if (cli_parse_size(optarg, &o->max_layer_bytes) != 0 || o->max_layer_bytes < 1 ||
                o->max_layer_bytes > (1ull << 50)) {
                fprintf(stderr, "layerscan: --max-layer-size %s: expected 1 to 1024T bytes (K, M, G, T suffixes)\n",
                        optarg);
                return -1;
            }
            break;
        case OPT_IMAGE_TIMEOUT:
            if (cli_parse_duration(optarg, &o->image_timeout_ms) != 0) {
                fprintf(stderr, "layerscan: --image-timeout %s: expected a duration such as 90s, 10m, 1h (0 = none)\n",
                        optarg);
                return -1;
            }
            o->image_timeout_set = true;
            break;
        case OPT_REGISTRY_TIMEOUT:
        case OPT_REGISTRY_STALL: {
            uint64_t ms;
            bool stall = c == OPT_REGISTRY_STALL;
            if (cli_parse_duration(optarg, &ms) != 0 || ms < (stall ? 1000u : 100u)) {
                fprintf(stderr, "layerscan: --registry-%s %s: expected a duration from %s such as 30s, 2m\n",
                        stall ? "stall" : "timeout", optarg, stall ? "1s" : "100ms");
                return -1;
            }
            if (stall)
                o->registry.stall_ms = ms;
            else
                o->registry.doc_timeout_ms = ms;
            break;
        }
        case 'h': cli_usage(stdout); exit(EXIT_CLEAN);
        case OPT_VERSION: cli_print_version(); exit(EXIT_CLEAN);
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

const char *cli_audit_only_option(const cli_opts *o)
{
    return o->resume ? "--resume" : o->shard_count ? "--shard"
                                    : o->registry_host ? "--registry" : o->repos_glob ? "--repos"
                                    : o->tags_glob ? "--tags" : NULL;
}

const char *cli_cache_option(const cli_opts *o)
{
    return o->cache_dir ? "--cache" : o->cache_key ? "--cache-key" : NULL;
}
