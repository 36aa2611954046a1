/*
 * tamper.h - the structural tamper checks (patterns/tamper.json's rules
 * marked "structural", and the key lines the ssh-authorized-key-added
 * pattern finds), judged per image once every layer is in.
 *
 * The walk records what one layer alone can tell: setuid and setgid files
 * (tar header modes), SSH key lines (a pattern), and keeps passwd, shadow,
 * sshd_config, dpkg's statoverride and ld.so.preload whole
 * (tamper/files.h). What a check
 * needs beyond one layer is decided here, in three steps the image scan
 * runs in order:
 *   1. ls_tamper_judge, on the layers' own finding lists after package
 *      origins are known (pipeline/vendor.h): reads the kept account files
 *      (uid0-account; empty-password-account, whose login shell may come
 *      from another layer's passwd), drops setuid files a package ships
 *      byte for byte (or that a visible statoverride sets to that mode), and
 *      keeps only key lines in files sshd reads (authorized_keys,
 *      authorized_keys2, or an AuthorizedKeysFile pattern of any sshd
 *      configuration the image holds), and reports every library
 *      /etc/ld.so.preload names (the ld-preload pattern sees only the
 *      file's first).
 *   2. ls_tamper_settle, once every finding has its fate: a tamper entry
 *      that a later layer only copies (the same key, account line or
 *      byte-identical setuid file at the same path, still served just below
 *      that layer) is not a new finding: the copy is dropped and the first
 *      one takes its fate ("present" while the entry is still served).
 *   3. ls_tamper_config: runs-as-root, from the image config.
 */
#ifndef LS_PIPELINE_TAMPER_H
#define LS_PIPELINE_TAMPER_H

#include <stddef.h>

#include "layerscan/error.h"
#include "layerscan/image.h"
#include "layerscan/report.h"
#include "pipeline/findings.h"
#include "pipeline/fsmodel.h"
#include "pipeline/vendor.h"

/* Step 1 over the n layers (layers[i].index == i; fs: their path tables,
 * NULL for an unreadable layer). Findings are added to and removed from the
 * layers' lists; a kept file that cannot be read as what it should be is
 * noted in its layer's errors. 0, or -1 with err filled (out of memory). */
int ls_tamper_judge(ls_vendor_layer *layers, ls_fs_layer *const *fs, size_t n, const ls_ruleset *rs,
                    ls_error *err);

/* Step 2 over the image's file findings (status and removed_in_layer set;
 * l->content parallel to the items). 0, or -1 with err filled. */
int ls_tamper_settle(ls_finding_list *l, ls_fs_layer *const *fs, size_t n, const ls_ruleset *rs, ls_error *err);

/* Step 3: a runs-as-root finding into out when the rule is enabled and the
 * config's User is empty, "root" or UID 0 (source config, path config.User,
 * history and layer those of the USER instruction that set it, else -1).
 * 0, or -1 with err filled. */
int ls_tamper_config(const ls_image *img, const ls_history_report *hist, size_t n_hist, const ls_ruleset *rs,
                     ls_finding_list *out, ls_error *err);

#endif
