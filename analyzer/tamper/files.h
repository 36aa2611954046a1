/*
 * files.h - which layer files the structural tamper checks read, and the
 * evidence line of the checks the walk itself can settle.
 *
 * What: the walk keeps a few small files whole with the layer's result
 * (beside its package databases, pipeline/vendor_capture.h), because the
 * checks on them need other layers too: an empty shadow password counts
 * only for an account that passwd (maybe another layer's) gives a login
 * shell; an authorized_keys path may come from an sshd_config a later layer
 * writes; a setuid file is sanctioned by a statoverride anywhere below.
 * Everything else the checks need is in a tar header (mode, owner) or a
 * pattern match (an SSH key line), which the walk already sees.
 *
 * Why so shaped: classification is by path alone, so the walk decides
 * before reading a byte, and a layer that holds none of these files pays one
 * string comparison per file.
 */
#ifndef LS_TAMPER_FILES_H
#define LS_TAMPER_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ids of the rules (patterns/tamper.json) these checks report under. */
#define LS_RULE_SSH_KEY "ssh-authorized-key-added"
#define LS_RULE_UID0 "uid0-account"
#define LS_RULE_EMPTY_PASSWORD "empty-password-account"
#define LS_RULE_SETID "setuid-file-added"
#define LS_RULE_RUNS_AS_ROOT "runs-as-root"
#define LS_RULE_LD_PRELOAD "ld-preload"

typedef enum {
    LS_TFILE_NONE = 0,
    LS_TFILE_PASSWD,        /* /etc/passwd */
    LS_TFILE_SHADOW,        /* /etc/shadow */
    LS_TFILE_SSHD_CONFIG,   /* /etc/ssh/sshd_config, /etc/ssh/sshd_config.d/NAME.conf */
    LS_TFILE_STATOVERRIDE,  /* /var/lib/dpkg/statoverride */
    LS_TFILE_LD_PRELOAD     /* /etc/ld.so.preload */
} ls_tamper_file;

/* Which of the kept files an absolute layer path is. */
ls_tamper_file ls_tamper_classify(const char *path);

/* The evidence of an ssh-authorized-key-added match: "TYPE SHA256:FP
 * COMMENT" (no comment: "TYPE SHA256:FP") for the key line line[0..n), as
 * `ssh-keygen -l` names the key. Returns the length written (out is
 * NUL-terminated, truncated to cap), or 0 when the line is no key sshd
 * would accept (a bad blob, a blob naming another type): no finding. */
size_t ls_tamper_key_evidence(const char *line, size_t n, char *out, size_t cap);

/* Whether a tar header mode makes a file setuid or setgid. */
bool ls_tamper_setid(uint32_t mode);

/* The setuid-file-added evidence: "mode 4755, owner 0:0, size 4096". */
void ls_tamper_setid_evidence(uint32_t mode, int64_t uid, int64_t gid, int64_t size, char *out, size_t cap);

/* The next library /etc/ld.so.preload names, from *pos on (advanced past
 * it): tokens split on blanks, newlines and ':' as ld.so splits them; a
 * token starting with '#' ends its line (a comment; ld.so would fail to
 * load it, never run it). *line is the 1-based line at *pos (start with
 * *pos 0, *line 1) and comes back as the token's. Returns the token's
 * length with *tok set, or 0 at the end. */
size_t ls_preload_next(const char *bytes, size_t len, size_t *pos, const char **tok, size_t *line);

/* Whether a dpkg statoverride file (lines "owner group mode path", mode in
 * octal, the path the rest of the line) sets path to exactly mode (07777
 * bits). */
bool ls_statoverride_sets(const void *bytes, size_t len, const char *path, unsigned mode);

#endif
