#!/usr/bin/env bash
# test_cli_inspect.sh LAYERSCAN SRCDIR WORKDIR
#  Incident response on the sample image: `layers`, `history` and `diff`
#  outputs exactly as in tests/integration/cli_expected/ (reviewed by hand:
#  sizes, entry and whiteout counts, fates, steps), the same from the OCI form
#  where the container form does not matter; `extract` gives the exact bytes
#  the layer's tar holds (checked with python's tarfile), follows a hard link
#  to its target, refuses symlinks, existing files without --force, entries
#  without bytes, and missing layers or paths (exit 2, one line); escaping of
#  hostile names (a layer whose file names carry ANSI sequences).
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
EXP=$SRC/tests/integration/cli_expected
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$SRC" # the image reference in the history header is the relative path
IMG=samples/leaky-docker.tar
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
run() { # NAME WANT_EXIT ARGS...
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
same() { # NAME GOT_FILE WANT_FILE
  if diff -u "$3" "$2" >"$WORK/$1.diff"; then ok "$1: exact output"; else bad "$1: output differs"; sed 's/^/    /' "$WORK/$1.diff" | head -30; fi
}
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi; }

run layers 0 layers "$IMG"
same layers "$WORK/layers.out" "$EXP/layers.txt"
run history 0 history "$IMG"
same history "$WORK/history.out" "$EXP/history.txt"
: >"$WORK/diff.out"
for n in 0 1 2 3 4 5 6 7; do
  "${LS[@]}" diff "$IMG" --layer $n >>"$WORK/diff.out"
done
same diff "$WORK/diff.out" "$EXP/diff.txt"
# the OCI form: same history and diff; layers differ only in digests/sizes of the blobs
run history-oci 0 history "oci:samples/leaky-oci:1.0"
sed 's|samples/leaky-oci:1.0|samples/leaky-docker.tar|' "$WORK/history-oci.out" >"$WORK/history-oci.norm"
same history-oci "$WORK/history-oci.norm" "$EXP/history.txt"
: >"$WORK/diff-oci.out"
for n in 0 1 2 3 4 5 6 7; do
  "${LS[@]}" diff "oci:samples/leaky-oci:1.0" --layer $n >>"$WORK/diff-oci.out"
done
same diff-oci "$WORK/diff-oci.out" "$EXP/diff.txt"
run layers-oci 0 layers "oci:samples/leaky-oci:1.0"
expect_eq "layers oci: diff_ids, counts, verified" \
  "$(awk 'NR>1 {print $1, $3, $4, $5, $6, $8}' "$WORK/layers-oci.out" | tr '\n' ';')" \
  "$(awk 'NR>1 {print $1, $3, $4, $5, $6, $8}' "$EXP/layers.txt" | tr '\n' ';')"
# history with --show-secrets shows build args whole; without, never
if grep -q "ARG NPM_TOKEN=npm_…hEii" "$WORK/history.out"; then ok "build arg redacted"; else bad "build arg not shown redacted"; fi
run history-show 0 history --show-secrets "$IMG"
full=$(grep '^ARG NPM_TOKEN=' "$WORK/history-show.out" | cut -d= -f2)
case $full in
  npm_*…*) bad "build arg still redacted with --show-secrets: '$full'" ;;
  npm_????????????????????????????????????) ok "build arg whole with --show-secrets" ;;
  *) bad "build arg with --show-secrets: '$full'" ;;
esac
if grep -q '…' "$WORK/history-show.out"; then bad "--show-secrets history still redacts"; else ok "--show-secrets history shows every secret"; fi

# extract: exact bytes (python tarfile reads the same member)
tarbytes() { # LAYER_INDEX PATH -> file $WORK/want
  python3 - "$IMG" "$1" "$2" "$WORK/want" <<'PY'
import json, sys, tarfile
outer = tarfile.open(sys.argv[1])
layers = json.load(outer.extractfile("manifest.json"))[0]["Layers"]
inner = tarfile.open(fileobj=outer.extractfile(layers[int(sys.argv[2])]))
name = sys.argv[3].lstrip("/")
m = [x for x in inner.getmembers() if x.name.lstrip("./") == name][-1]
while m.islnk():
    m = inner.getmember(m.linkname)
open(sys.argv[4], "wb").write(inner.extractfile(m).read())
PY
}
run extract-stdout 0 extract "$IMG" --layer 1 --path /root/.ssh/id_rsa
tarbytes 1 /root/.ssh/id_rsa
if cmp -s "$WORK/extract-stdout.out" "$WORK/want"; then ok "extract: the deleted key's exact bytes"; else bad "extract bytes differ"; fi
expect_eq "extract stderr" "$(cat "$WORK/extract-stdout.err")" \
  "layerscan: layer 1 /root/.ssh/id_rsa: 495 bytes, sha256:$(sha256sum <"$WORK/want" | cut -d' ' -f1)"
run extract-o 0 extract "$IMG" --layer 4 --path app/.env -o "$WORK/env"
tarbytes 4 /app/.env
if cmp -s "$WORK/env" "$WORK/want" && [ ! -s "$WORK/extract-o.out" ]; then ok "extract -o: exact bytes, nothing on stdout"; else bad "extract -o"; fi
expect_eq "extract -o mode 0600" "$(stat -c %a "$WORK/env")" "600"
run extract-exists 2 extract "$IMG" --layer 4 --path /app/.env -o "$WORK/env"
expect_eq "refuses an existing file" "$(cat "$WORK/extract-exists.err")" "layerscan: $WORK/env exists: refusing to overwrite it without --force"
echo old >"$WORK/old"
run extract-force 0 extract "$IMG" --layer 6 --path /app/.env -o "$WORK/old" --force
tarbytes 6 /app/.env
if cmp -s "$WORK/old" "$WORK/want"; then ok "--force overwrites a regular file"; else bad "--force"; fi
ln -s "$WORK/victim" "$WORK/link"
run extract-symlink 2 extract "$IMG" --layer 1 --path /root/.ssh/id_rsa -o "$WORK/link" --force
expect_eq "refuses a symlink even with --force" "$(cat "$WORK/extract-symlink.err")" "layerscan: $WORK/link is a symlink: refusing to write through it"
if [ ! -e "$WORK/victim" ]; then ok "nothing written through the symlink"; else bad "wrote through the symlink"; fi
ln -s "$WORK/victim2" "$WORK/dangling"
run extract-dangling 2 extract "$IMG" --layer 1 --path /root/.ssh/id_rsa -o "$WORK/dangling"
if [ ! -e "$WORK/victim2" ]; then ok "dangling symlink refused"; else bad "created through a dangling symlink"; fi
run extract-hardlink 0 extract "$IMG" --layer 7 --path /usr/local/bin/deploy
tarbytes 7 /app/bin/deploy.sh
if cmp -s "$WORK/extract-hardlink.out" "$WORK/want"; then ok "hard link gives its target's bytes"; else bad "hard link bytes"; fi
run extract-whiteout 2 extract "$IMG" --layer 5 --path /root/.ssh/id_rsa
expect_eq "whiteout message" "$(cat "$WORK/extract-whiteout.err")" "layerscan: layer 5: /root/.ssh/id_rsa is a whiteout (a deletion: it holds no bytes)"
run extract-dir 2 extract "$IMG" --layer 5 --path /app/config/
expect_eq "directory message" "$(cat "$WORK/extract-dir.err")" "layerscan: layer 5: /app/config is a directory"
run extract-missing 2 extract "$IMG" --layer 2 --path /root/.ssh/id_rsa -o "$WORK/never"
expect_eq "missing entry message" "$(cat "$WORK/extract-missing.err")" "layerscan: layer 2 has no entry /root/.ssh/id_rsa"
if [ ! -e "$WORK/never" ]; then ok "no output file left for a missing entry"; else bad "left an output file"; fi
run extract-nolayer 2 extract "$IMG" --layer 8 --path /x
expect_eq "no such layer" "$(cat "$WORK/extract-nolayer.err")" "layerscan: samples/leaky-docker.tar: no layer 8 (the image has 8)"
run extract-nopath 2 extract "$IMG" --layer 1
run diff-nolayer 2 diff "$IMG"
expect_eq "diff needs --layer" "$(cat "$WORK/diff-nolayer.err")" "layerscan: diff needs --layer N"
run bad-layer 2 diff "$IMG" --layer -1

# hostile names: ANSI sequences and newlines in a layer's file names are escaped
python3 - "$WORK/hostile.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name in ["etc/\x1b[31mred\x1b[0m", "etc/line\nbreak", "etc/.wh.\x1b]0;title\x07"]:
        data = b"x"
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 0
        t.addfile(ti, io.BytesIO(data))
PY
run hostile-diff 0 diff "$WORK/hostile.tar" --layer 0
if grep -q $'\033' "$WORK/hostile-diff.out"; then bad "raw ESC in diff output"; else ok "diff escapes ESC"; fi
expect_eq "hostile diff lines" "$(cat "$WORK/hostile-diff.out")" 'added    file              1  /etc/\x1b[31mred\x1b[0m
added    file              1  /etc/line\nbreak
deleted  whiteout          0  /etc/\x1b]0;title\x07  (0 entries below)
layer 0: 2 added, 0 changed, 1 deleted, 0 hidden'
run hostile-layers 0 layers "$WORK/hostile.tar"
if grep -q $'\033' "$WORK/hostile-layers.out"; then bad "raw ESC in layers output"; else ok "layers output has no raw ESC"; fi

echo "cli inspect: $fails failure(s)"
[ "$fails" -eq 0 ]
