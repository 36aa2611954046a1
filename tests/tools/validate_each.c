/*
 * validate_each - the validators' verdicts on a list of secrets, for
 * test_validate_faults.sh's allocation-failure sweep.
 *
 * Input (the file named by the argument): one "RULE-ID<TAB>HEX-OF-SECRET"
 * line per secret. Output:
 * "RULE-ID VERDICT CONFIDENCE" per line, each judged as a rule of medium
 * confidence. When a validator runs out of memory: one "layerscan: ..." line
 * on stderr and exit 2, the outcome the scanner gives; a verdict printed
 * after a failed allocation would be one the secret, judged in full, does not
 * get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "layerscan/rules.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the hex after the tab in place; its length, or -1 when malformed. */
static long unhex(char *s)
{
    size_t n = strlen(s), i;
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    if (n % 2)
        return -1;
    for (i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        s[i] = (char)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

int main(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    FILE *in = argc == 2 ? fopen(argv[1], "r") : NULL;
    if (!in) {
        fprintf(stderr, "layerscan: validate_each: usage: validate_each FILE (or cannot open it)\n");
        return 2;
    }
    while (getline(&line, &cap, in) > 0) {
        char *tab = strchr(line, '\t');
        ls_rule r;
        ls_validation v;
        ls_confidence conf;
        long len;
        if (!tab || (len = unhex(tab + 1)) < 0) {
            fprintf(stderr, "layerscan: validate_each: malformed input line\n");
            rc = 2;
            break;
        }
        *tab = '\0';
        memset(&r, 0, sizeof r);
        r.id = line;
        r.confidence = LS_CONF_MEDIUM;
        if (ls_detect_validate(&r, tab + 1, (size_t)len, &v, &conf) != 0) {
            fprintf(stderr, "layerscan: out of memory\n");
            rc = 2;
            break;
        }
        printf("%s %s %s\n", line, ls_validation_name(v), ls_confidence_name(conf));
    }
    if (rc == 0 && !feof(in)) { /* getline failed before the end: out of memory, or a read error */
        fprintf(stderr, "layerscan: validate_each: %s: cannot read\n", argv[1]);
        rc = 2;
    }
    free(line);
    fclose(in);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "layerscan: validate_each: cannot write\n");
        rc = 2;
    }
    return rc;
}
