/*
 * trustdir.h - is a cache directory ours? The caches hold compiled rules and
 * scan results that decide what a report says, so a directory that someone
 * else can write is a directory someone else can make a leaky image look
 * clean with. A directory is trusted only when:
 *   - it and every directory and file of it that we use are owned by the
 *     running user (euid), are not writable by group or others, and are not
 *     symbolic links (checked with lstat semantics: O_NOFOLLOW, fstatat
 *     AT_SYMLINK_NOFOLLOW);
 *   - each of its ancestors (after symlinks in the ancestors are resolved)
 *     is owned by root or by us, and is not writable by others unless it
 *     has the sticky bit (/tmp: others cannot rename what we own). A
 *     group-writable ancestor is accepted (its group is trusted: a
 *     Kubernetes fsGroup volume is root:fsGroup 2775).
 * Everything below a trusted directory is then reached with openat() from
 * its file descriptor, never by path again, so no symlink swapped in later
 * is followed. The library only answers and explains (ls_error, one line);
 * cli/ prints the warning and goes on without the cache.
 */
#ifndef LS_CORE_TRUSTDIR_H
#define LS_CORE_TRUSTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fileio.h"
#include "layerscan/error.h"

/* Opens path as a trusted directory: an O_DIRECTORY file descriptor (the
 * caller closes it), or -1 with err naming the directory and why it is not
 * trusted (or cannot be opened). With create, missing directories (the last
 * one and any missing ancestor) are made with mode 0700. */
int ls_trustdir_open(const char *path, bool create, ls_error *err);

/* The same for the subdirectory `name` (one component) of the trusted
 * directory dirfd; `label` is dirfd's path, for messages. */
int ls_trustdir_openat(int dirfd, const char *label, const char *name, bool create, ls_error *err);

/* Reads the regular file `name` of the trusted directory dirfd whole, when it
 * is not a symlink, is owned by us, is not writable by group or others and
 * holds 1..max bytes. A malloc'd buffer and *len, or NULL; *state (if given)
 * says why: 0 read, 1 absent, 2 present but refused (foreign owner, mode,
 * type, size) or unreadable. */
enum { LS_TRUST_READ = 0, LS_TRUST_ABSENT = 1, LS_TRUST_REFUSED = 2 };
unsigned char *ls_trustdir_slurp(int dirfd, const char *name, uint64_t max, size_t *len, int *state);

/* Replaces `name` in dirfd with the concatenated parts: a new 0600 file with
 * a random name (".tmp-" + 12 random characters, O_EXCL|O_NOFOLLOW) in the
 * same directory, renamed over name. With no_replace, an existing `name` is
 * kept (the new file is hard-linked instead of renamed; errno EEXIST). 0, or
 * -1 with nothing left behind. */
int ls_trustdir_replace(int dirfd, const char *name, const ls_file_part *parts, size_t n, bool no_replace);

#endif
