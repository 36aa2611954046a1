/*
 * validate_key.h - offline validation of captured private keys, in every
 * encoding the key rules find (see validate_key.c). Called by
 * ls_detect_validate() in validate.c.
 */
#ifndef LS_DETECT_VALIDATE_KEY_H
#define LS_DETECT_VALIDATE_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "detect/detect.h"

/* Whether secret (len bytes) is a captured private key this file judges:
 * PEM or OpenSSH text ("-----BEGIN ...PRIVATE KEY-----", with real,
 * `\n`-escaped or indented newlines, or split across string literals), the
 * base64 of such text ("LS0tLS1CRUdJTi..."), a PuTTY .ppk block
 * ("PuTTY-User-Key-File-") or the start of a PGP private key block. */
bool ls_detect_is_key(const char *s, size_t len);

/* The verdict on such a key; *conf must hold the rule's confidence on entry
 * and receives the finding's. A whole block that parses (an unencrypted key
 * OpenSSL loads; the structure of an encrypted one, readable without its
 * passphrase: EncryptedPrivateKeyInfo, a known DEK-Info cipher and IV, an
 * openssh-key-v1 blob with a known cipher and KDF) is structure-valid, conf
 * high. An unencrypted .ppk whose Private-MAC verifies is checksum-valid
 * (high); one whose MAC fails is checksum-invalid (medium). The start of a
 * key that could begin a valid one is none, conf unchanged; anything broken
 * is none, conf low. When memory runs out (of ours or OpenSSL's) *oom is set
 * and the verdict and *conf mean nothing. */
ls_validation ls_detect_validate_key(const char *s, size_t len, ls_confidence *conf, bool *oom);

/* Exposed for the unit tests: the key text with escapes undone, string
 * literal concatenation removed, indentation and carriage returns dropped
 * (caller frees; NULL on allocation failure). */
char *ls_detect_key_text(const char *s, size_t len, size_t *out_len);

#endif
