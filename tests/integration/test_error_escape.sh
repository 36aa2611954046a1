#!/usr/bin/env bash
# test_error_escape.sh LAYERSCAN SRCDIR WORKDIR
#  Error messages never carry a terminal control: an OCI layout whose
#  index.json digest holds a CSI (U+009B, bytes C2 9B, written as \u009b in
#  the JSON) and ESC is refused with exit 2 and one stderr line in which both
#  are escaped ("\u009b", "\x1b"), with no raw C1 or C0 byte.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
mkdir -p "$WORK/oci/blobs/sha256"

printf '{"imageLayoutVersion":"1.0.0"}' >"$WORK/oci/oci-layout"
cat >"$WORK/oci/index.json" <<'JSON'
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "digest":"sha256:\u009b31m\u001b[2Jdeadbeef","size":2}]}
JSON

rc=0
"$LS" scan "oci:$WORK/oci" >"$WORK/out" 2>"$WORK/err" || rc=$?
if [ "$rc" -eq 2 ]; then ok "exit 2"; else bad "exit $rc, expected 2"; fi
if [ "$(wc -l <"$WORK/err")" -eq 1 ]; then ok "one stderr line"; else bad "stderr: $(wc -l <"$WORK/err") lines"; fi
# no raw C1 (as UTF-8: C2 80..C2 9F) and no C0 other than the newline
if LC_ALL=C grep -qP '\xc2[\x80-\x9f]' "$WORK/err"; then bad "raw C1 control on stderr"; else ok "no raw C1 control"; fi
if LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$WORK/err"; then bad "raw C0 control on stderr"; else ok "no raw C0 control"; fi
if grep -qF 'sha256:\u009b31m\x1b[2Jdeadbeef' "$WORK/err"; then ok "digest escaped: $(cat "$WORK/err")"; else bad "escaped digest not in: $(cat -v "$WORK/err")"; fi
if [ ! -s "$WORK/out" ]; then ok "no report"; else bad "a report on stdout"; fi

ls_test_finish "error escape"
