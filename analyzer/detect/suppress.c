/*
 * suppress.c - values that match a secret's shape but are known not to be
 * secrets. Reporting them is what makes users stop reading reports, so the
 * scanner drops them before delivery (the reason is printed in debug mode).
 *
 * Every rule is checked for documented examples and placeholders; the
 * looser checks (code references, digests, UUIDs, public material) apply only
 * to generic rules ("generic-*"), whose regexes cannot tell a value's kind.
 */
#include "detect/detect.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <string.h>

/* Values providers publish in their documentation. */
static const char *const documented[] = {
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "xoxb-not-a-real-token-this-will-not-work",
    /* RFC 6749 / RFC 5849 examples, quoted by every OAuth library */
    "2YotnFZFEjr1zCsicMWpAA", "tGzv3JOkF0XG5Qx2TlKWIA", "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    "SplxlOBeZQQYbYS6WxSbIA", "8xLOxBtZp8", "lsdkfol23w54jlksdef", "ad180jjd733klru7",
    "45ghiukldjahdnhzdauz", "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", "hh5s93j4hdidpola",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    /* kubectl's help text: "set-credentials cluster-admin --password=uXFGweU9l35qcif" */
    "uXFGweU9l35qcif",
};

/* Case-insensitive words that only placeholders contain. */
static const char *const placeholder_words[] = {
    "example", "changeme", "change_me", "change-me", "placeholder", "your_", "your-",
    "yourpassword", "yourtoken", "yoursecret", "yourkey", "xxxxxx", "******", "redacted",
    "dummy", "fake_", "notreal", "not-a-real", "not_a_real", "replace_me", "replaceme",
    "insert_", "todo", "<", ">", "${", "$(", "{{", "}}", "%(", "#{",
};

/* Whole values (case-insensitive) that stand for "a password goes here". */
static const char *const stand_ins[] = {
    "pass", "password", "passwd", "secret", "pwd", "xyz", "foo", "bar", "foobar", "baz",
    "test", "testing", "pw", "p", "b", "123", "1234", "12345", "123456", "qwerty", "s3cret",
    "hunter2", "letmein", "none", "null", "true", "false", "undefined", "required", "optional",
    "xyzzy", "p4ssw0rd", "passw0rd",
    /* type names in declarations (Password: UTF8String, password: str) */
    "string", "str", "utf8string", "ansistring", "widestring", "unicodestring", "securestring",
};

/* Case-insensitive prefixes of code that reads a secret from elsewhere. */
static const char *const lookups[] = {
    "os.environ", "os.getenv", "process.env", "env[", "env.", "getenv(", "system.getenv",
    "environment.getenvironmentvariable", "config.", "settings.", "self.", "this.", "params.",
    "request.", "args.", "options.", "opts.", "secrets.", "vars.", "$", "%", "`",
};

/* Paths whose hex strings are digests, not keys. */
static const char *const digest_paths[] = {
    "*/go.sum", "*.lock", "*/package-lock.json", "*/npm-shrinkwrap.json", "*/RECORD",
    "*/.git/*", "*.sha256", "*.sha1", "*.md5", "*/sha256sums*", "*/SHA256SUMS*", "*/md5sums",
    "*.dist-info/*", "*/Gemfile.lock", "*/composer.lock", "*/poetry.lock",
};

static bool has_ci(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)s[i + k]) == w[k])
            k++;
        if (k == n)
            return true;
    }
    return false;
}

static bool prefix_ci(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    if (n > len)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != p[i])
            return false;
    return true;
}

static bool all_in(const char *s, size_t len, const char *set)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(set, s[i]) || s[i] == '\0')
            return false;
    return true;
}

/* At most 3 distinct byte values ("xxxxxxxx", "********", "abababab"). */
static bool few_distinct(const char *s, size_t len)
{
    unsigned char seen[3];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        size_t k = 0;
        while (k < n && seen[k] != (unsigned char)s[i])
            k++;
        if (k == n) {
            if (n == 3)
                return false;
            seen[n++] = (unsigned char)s[i];
        }
    }
    return true;
}

/* A run of 8 ascending characters ("12345678", "abcdefgh"). */
static bool sequential(const char *s, size_t len)
{
    size_t run = 1;
    for (size_t i = 1; i < len; i++) {
        run = (s[i] == s[i - 1] + 1) ? run + 1 : 1;
        if (run >= 8)
            return true;
    }
    return false;
}

static bool is_uuid(const char *s, size_t len)
{
    if (len != 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* A bare identifier or word without digits (password_mgr, challengePassword,
 * elevated-privileges, PASSWORD as a usage metavariable, "ensemble." ending a
 * translated sentence, scmVersion= in a completion script): a name or prose,
 * not a value. Trailing punctuation is ignored. Letter-only random secrets of
 * the generic rules' lengths are rare enough to give up. */
static bool identifier(const char *s, size_t len)
{
    while (len > 0 && strchr(".:=,;!?", s[len - 1]))
        len--;
    if (len == 0)
        return true;
    for (size_t i = 0; i < len; i++)
        if (!(isalpha((unsigned char)s[i]) || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

/* Bytes outside ASCII: translated text (a .mo file's "--password CONTRASEÑA")
 * far more often than a password. */
static bool non_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* A string escape inside the value ("Thai\u00" from a binary's string
 * table, "\x41"): source text or data tables, not a credential. */
static bool escaped(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (s[i] == '\\' && strchr("uxnrt0f", s[i + 1])) /* \f: roff font changes */
            return true;
    return false;
}

/* snake_case or CONSTANT_CASE names whose words may end in digits
 * (TEST_DATA_BASE64, imdsv2_session_token): at least two words, each letters
 * then optional digits. */
static bool snake_name(const char *s, size_t len)
{
    size_t words = 0, i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && isalpha((unsigned char)s[i]))
            i++;
        if (i - start < 2)
            return false;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        words++;
        if (i < len && s[i++] != '_')
            return false;
    }
    return words >= 2 && s[len - 1] != '_';
}

/* An identifier chain such as a.b.c or a.b[ / a.b( : code, not a value. */
static bool code_reference(const char *s, size_t len)
{
    size_t dots = 0, i = 0;
    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.')
            dots++;
        else if (c == '(' || c == '[')
            return dots > 0 || i + 1 == len;
        else if (!(isalnum(c) || c == '_'))
            return false;
    }
    return dots > 0 && s[len - 1] != '.';
}

/* Public material that generic rules may see after "key:". */
static bool starts_public(const char *s, size_t len)
{
    return prefix_ci(s, len, "ssh-rsa ") || prefix_ci(s, len, "ssh-ed25519 ") ||
           prefix_ci(s, len, "ecdsa-sha2-") || prefix_ci(s, len, "-----begin public key") ||
           prefix_ci(s, len, "-----begin certificate") ||
           prefix_ci(s, len, "-----begin rsa public key") ||
           prefix_ci(s, len, "-----begin pgp public key");
}

static const char *const doc_paths[] = {
    "*/doc/*", "*/docs/*", "*/man/*", "*/example/*", "*/examples/*", "*/samples/*",
    "*/test/*", "*/tests/*", "*/testdata/*", "*/fixtures/*", "*/__tests__/*", "*/spec/*",
    "*.md", "*.rst", "*.html", "*.js.map", "*.css.map", "*/README*",
};

/* The distribution's documentation trees: man and info pages, changelogs and
 * examples (Debian compresses them; nested scanning opens them). Their
 * "machine host login user password secret" and "proto://user:pass@host"
 * lines are examples by construction. */
static const char *const system_doc_trees[] = {
    "/usr/share/man/", "/usr/share/info/", "/usr/share/doc/", "/usr/share/help/",
    "/usr/share/gtk-doc/", "/usr/local/share/man/",
};

/* Rules that recognise a secret by its surroundings, not its own shape: in
 * system documentation they only ever see examples. Token-shaped rules still
 * report there (a real token in a changelog is still a leak). */
static bool context_rule(const char *id)
{
    return strncmp(id, "generic-", 8) == 0 || strcmp(id, "netrc-password") == 0 ||
           strcmp(id, "uri-credentials") == 0 || strcmp(id, "http-basic-auth") == 0;
}

static bool in_system_docs(const char *path)
{
    for (size_t i = 0; path && i < sizeof system_doc_trees / sizeof *system_doc_trees; i++)
        if (strncmp(path, system_doc_trees[i], strlen(system_doc_trees[i])) == 0)
            return true;
    return false;
}

ls_confidence ls_detect_path_confidence(const char *path, ls_confidence c)
{
    if (!path || path[0] != '/' || c == LS_CONF_LOW)
        return c;
    for (size_t i = 0; i < sizeof doc_paths / sizeof *doc_paths; i++)
        if (fnmatch(doc_paths[i], path, 0) == 0)
            return (ls_confidence)(c - 1);
    return c;
}

const char *ls_detect_nonsecret(const ls_rule *rule, const char *s, size_t len, const char *path)
{
    bool generic = strncmp(rule->id, "generic-", 8) == 0;
    for (size_t i = 0; i < sizeof documented / sizeof *documented; i++)
        if (len == strlen(documented[i]) && memcmp(s, documented[i], len) == 0)
            return "documented example value";
    if (len == 0)
        return "empty value";
    if (context_rule(rule->id) && in_system_docs(path))
        return "example in system documentation";
    for (size_t i = 0; i < sizeof stand_ins / sizeof *stand_ins; i++)
        if (len == strlen(stand_ins[i]) && prefix_ci(s, len, stand_ins[i]))
            return "placeholder word";
    for (size_t i = 0; len <= 256 && i < sizeof placeholder_words / sizeof *placeholder_words; i++)
        if (has_ci(s, len, placeholder_words[i]))
            return "placeholder";
    if (s[0] == '{') /* {self.password}, {{ .Values.x }}, {password} */
        return "template placeholder";
    if (len >= 6 && few_distinct(s, len))
        return "placeholder (repeated characters)";
    if (all_in(s, len, "*"))
        return "masked value";
    if (starts_public(s, len))
        return "public key or certificate";
    if (!generic)
        return NULL;
    if (sequential(s, len))
        return "placeholder (sequential characters)";
    for (size_t i = 0; i < sizeof lookups / sizeof *lookups; i++)
        if (prefix_ci(s, len, lookups[i]))
            return "environment or configuration lookup";
    if (code_reference(s, len))
        return "code reference";
    if (memchr(s, '(', len) || memchr(s, ')', len) || memchr(s, '[', len) ||
        s[len - 1] == ',' || s[len - 1] == ';' || s[len - 1] == '}')
        return "code expression";
    if (identifier(s, len) || snake_name(s, len))
        return "identifier or word";
    if (non_ascii(s, len))
        return "non-ASCII text";
    if (escaped(s, len))
        return "string escape (source text or a binary's string table)";
    if (prefix_ci(s, len, "sha1-") || prefix_ci(s, len, "sha256-") ||
        prefix_ci(s, len, "sha384-") || prefix_ci(s, len, "sha512-") || prefix_ci(s, len, "h1:") ||
        prefix_ci(s, len, "sha256:") || prefix_ci(s, len, "sha512:") || prefix_ci(s, len, "md5-"))
        return "integrity digest";
    if (is_uuid(s, len))
        return "UUID";
    if (path && (len == 32 || len == 40 || len == 64 || len == 128) &&
        all_in(s, len, "0123456789abcdefABCDEF"))
        for (size_t i = 0; i < sizeof digest_paths / sizeof *digest_paths; i++)
            if (fnmatch(digest_paths[i], path, 0) == 0)
                return "hex digest in a checksum or lock file";
    return NULL;
}

/* (specific, general) pairs of rules that find the same secret at the same
 * byte: only the specific one reports it. A token-shape rule beats the
 * file-context rule that captures the same token: it carries the checksum
 * validation. */
static const char *const supersedes[][2] = {
    {"gcp-service-account-key", "private-key"},
    {"npm-token", "npmrc-auth"},
    {"pypi-token", "pypirc-password"},
    {"rubygems-api-key", "gem-credentials"},
    {"openai-api-key", "openai-project-key"},
    {"java-keystore", "k8s-secret-data"},
    /* a whole PEM block also matches the concatenated-literals rule (its
     * body class admits quotes): the plain rule, or the encrypted one, wins */
    {"private-key", "private-key-concatenated"},
    {"gcp-service-account-key", "private-key-concatenated"},
    {"openssh-private-key-encrypted", "private-key"},
    {"openssh-private-key-encrypted", "private-key-concatenated"},
    {"kubeconfig-client-key", "private-key-base64"},
    {"kubeconfig-client-key", "private-key-base64-encrypted"},
};

bool ls_detect_supersedes(const char *a, const char *b)
{
    for (size_t i = 0; i < sizeof supersedes / sizeof *supersedes; i++)
        if (strcmp(a, supersedes[i][0]) == 0 && strcmp(b, supersedes[i][1]) == 0)
            return true;
    return false;
}
