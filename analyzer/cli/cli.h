/*
 * cli.h - what the command files of the layerscan CLI share: the parsed
 * options, rule loading, and the exit statuses. One file per command
 * (cmd_*.c); main.c only dispatches.
 */
#ifndef LS_CLI_H
#define LS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "layerscan/error.h"
#include "layerscan/scan.h"
#include "layerscan/rules.h"
#include "registry/registry.h"

#define EXIT_CLEAN 0
#define EXIT_FINDINGS 1
#define EXIT_ERROR 2

#define CLI_MAX_RULE_PATHS 64
#define CLI_MAX_DISABLED 256
#define CLI_MAX_VERIFY_KEYS 32

struct ls_keyring;

typedef struct {
    const char *format;        /* "text" | "json" | "jsonl" | "sarif" */
    const char *output;        /* -o FILE, NULL = stdout */
    const char *platform;
    bool show_secrets;
    bool verbose;
    const char *rule_paths[CLI_MAX_RULE_PATHS];
    size_t n_rule_paths;
    bool no_default_rules;
    const char *disabled[CLI_MAX_DISABLED];
    size_t n_disabled;
    unsigned checks;           /* --checks: bit (1 << ls_category) per category run; 0 = unset
                                  (CLI_CHECKS_DEFAULT) */
    bool format_given;         /* --format was on the command line (beats the config file) */
    int fail_on;               /* ls_severity at or above which findings exit 1; -1 = unset (any) */
    int min_confidence;        /* ls_confidence below which findings are suppressed; -1 = unset */
    bool include_vendor;       /* vendor and third-party findings stay in findings[] */
    const char *baseline;      /* --baseline FILE */
    const char *config;        /* --config FILE; NULL = ./.layerscan.json when present */
    const char *from_report;   /* baseline create --from-report FILE */
    long layer;                /* extract/diff --layer N; -1 = unset */
    const char *entry_path;    /* extract --path /p */
    const char *finding;       /* extract --finding FINGERPRINT: the file behind a finding */
    const char *report;        /* extract --report FILE: where --finding looks (else a fresh scan) */
    bool force;                /* extract --force: overwrite an existing regular file */
    bool allow_unverified;     /* extract/diff --allow-unverified: use a layer failing its digest check */
    /* performance */
    bool no_cache;             /* --no-cache: always compile the rules */
    unsigned jobs;             /* --jobs N: layers scanned at once; 0 = online cores */
    /* bounds */
    uint64_t match_window;     /* --match-window BYTES; 0 = LS_MATCH_WINDOW */
    uint64_t max_json_bytes;   /* --max-json-size BYTES; 0 = LS_MAX_JSON_BYTES */
    uint64_t max_findings_per_file; /* --max-findings-per-file N; 0 = the default */
    /* bulk audit */
    const char *cache_dir;     /* --cache DIR: cache root (layer results, compiled rules) */
    const char *cache_key;     /* --cache-key FILE: the layer cache's HMAC key (scan, audit) */
    const char *resume;        /* --resume FILE: skip images already in FILE, append to it */
    const char *html_summary;  /* --html-summary FILE: audit: an HTML page over its JSONL */
    const char *repos_glob;    /* --repos GLOB: audit --registry, repositories kept */
    const char *tags_glob;     /* --tags GLOB|latest: audit --registry, tags kept */
    const char *registry_host; /* --registry HOST: audit a registry's catalog */
    unsigned shard_index;      /* --shard I/N */
    unsigned shard_count;      /* 0 = no sharding */
    /* registry */
    ls_registry_opts registry; /* --creds, --authfile, --cert-dir, --tls-verify */
    unsigned page_size;        /* registry ls --page-size N; 0 = the default */
    /* nested content: --max-nested-depth/-bytes/-ratio/-entries; 0 = default */
    ls_nested_limits nested;
    /* bounded layers and time (registry, every transport) */
    uint64_t max_layer_bytes;  /* --max-layer-size BYTES; 0 = 64G */
    uint64_t image_timeout_ms; /* --image-timeout DURATION; 0 = none */
    bool image_timeout_set;    /* given (else audit's default CLI_AUDIT_IMAGE_TIMEOUT_MS) */
    /* signatures */
    const char *verify_keys[CLI_MAX_VERIFY_KEYS]; /* --verify-key FILE, repeatable */
    size_t n_verify_keys;
    bool require_signature;    /* --require-signature */
    struct ls_keyring *keyring; /* the --verify-key files, loaded (cli_load_keys) */
    /* from the environment (cli/env.c) */
    bool debug;                /* LAYERSCAN_DEBUG set, non-empty, not "0" */
    bool no_mmap;              /* LAYERSCAN_MMAP=0 */
    bool no_decode_thread;     /* LAYERSCAN_DECODE_THREAD=0 */
    const char *engine_socket; /* docker-daemon: DOCKER_HOST, or Podman's socket when Docker's is absent */
} cli_opts;

#define CLI_AUDIT_IMAGE_TIMEOUT_MS (30ull * 60 * 1000)

/* The --image-timeout a command runs under: the option, else for audit
 * CLI_AUDIT_IMAGE_TIMEOUT_MS, else none (0). */
uint64_t cli_image_timeout(const cli_opts *o, bool audit);

/* The library's scan options as the command's options set them (platform,
 * registry, bounds, nested limits, timeout, debug); jobs and the layer cache
 * are the caller's to add. audit: as cli_image_timeout. */
ls_scan_opts cli_scan_opts(const cli_opts *o, bool audit);

/* Loads the --verify-key files into o->keyring, and refuses
 * --require-signature without a key. Prints a one-line error and returns
 * -1 on failure (exit status 2). */
int cli_load_keys(cli_opts *o);
void cli_free_keys(cli_opts *o);

/* "90s", "10m", "1h", "500ms", "30" (seconds) -> milliseconds. 0, or -1
 * when s is not such a duration (or longer than 30 days). */
int cli_parse_duration(const char *s, uint64_t *ms);

/* Parses the options of a command: argv[0] is the command word. Returns the
 * index in argv of the first operand, or -1 after printing a one-line error.
 * --help and --version print and exit. */
int cli_parse_opts(int argc, char **argv, cli_opts *o);

void cli_usage(FILE *out);

/* text, json, jsonl or sarif. */
bool cli_format_valid(const char *format);
void cli_print_version(void);

/* "123", "64K", "16M", "1G", "2T" (binary multiples; "KiB"/"KB" spellings too) -> bytes.
 * 0, or -1 when s is not such a size. */
int cli_parse_size(const char *s, uint64_t *out);

/* The categories a scan runs unless --checks says otherwise: secrets,
 * tamper evidence and provenance (whose rules report only under
 * --require-signature); hygiene (most images run as root) is opt-in, so a
 * gate does not start failing on it. */
#define CLI_CHECKS_DEFAULT                                                                         \
    ((1u << LS_CATEGORY_SECRET) | (1u << LS_CATEGORY_TAMPER) | (1u << LS_CATEGORY_PROVENANCE))

/* The rule set the options ask for (bundled patterns, --rules, --disable-rule,
 * the categories of --checks). NULL with err filled on failure. */
ls_ruleset *cli_load_rules(const cli_opts *o, ls_error *err);

/* The matcher over rs with the options' --match-window; cache_dir as for
 * ls_matcher_new_cached (NULL or "" = no database cache). 0, or -1 with err. */
struct ls_matcher;
int cli_new_matcher(const cli_opts *o, const ls_ruleset *rs, const char *cache_dir,
                    struct ls_matcher **m, ls_error *err);

int cli_cmd_scan(const cli_opts *o, const char *image);
int cli_cmd_rules(const cli_opts *o, const char *what);
int cli_cmd_baseline(const cli_opts *o, const char *what, const char *image);
/* `registry ls docker://HOST[/REPO]` (cmd_registry.c): repositories or tags. */
int cli_cmd_registry(const cli_opts *o, const char *what, const char *target);
/* Incident response (cmd_inspect.c): `layers`, `history`, `extract`, `diff`. */
int cli_cmd_inspect(const cli_opts *o, const char *cmd, const char *image);
/* `extract --finding` (finding_locate.c): the layer and path (*path: free
 * it) of the file behind the finding o->finding, from o->report or a fresh
 * scan of image (img: its layers, to check the report is of it). 0, or -1
 * with err filled: unknown fingerprint, a history/config finding, several
 * files carrying it (listed), an unusable report. */
int cli_finding_locate(const cli_opts *o, const char *image, const ls_image *img, long *layer,
                       char **path, ls_error *err);
/* `audit LIST|-` (cmd_audit.c); list is NULL with --registry. */
int cli_cmd_audit(const cli_opts *o, const char *list);
/* The first audit-only option set in o (for refusing it elsewhere), or NULL. */
const char *cli_audit_only_option(const cli_opts *o);
/* The first cache option (--cache, --cache-key: scan and audit only) set in o, or NULL. */
const char *cli_cache_option(const cli_opts *o);

/* Caches (cache_setup.c). The cache root the options name (--cache DIR, else
 * the default directory), into buf; NULL with --no-cache or when none can be
 * named. */
const char *cli_cache_root(const cli_opts *o, char *buf, size_t cap);
/* Where the commands that scan without a layer cache (layers, history,
 * extract --finding, baseline create) keep compiled rules: the cache root
 * when it is trusted, else NULL (warned). Compiling the bundled rules takes
 * seconds; loading them a few milliseconds. */
const char *cli_rules_cache_dir(const cli_opts *o, char *buf, size_t cap);
/* Whether root (and with_layers, root/layers) is a trusted cache directory
 * (core/trustdir.h), creating it 0700 if missing; prints the one-line
 * warning and returns false when it is not (then use no cache at all). */
bool cli_cache_trusted(const char *root, bool with_layers);
/* "layerscan: warning: cache not used: REASON" on stderr. */
void cli_cache_warn(const ls_error *why);
/* The layer cache key: --cache-key FILE, else the generated one. 0 with
 * *key (free with cli_cache_key_free); -1 when --cache-key FILE is unusable
 * (err: exit 2); 1 when no key can be had here (err: a warning's reason). */
int cli_cache_key(const cli_opts *o, unsigned char **key, size_t *len, ls_error *err);
void cli_cache_key_free(unsigned char *key, size_t len);
/* The layer result cache for rs: persistent under root (trusted, with the
 * key) or, with root NULL, when no key can be had, or when root turns out
 * not to be ours (warned), a private one for this run. 0, or -1 with err. */
struct ls_layer_cache;
int cli_open_layer_cache(const cli_opts *o, const ls_ruleset *rs, const char *root,
                         struct ls_layer_cache **out, ls_error *err);

#endif
