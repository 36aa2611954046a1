/*
 * magic.h - sensitive binary files recognized by their bytes, not their
 * names: Java keystores (JKS "FEEDFEED", JCEKS "CECECECE") and PKCS#12
 * files (a DER SEQUENCE holding version 3 and a pkcs7 ContentInfo).
 *
 * No regex can say what such a file holds, and its bytes are no secret to
 * print: the layer scan looks at the head of every stream it scans, keeps up
 * to LS_MAGIC_MAX_BYTES of a candidate, and at its end asks for a verdict
 * and a printable descriptor that stands in for the secret. A keystore that
 * holds only trusted certificates (a truststore such as Java's cacerts) is
 * public material and not reported. The findings use the rules with the ids
 * ls_magic_rule_id() names (patterns/files.json), which also find the same
 * files base64-encoded in text; disabling the rule disables the detector.
 * Pure functions: safe from any thread.
 */
#ifndef LS_DETECT_MAGIC_H
#define LS_DETECT_MAGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layerscan/rules.h"

typedef enum { LS_MAGIC_NONE = 0, LS_MAGIC_JKS, LS_MAGIC_JCEKS, LS_MAGIC_PKCS12 } ls_magic_kind;

/* Head bytes ls_magic_sniff needs (fewer at the end of a short file). */
#define LS_MAGIC_SNIFF_BYTES 32
/* Most bytes of a candidate kept for ls_magic_describe. */
#define LS_MAGIC_MAX_BYTES (1024 * 1024)

/* The kind the first bytes of a file announce, or LS_MAGIC_NONE. */
ls_magic_kind ls_magic_sniff(const unsigned char *head, size_t len);

/* "java-keystore" or "pkcs12-file" (NULL for LS_MAGIC_NONE). */
const char *ls_magic_rule_id(ls_magic_kind k);

/* Judges a candidate from its first len bytes (of total; len < total when it
 * was longer than LS_MAGIC_MAX_BYTES). Returns true when it is worth a
 * finding, with desc set to a one-line descriptor that names the format, what
 * it holds and a SHA-256 prefix of the bytes seen ("JKS keystore v2: 1 private
 * key, 1 certificate, 2201 bytes, sha256:0c1d...") and *conf to the
 * confidence it deserves; false when it is not (a certificates-only store, or
 * not the format after all), with desc set to the reason. */
bool ls_magic_describe(ls_magic_kind k, const unsigned char *buf, size_t len, uint64_t total,
                       char *desc, size_t cap, ls_confidence *conf);

#endif
