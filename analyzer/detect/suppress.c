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
    /* express-session's and Redis's documentation */
    "keyboard cat", "foobared",
    /* Python's urllib.request documentation */
    "geheim$parole",
    /* Azurite / Azure Storage Emulator's well-known devstoreaccount1 key
     * (learn.microsoft.com/azure/storage/common/storage-connect-azurite) */
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
};

/* Case-insensitive words that only placeholders contain. */
static const char *const placeholder_words[] = {
    "example", "changeme", "change_me", "change-me", "placeholder", "your_", "your-",
    "yourpassword", "yourtoken", "yoursecret", "yourkey", "xxxxxx", "******", "redacted",
    "dummy", "fake_", "notreal", "not-a-real", "not_a_real", "replace_me", "replaceme",
    "insert_", "todo", "password_here", "your unique phrase", "...", "mysecret", "mypassword",
    "mytoken", "my_secret", "my-secret", "my_password", "my-password", "myuser", "mytest",
    "this-is-", "this_is_", "a1b2c3", "123456", "abcdef",
};

/* Well-known defaults and the commonest passwords (whole value, any case):
 * real values, but ones every attacker tries first, and images ship them as
 * documented defaults (the postgres, mysql, rabbitmq images' examples). */
static const char *const well_known[] = {
    "admin", "administrator", "root", "toor", "guest", "postgres", "postgrespw", "mysql",
    "mariadb", "oracle", "sa", "user", "default", "welcome", "welcome1", "master", "changeit",
    "secret123", "password1", "password123", "admin123", "root123", "qwerty123", "letmein123",
    "raspberry", "rabbitmq", "redis", "mongo", "mongodb", "example", "dev", "development",
    "supersecret", "mysecretpassword", "my-secret-pw", "somewordpress", "wordpress", "odoo",
    "jenkins", "tomcat", "s3cr3t", "secretpassword", "pa55word", "abc123", "trustno1",
    "iloveyou", "1qaz2wsx", "zaq12wsx", "elastic", "kibana", "minioadmin", "keycloak",
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

/* Case-sensitive substring. */
static bool has_cs(const char *s, size_t len, const char *w)
{
    size_t n = strlen(w);
    for (size_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(s + i, w, n) == 0)
            return true;
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

/* A bare identifier, word or path of words without digits (password_mgr,
 * challengePassword, auth/wrong-password,
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
        if (!(isalpha((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '/' ||
              s[i] == '.'))
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

/* A template or placeholder marker: "<your-token>", "${VAR}", "$(cmd)",
 * "{{ x }}", "%(name)s", "#{x}". A marker counts when it opens the value or
 * when its closing bracket follows it: a random salt (WordPress, Django) may
 * hold "${" or "<" by chance, never a closed "<word>" placeholder. */
static bool template_marker(const char *s, size_t len)
{
    static const char *const open[] = {"${", "$(", "{{", "%(", "#{"};
    if (s[0] == '<' || s[len - 1] == '>' || prefix_ci(s, len, "${") || prefix_ci(s, len, "$(") ||
        prefix_ci(s, len, "%(") || prefix_ci(s, len, "#{"))
        return true;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '<') {
            size_t k = i + 1;
            while (k < len && (isalnum((unsigned char)s[k]) || strchr(" _.-", s[k])))
                k++;
            if (k < len && s[k] == '>' && k - i > 2)
                return true;
        }
        for (size_t o = 0; o < sizeof open / sizeof *open; o++)
            if (i + 1 < len && s[i] == open[o][0] && s[i + 1] == open[o][1] &&
                memchr(s + i + 2, open[o][1] == '(' ? ')' : '}', len - i - 2))
                return true;
    }
    return false;
}

/* Two-letter English words that camelCase names hold (defaultToConfig2,
 * isInRange): a capital and one lower-case letter is a word only then. */
static bool short_word(char up, char lo)
{
    static const char *const words[] = {"to", "of", "in", "on", "at", "by", "is", "or", "as",
                                        "an", "up", "no", "do", "if", "it", "be", "go", "my", "id"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (tolower((unsigned char)up) == words[i][0] && lo == words[i][1])
            return true;
    return false;
}

/* Maximal runs of lower-case letters all at least 2 long (or a capital and
 * one letter making a short word), at most two runs
 * of digits, only letters and digits: a camelCase or PascalCase name
 * (recaptchaV2Token, defaultToConfig2, SensitiveString2048). A random
 * base62 string of 16+ characters almost always has a lone lower-case
 * letter between capitals or digits. */
static bool camel_name(const char *s, size_t len)
{
    size_t digit_runs = 0, i = 0;
    bool lower = false;
    if (len == 0)
        return false;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t start = i;
        if (islower(c)) {
            while (i < len && islower((unsigned char)s[i]))
                i++;
            if (i - start < 2 && !(start > 0 && isupper((unsigned char)s[start - 1]) &&
                                   short_word(s[start - 1], s[start])))
                return false;
            lower = true;
        } else if (isdigit(c)) {
            while (i < len && isdigit((unsigned char)s[i]))
                i++;
            digit_runs++;
        } else if (isupper(c)) {
            i++;
        } else {
            return false;
        }
    }
    return lower && digit_runs <= 2;
}

/* A token's prefix followed by words instead of random characters
 * ("ghp_PersonalAccessToken01245678900000000" in @octokit/auth-token's
 * README, "sk_live_YourSecretKeyHere"): the stand-in documentation writes for
 * a token. The prefix is 2 to 11 lower-case letters, digits and separators
 * ending in '_' or '-'; the body, 16 characters or more, is a camelCase name
 * (camel_name). An issued token's random base62 body is almost never one: it
 * has a lone lower-case letter between capitals or digits, or a third run of
 * digits. Only for machine-issued tokens: a password is chosen by a person and
 * may well be "my_SuperSecretPassword2024" (see human_chosen). */
static bool prefixed_words(const char *s, size_t len)
{
    size_t cut = 0;
    for (size_t i = 0; i < len && i < 12; i++) {
        if (s[i] == '_' || s[i] == '-')
            cut = i + 1;
        else if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            break;
    }
    if (cut < 3 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[1]) ||
        s[cut - 2] == '_' || s[cut - 2] == '-')
        return false;
    return len - cut >= 16 && camel_name(s + cut, len - cut);
}

/* Some segment between dots of at least 20 characters mixing upper case,
 * lower case and digits, only of a token's alphabet, that is not a camelCase
 * name: the body of a token,
 * not a member name. */
static bool random_segment(const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.')
            continue;
        if (i - start >= 20) {
            bool up = false, lo = false, dig = false, alpha = true;
            for (size_t k = start; k < i; k++) {
                alpha &= isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_';
                up |= isupper((unsigned char)s[k]) != 0;
                lo |= islower((unsigned char)s[k]) != 0;
                dig |= isdigit((unsigned char)s[k]) != 0;
            }
            if (alpha && up && lo && dig && !camel_name(s + start, i - start))
                return true;
        }
        start = i + 1;
    }
    return false;
}

/* A value shaped like a known token: never a code reference, however many
 * dots it has. HashiCorp Vault service/batch/recovery tokens (hvs., hvb.,
 * hvr.) and their legacy form (s. or b. and 24 base62), Mapbox secret and
 * temporary tokens (sk.eyJ, tk.eyJ), JWTs, Google OAuth access tokens
 * (ya29.), and any dotted value one of whose segments is token-like. */
static bool token_shaped(const char *s, size_t len)
{
    static const char *const prefixes[] = {"hvs.", "hvb.", "hvr.", "sk.eyJ", "tk.eyJ", "eyJ", "ya29."};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
        if (len > strlen(prefixes[i]) + 8 && strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    if (len == 26 && (s[0] == 's' || s[0] == 'b') && s[1] == '.') {
        bool up = false, lo = false, dig = false, ok = true;
        for (size_t k = 2; k < len; k++) {
            unsigned char c = (unsigned char)s[k];
            ok &= isalnum(c) != 0;
            up |= isupper(c) != 0;
            lo |= islower(c) != 0;
            dig |= isdigit(c) != 0;
        }
        if (ok && up && lo && dig)
            return true;
    }
    return memchr(s, '.', len) && random_segment(s, len);
}

/* An 8-character piece occurring twice ("gPFEGk7C...gPFEGk7C..."): test
 * data built by repetition, never an issued token. */
static bool repeats(const char *s, size_t len)
{
    if (len < 24 || len > 512)
        return false;
    for (size_t i = 0; i + 16 <= len; i++)
        for (size_t j = i + 8; j + 8 <= len; j++)
            if (memcmp(s + i, s + j, 8) == 0)
                return true;
    return false;
}

/* Standard base64 of printable words ("YW5vdGhlclRva2VuIQ==" is
 * "anotherToken!"): an encoded name or sentence, not key material. */
static bool base64_of_words(const char *s, size_t len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[96];
    size_t n = 0, body = len;
    unsigned bits = 0, acc = 0;
    if (len < 12 || len % 4 != 0 || len / 4 * 3 > sizeof out)
        return false;
    while (body > 0 && s[body - 1] == '=')
        body--;
    if (len - body > 2)
        return false;
    for (size_t i = 0; i < body; i++) {
        const char *p = memchr(b64, s[i], 64);
        if (!p || s[i] == '\0')
            return false;
        acc = (acc << 6) | (unsigned)(p - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!isprint((unsigned char)out[i]))
            return false;
    while (n > 0 && strchr(".:=,;!?", out[n - 1]))
        n--;
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)out[i]) && !strchr(" _-", out[i]))
            return false;
    return n >= 6;
}

/* Code, not a value: a member of this/self anywhere, or the separators of
 * an expression or a minified statement ("r.password,s.host=r.host",
 * "t,this._tenantId=i}static", "value}get"): a comma, semicolon or brace, or
 * an '=' that is not base64 padding. */
static bool code_text(const char *s, size_t len)
{
    if (has_ci(s, len, "this.") || has_ci(s, len, "self."))
        return true;
    for (size_t i = 0; i < len; i++) {
        if (strchr(",;{}", s[i]) && s[i] != '\0')
            return true;
        if (s[i] == '=' && i + 1 < len && s[i + 1] != '=')
            return true;
    }
    return false;
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

/* One word of a name: letters in one case (lower, upper or Capitalized),
 * then at most three digits ("oauth2", "ec2", "Amz", "V3"). */
static bool name_word(const char *s, size_t n)
{
    size_t i = 0, letters;
    while (i < n && isalpha((unsigned char)s[i]))
        i++;
    letters = i;
    if (letters == 0 || n - letters > 3)
        return false;
    for (size_t k = i; k < n; k++)
        if (!isdigit((unsigned char)s[k]))
            return false;
    for (size_t k = 1; k < letters; k++)
        if (!isupper((unsigned char)s[k]) != !isupper((unsigned char)s[1]))
            return false;
    return letters < 2 || !islower((unsigned char)s[0]) || islower((unsigned char)s[1]);
}

/* A kebab-case name with digits in its words: an HTTP header
 * ("x-aws-ec2-metadata-token", "X-Amz-Security-Token"), a CLI option, a
 * key's name. At least two words of two letters or more, at most one
 * single-letter word (the "x-" of a custom header), at most two runs of
 * digits, each at a word's end. A random token with dashes interleaves
 * letters and digits inside its pieces or mixes case within them. (Names of
 * letters only are identifier(); snake_case is snake_name().) */
static bool kebab_name(const char *s, size_t len)
{
    size_t words = 0, single = 0, digit_runs = 0, start = 0;
    if (len == 0 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '-')
            continue;
        if (i == start || !name_word(s + start, i - start))
            return false;
        if (isdigit((unsigned char)s[i - 1]))
            digit_runs++;
        if (i - start == 1)
            single++;
        else
            words++;
        start = i + 1;
    }
    return words >= 2 && single <= 1 && digit_runs <= 2;
}

/* A segment of a URL path: a version ("v2.0", "2", "v1beta1" is a name) or
 * words joined by '-', '_' or '.', each a name_word(). */
static bool path_segment(const char *s, size_t n)
{
    size_t i = 0, start = 0;
    if (n == 0)
        return false;
    if (s[0] == 'v' || s[0] == 'V')
        i = 1;
    if (i < n && isdigit((unsigned char)s[i]) && all_in(s + i, n - i, "0123456789."))
        return true;
    for (i = 0; i <= n; i++) {
        if (i < n && !strchr("-_.", s[i]))
            continue;
        if (i == start || !name_word(s + start, i - start))
            return false;
        start = i + 1;
    }
    return true;
}

/* A URL path of at least two segments ("/oauth2/v2.0/token",
 * "/api/v1/users/"): an endpoint, not a value. A base64 secret that starts
 * with '/' has a segment mixing case and digits inside its words. */
static bool url_path(const char *s, size_t len)
{
    size_t segs = 0, start = 1;
    if (len < 2 || s[0] != '/')
        return false;
    if (s[len - 1] == '/')
        len--;
    for (size_t i = 1; i <= len; i++) {
        if (i < len && s[i] != '/')
            continue;
        if (!path_segment(s + start, i - start))
            return false;
        segs++;
        start = i + 1;
    }
    return segs >= 2;
}

/* Top-level domains a host name in code or documentation ends with. */
static const char *const tlds[] = {
    "com", "org", "net", "io", "dev", "app", "edu", "gov", "mil", "int", "info", "biz", "co",
    "cloud", "ai", "me", "us", "uk", "de", "fr", "jp", "cn", "ru", "eu", "ca", "au", "in",
    "local", "localhost", "internal", "test", "example", "invalid", "arpa",
};

/* A host name or URL without credentials ("www.google.com/`" from a
 * template literal, "https://login.example.org/oauth2/token",
 * "api.stripe.com:443"): lower-case labels of letters, digits and '-', a
 * known top-level domain, then an optional port and a path of word
 * segments. Closing quotes, backticks and brackets after it are the
 * source's, not the value's. A value with '@' carries a credential and is
 * never one. */
static bool host_or_url(const char *s, size_t len)
{
    size_t i = 0, labels = 0, label = 0, tld = 0;
    while (len > 0 && strchr("`'\")]>,;.", s[len - 1]))
        len--;
    if (len == 0 || memchr(s, '@', len))
        return false;
    while (i < len && (islower((unsigned char)s[i]) || (i > 0 && strchr("+.-", s[i]))))
        i++;
    if (i + 3 <= len && memcmp(s + i, "://", 3) == 0)
        s += i + 3, len -= i + 3;
    for (i = 0; i <= len; i++) {
        if (i < len && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-')) {
            label++;
            continue;
        }
        if (label == 0)
            return false;
        labels++;
        tld = label;
        label = 0;
        if (i == len || s[i] != '.')
            break;
    }
    if (labels < 2)
        return false;
    {
        const char *t = s + i - tld;
        bool known = false;
        for (size_t k = 0; k < sizeof tlds / sizeof *tlds; k++)
            known |= strlen(tlds[k]) == tld && memcmp(t, tlds[k], tld) == 0;
        if (!known)
            return false;
    }
    if (i < len && s[i] == ':') {
        size_t k = ++i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        if (i == k || i - k > 5)
            return false;
    }
    if (i == len)
        return true;
    return s[i] == '/' && (i + 1 == len || url_path(s + i, len - i));
}

/* A placeholder a person writes for "your value here": my_ or my- followed
 * by a name ("my_recaptchaV3Token", "my-api-key"). Only where an issuer
 * makes the value: a password of words is a password ("my_SuperSecret..."
 * stays for the password rules, see human_chosen). */
static bool my_placeholder(const char *s, size_t len)
{
    if (len < 5 || !(prefix_ci(s, len, "my_") || prefix_ci(s, len, "my-")))
        return false;
    s += 3, len -= 3;
    return camel_name(s, len) || identifier(s, len) || snake_name(s, len) || kebab_name(s, len);
}

/* Rules whose value is a password a person types (generic-password,
 * generic-cli-password, netrc, pgpass, ...), as opposed to a token or key. */
static bool password_rule(const char *id)
{
    return strstr(id, "pass") || strstr(id, "pwd") || strstr(id, "cred");
}

/* TypeScript declaration files hold types and doc comments (@example
 * blocks), no runtime values: a literal a generic rule sees there is an
 * example. A const's literal type ("declare const KEY = \"...\"") is also in
 * the emitted .js next to it, which is still scanned. */
static bool declaration_file(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return (n > 5 && strcmp(path + n - 5, ".d.ts") == 0) ||
           (n > 6 && (strcmp(path + n - 6, ".d.mts") == 0 || strcmp(path + n - 6, ".d.cts") == 0));
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
    /* TypeScript declarations: types and doc comments (see declaration_file) */
    "*.d.ts", "*.d.mts", "*.d.cts",
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

/* Rules whose value a person chooses (passwords, passphrases, credentials
 * in a URL or a config file), not an issuer: words are what such values are
 * made of, so word-shaped values are no sign of a placeholder there. */
static bool human_chosen(const char *id)
{
    return context_rule(id) || strstr(id, "pass") || strstr(id, "pwd") || strstr(id, "cred");
}

/* Files that hold examples by name: .env.example, settings.sample.py,
 * config.yml.template, app.conf.dist, the AWS SDKs' *.examples.json. */
static bool example_file(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path;
    if (!base)
        return false;
    return has_ci(base, strlen(base), "example") || has_ci(base, strlen(base), "sample") ||
           has_ci(base, strlen(base), ".template") || has_ci(base, strlen(base), ".tmpl") ||
           has_ci(base, strlen(base), ".dist");
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
    bool token;
    for (size_t i = 0; i < sizeof documented / sizeof *documented; i++)
        if (len == strlen(documented[i]) && memcmp(s, documented[i], len) == 0)
            return "documented example value";
    if (len == 0)
        return "empty value";
    /* AWS marks every key of its documentation with EXAMPLE (AKIAIOSFODNN7EXAMPLE,
     * ...bPxRfiCYEXAMPLEKEY, the STS session tokens "IQoJb3JpZ2luX2Vj...wEXAMPLEtMSJ..."
     * in botocore's and the SDKs' examples-1.json): at any length, where the
     * placeholder words below stop at 256 characters. Upper case only: seven
     * given letters in a row of a random base64 token are a 1 in 4e12 chance. */
    if (strncmp(rule->id, "aws-", 4) == 0 && has_cs(s, len, "EXAMPLE"))
        return "documented example value (AWS's EXAMPLE marker)";
    if (context_rule(rule->id) && in_system_docs(path))
        return "example in system documentation";
    for (size_t i = 0; i < sizeof stand_ins / sizeof *stand_ins; i++)
        if (len == strlen(stand_ins[i]) && prefix_ci(s, len, stand_ins[i]))
            return "placeholder word";
    for (size_t i = 0; i < sizeof well_known / sizeof *well_known; i++)
        if (len == strlen(well_known[i]) && prefix_ci(s, len, well_known[i]))
            return "well-known default or common password";
    for (size_t i = 0; len <= 256 && i < sizeof placeholder_words / sizeof *placeholder_words; i++)
        if (has_ci(s, len, placeholder_words[i]))
            return "placeholder";
    if (prefix_ci(s, len, "{cipher}") || (prefix_ci(s, len, "enc(") && s[len - 1] == ')'))
        return "encrypted value (Jasypt ENC(...) or Spring Cloud Config {cipher})";
    if (s[0] == '{') /* {self.password}, {{ .Values.x }}, {password} */
        return "template placeholder";
    if (len <= 256 && template_marker(s, len))
        return "placeholder";
    if (len >= 6 && few_distinct(s, len))
        return "placeholder (repeated characters)";
    if (all_in(s, len, "*"))
        return "masked value";
    if (starts_public(s, len))
        return "public key or certificate";
    if (!human_chosen(rule->id) && prefixed_words(s, len))
        return "placeholder (a token prefix followed by words)";
    if (prefix_ci(s, len, "pk_live_") || prefix_ci(s, len, "pk_test_") ||
        (len > 6 && strncmp(s, "pk.eyJ", 6) == 0) || prefix_ci(s, len, "sb_publishable_"))
        return "publishable (public) key";
    if (!generic)
        return NULL;
    if (example_file(path))
        return "example or template file";
    if (sequential(s, len))
        return "placeholder (sequential characters)";
    for (size_t i = 0; i < sizeof lookups / sizeof *lookups; i++)
        if (prefix_ci(s, len, lookups[i]))
            return "environment or configuration lookup";
    if (prefix_ci(s, len, "arn:"))
        return "AWS ARN (a resource or policy name)";
    token = token_shaped(s, len);
    if (!token && code_reference(s, len))
        return "code reference";
    if (!token && (memchr(s, '(', len) || memchr(s, ')', len) || memchr(s, '[', len) ||
                   s[len - 1] == ',' || s[len - 1] == ';' || s[len - 1] == '}'))
        return "code expression";
    if (!token && code_text(s, len))
        return "code expression";
    if (!token && (identifier(s, len) || snake_name(s, len)))
        return "identifier or word";
    if (!token && kebab_name(s, len))
        return "HTTP header or kebab-case name";
    if (!token && url_path(s, len))
        return "URL path";
    if (!token && host_or_url(s, len))
        return "host name or URL";
    if (!password_rule(rule->id) && my_placeholder(s, len))
        return "placeholder (my_ followed by a name)";
    if (len > 1 && (s[0] == '#' || s[0] == '.') && identifier(s + 1, len - 1))
        return "CSS selector or anchor (#add-password)";
    if (strcmp(rule->id, "generic-secret") == 0 && camel_name(s, len))
        return "identifier or word (camelCase name)";
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
    if (len > 10 && strncmp(s, "U2FsdGVkX1", 10) == 0)
        return "encrypted value (OpenSSL \"Salted__\" data)";
    if (repeats(s, len))
        return "repeated piece (test data)";
    if (base64_of_words(s, len))
        return "base64 of plain words";
    /* last: every value check above names its reason first */
    if (declaration_file(path))
        return "TypeScript declaration file (types and doc comments)";
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
    {"npm-yarn-auth-token", "yarnrc-npm-auth"},
    {"npm-yarn-auth-ident", "yarnrc-npm-auth"},
    {"pypi-test-token", "pypirc-password"},
    {"azure-batch-identifiable-key", "azure-batch-key"},
    /* live_<channel id>_<30> is 40 characters after live_, GoCardless's length */
    {"twitch-stream-key", "gocardless-access-token"},
    /* a hash in a shadow or htpasswd line: the file's own rule says where */
    {"shadow-password-hash", "crypt-password-hash"},
    {"htpasswd-hash", "crypt-password-hash"},
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
