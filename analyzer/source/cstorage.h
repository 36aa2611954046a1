/*
 * cstorage.h - the containers-storage: transport: images in Podman's and
 * Buildah's local store, read straight from disk (no daemon, no lock).
 *
 * A reference is skopeo's spelling without the transport prefix:
 *   [DRIVER@ROOT+RUNROOT:OPTIONS]NAME   (the [...] part optional, as are
 *                                        DRIVER@, +RUNROOT and :OPTIONS)
 * ROOT defaults to the graphroot of /etc/containers/storage.conf, else
 * /var/lib/containers/storage; DRIVER to that file's driver, else the one
 * whose DRIVER-images directory exists under ROOT (overlay first), else
 * overlay. RUNROOT and OPTIONS are accepted and unused: image layers live
 * under ROOT only (RUNROOT holds locks and container-only layers).
 * NAME is a name as images.json lists it ("localhost/app:1"), a short one
 * ("app", "app:1", "library/app"; ":latest" and the localhost/ and
 * docker.io/ prefixes are tried), NAME@sha256:<manifest digest>, or an
 * image ID or a unique prefix of one (at least 3 hex digits).
 *
 * The image's manifest and config are the store's "big data" files of the
 * image (verified against their digests); its layers are the chain from
 * the image's top layer down through layers.json's parents, bottom first,
 * which must be as many as the config's diff_ids. Each layer is handed out
 * as its uncompressed tar, rebuilt from the layer's tar-split metadata and
 * its unpacked directory (source/tarsplit.h) and checked against the
 * store's diff-digest; so ls_layer_ref.digest is that diff-digest and the
 * media type an uncompressed tar's, whatever the image was pulled as.
 *
 * A layer without tar-split metadata (stores written with partial pulls,
 * or edited by hand) is refused rather than rebuilt from its directory:
 * such a tar could not be checked against its diff_id, and overlay's
 * whiteouts (0/0 character devices, opaque xattrs) would have to be turned
 * back into .wh. entries by guesswork. With tar-split the original .wh.
 * entries are in the rebuilt tar, so the directory's whiteouts are never
 * read.
 *
 * Only the overlay and vfs drivers are read (their layer directories are
 * ROOT/overlay/ID/diff and ROOT/vfs/dir/ID).
 */
#ifndef LS_SOURCE_CSTORAGE_H
#define LS_SOURCE_CSTORAGE_H

#include "source/transport.h"

/* `ref` of the load args is the reference above; state starts NULL. */
extern const ls_transport ls_cstorage_transport;

#endif
