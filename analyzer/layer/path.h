/*
 * path.h - tar member names to the absolute paths a container sees.
 *
 * Layers spell names "./etc/x", "etc/x", "/etc/x", "etc//x/", even
 * "../../etc/x" (hostile). All become "/etc/x": "." components dropped, ".."
 * clamped at the root (a layer cannot write outside its rootfs), repeated and
 * trailing slashes removed. The root itself is "/".
 */
#ifndef LS_PATH_H
#define LS_PATH_H

#include <stddef.h>

/* Normalizes name into a newly allocated absolute path; NULL on allocation failure. */
char *ls_path_normalize(const char *name);

/* The parent of an absolute normalized path, written into out (cap bytes,
 * truncated safely); "/" for "/x" and for "/". */
void ls_path_dirname(const char *path, char *out, size_t cap);

/* The last component of an absolute normalized path ("" for "/"). */
const char *ls_path_basename(const char *path);

/* Joins a normalized directory and a name into a new normalized path. */
char *ls_path_join(const char *dir, const char *name);

#endif
