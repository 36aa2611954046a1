#!/usr/bin/env bash
# test_inspect_evidence.sh LAYERSCAN SRCDIR WORKDIR
#  Evidence the inspect commands hand over is exact, or refused:
#  - a layer whose bytes do not match its digest (tests/tools/mkimage.py
#    "flip": the config's diff_id, and in the OCI form the manifest digest
#    too): extract and diff exit 2 with one line naming the image, the layer,
#    expected and actual digests, and leave no output file (nor a temporary
#    one); with --allow-unverified the bytes are written and the mismatch is
#    printed next to their SHA-256; a bare tar says "unverified (no digest)";
#  - sparse files (GNU tar --sparse: PAX 1.0, 0.1, 0.0 and old GNU): extract
#    gives the original size and SHA-256; scan reports a secret after a hole
#    at its line, column and offset in the file, and never joins the bytes on
#    either side of a hole; a 2 TiB hole is bounded (scan reports it and goes
#    on, extract refuses), and a sparse map that goes backwards is refused;
#  - extract serves the last entry of the layer at the path (file then
#    symlink, file then file, file then directory, hard link to a path
#    replaced later), a same-layer whiteout hiding only the layers below;
#  - -o of every command: a FIFO is refused promptly (exit 2), a symlink is
#    refused (exit 2, nothing written through it), a new file is 0600 and an
#    existing one of ours loses group/other access.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
MKIMAGE="python3 $SRC/tests/tools/mkimage.py"
# the bound on one command: past it the command hangs. A command that compiles
# the rule set cold takes about 45 s of CPU under ASan, more on a loaded host.
if [ -n "${ASAN_OPTIONS:-}" ]; then TMO=${TMO:-300}; fi
run() { # NAME WANT_EXIT ARGS...
  local name=$1 want=$2 rc=0
  shift 2
  timeout "${TMO:-120}" "${LS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
absent() { if [ ! -e "$2" ] && [ ! -L "$2" ]; then ok "$1"; else bad "$1: $2 exists"; fi; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# no temporary file of ours left in a directory
no_temp() { if ls -A "$2" | grep -q 'layerscan-'; then bad "$1: temporary file left: $(ls -A "$2")"; else ok "$1"; fi; }

# ---------------------------------------------------------------- digests
cat >tampered.json <<'EOF'
{"layers": [{"compression": "none",
             "entries": [{"path": "etc/secret.txt", "type": "file", "repeat": {"content": "abcdefghij", "times": 400}}]}],
 "corrupt": {"layer": 0, "kind": "flip"}}
EOF
$MKIMAGE tampered.json tampered.tar --format docker-archive
$MKIMAGE tampered.json tampered-oci --format oci
# what the image declares and what the bytes are, and the member's tampered bytes
read -r WANT_DIFF HAVE_DIFF < <(python3 - tampered.tar member.bin <<'PY'
import hashlib, io, json, sys, tarfile
outer = tarfile.open(sys.argv[1])
m = json.load(outer.extractfile("manifest.json"))[0]
cfg = json.load(outer.extractfile(m["Config"]))
blob = outer.extractfile(m["Layers"][0]).read()
inner = tarfile.open(fileobj=io.BytesIO(blob))
open(sys.argv[2], "wb").write(inner.extractfile("etc/secret.txt").read())
print(cfg["rootfs"]["diff_ids"][0], "sha256:" + hashlib.sha256(blob).hexdigest())
PY
)
if [ "$WANT_DIFF" != "$HAVE_DIFF" ]; then ok "fixture: the layer does not match its diff_id"; else bad "fixture not tampered"; fi
WHY="diff_id mismatch: config says $WANT_DIFF, uncompressed content is $HAVE_DIFF"

mkdir out
run tampered-extract 2 extract tampered.tar --layer 0 --path /etc/secret.txt -o out/secret
expect_eq "tampered extract: one line naming image, layer, digests" "$(cat tampered-extract.err)" \
  "layerscan: tampered.tar: layer 0 does not match its digest ($WHY): refusing to extract /etc/secret.txt (--allow-unverified to use it anyway)"
absent "tampered extract: no output file" out/secret
no_temp "tampered extract: no temporary file" out
run tampered-stdout 2 extract tampered.tar --layer 0 --path /etc/secret.txt
if [ ! -s tampered-stdout.out ]; then ok "tampered extract: nothing on stdout"; else bad "tampered bytes reached stdout"; fi
echo old >out/kept
run tampered-force 2 extract tampered.tar --layer 0 --path /etc/secret.txt -o out/kept --force
expect_eq "tampered --force: the existing file is untouched" "$(cat out/kept)" "old"

run unverified 0 extract tampered.tar --layer 0 --path /etc/secret.txt -o out/secret --allow-unverified
if cmp -s out/secret member.bin; then ok "--allow-unverified: the layer's bytes written"; else bad "--allow-unverified bytes"; fi
expect_eq "--allow-unverified: the mismatch next to the hash" "$(cat unverified.err)" \
  "layerscan: layer 0 /etc/secret.txt: 4000 bytes, sha256:$(sha member.bin), UNVERIFIED LAYER: $WHY"
expect_eq "--allow-unverified: mode 0600" "$(stat -c %a out/secret)" "600"
no_temp "--allow-unverified: no temporary file" out
run unverified-stdout 0 extract tampered.tar --layer 0 --path /etc/secret.txt --allow-unverified
if cmp -s unverified-stdout.out member.bin; then ok "--allow-unverified to stdout"; else bad "--allow-unverified stdout bytes"; fi

# the OCI form: the manifest digest and the diff_id both fail
run tampered-oci 2 extract oci:tampered-oci --layer 0 --path /etc/secret.txt -o out/oci
DIGEST_WANT=$(python3 -c 'import json,sys; i=json.load(open("tampered-oci/index.json")); d=i["manifests"][0]["digest"].split(":")[1]; m=json.load(open("tampered-oci/blobs/sha256/"+d)); print(m["layers"][0]["digest"])')
expect_eq "tampered oci: both mismatches" "$(cat tampered-oci.err)" \
  "layerscan: oci:tampered-oci: layer 0 does not match its digest (blob digest mismatch: manifest says $DIGEST_WANT, content is $HAVE_DIFF; $WHY): refusing to extract /etc/secret.txt (--allow-unverified to use it anyway)"
absent "tampered oci: no output file" out/oci

run tampered-diff 2 diff tampered.tar --layer 0 -o out/diff
expect_eq "tampered diff message" "$(cat tampered-diff.err)" \
  "layerscan: tampered.tar: layer 0 does not match its digest ($WHY): refusing the diff of layer 0 (--allow-unverified to use it anyway)"
absent "tampered diff: no output file" out/diff
run unverified-diff 0 diff tampered.tar --layer 0 --allow-unverified -o out/diff
expect_eq "unverified diff output" "$(cat out/diff)" "added    file           4000  /etc/secret.txt
layer 0: 1 added, 0 changed, 0 deleted, 0 hidden"
expect_eq "unverified diff: the mismatch on stderr" "$(cat unverified-diff.err)" "layerscan: layer 0 UNVERIFIED LAYER: $WHY"

# a verified layer says nothing more; a bare tar has no digest to check
run verified 0 extract "$SRC/samples/leaky-docker.tar" --layer 4 --path /app/.env -o out/env
case $(cat verified.err) in
  "layerscan: layer 4 /app/.env: "*" bytes, sha256:"*[0-9a-f]) ok "verified layer: no note" ;;
  *) bad "verified layer line: $(cat verified.err)" ;;
esac
python3 - bare.tar <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("etc/motd"); ti.size = 6; ti.mtime = 0
    t.addfile(ti, io.BytesIO(b"hello\n"))
PY
run bare 0 extract bare.tar --layer 0 --path /etc/motd -o out/motd
expect_eq "bare tar: unverified (no digest)" "$(cat bare.err)" \
  "layerscan: layer 0 /etc/motd: 6 bytes, sha256:$(printf 'hello\n' | sha256sum | cut -d' ' -f1), unverified (no digest)"
run bare-diff 0 diff bare.tar --layer 0
expect_eq "bare diff: unverified (no digest)" "$(cat bare-diff.err)" "layerscan: layer 0 unverified (no digest)"

# ---------------------------------------------------------------- sparse files
TOKEN=ghp_Q7mZ2xKp9LwV4rT8nB3cY6hJ1dF5sG0aE2uR # fake
mkdir -p sp/etc
printf 'line one\nline two\n' >sp/etc/sparse.conf
truncate -s 1048576 sp/etc/sparse.conf
printf 'line three\ntoken: %s\n' "$TOKEN" | dd of=sp/etc/sparse.conf bs=1 seek=1048576 conv=notrunc status=none
truncate -s 3145728 sp/etc/sparse.conf # a trailing hole too
# a token cut in two by a hole: the data block before the hole ends with its
# first half, the block after the hole starts with the rest
python3 - sp/etc/split.conf "$TOKEN" <<'PY'
import sys
tok = sys.argv[2].encode()
head = b"token: " + tok[:20]
with open(sys.argv[1], "wb") as f:
    f.write(b"x" * (4096 - len(head) - 1) + b"\n" + head)
    f.truncate(1048576)
    f.seek(1048576)
    f.write(tok[20:] + b"\n")
PY
ORIG_SHA=$(sha sp/etc/sparse.conf)
for v in posix-1.0 posix-0.1 posix-0.0 gnu; do
  case $v in
    posix-*) (cd sp && tar --sparse --format=posix --sparse-version="${v#posix-}" -cf "../sparse-$v.tar" etc) ;;
    gnu) (cd sp && tar --sparse --format=gnu -cf "../sparse-$v.tar" etc) ;;
  esac
  if [ "$(stat -c %s "sparse-$v.tar")" -lt 100000 ]; then ok "sparse $v: the holes are not in the tar"; else bad "sparse $v: tar not sparse"; fi
  run "sparse-extract-$v" 0 extract "sparse-$v.tar" --layer 0 --path /etc/sparse.conf -o "out/sparse-$v"
  expect_eq "sparse $v: size" "$(stat -c %s "out/sparse-$v")" "3145728"
  expect_eq "sparse $v: sha256" "$(sha "out/sparse-$v")" "$ORIG_SHA"
  expect_eq "sparse $v: printed" "$(cat "sparse-extract-$v.err")" \
    "layerscan: layer 0 /etc/sparse.conf: 3145728 bytes, sha256:$ORIG_SHA, unverified (no digest)"
  run "sparse-scan-$v" 1 scan --format json "sparse-$v.tar"
  expect_eq "sparse $v: findings at the file's line, column and offset, none joined across a hole" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sorted((f["path"],f["rule"],f["line"],f["column"],f["offset"],f["secret"]) for f in r["findings"]), r["errors"])' "sparse-scan-$v.out")" \
    "[('/etc/sparse.conf', 'github-pat', 4, 8, 1048594, 'ghp_…E2uR'), ('/etc/split.conf', 'generic-secret', 2, 8, 4076, 'ghp_…4rT8')] []"
done

# a sparse file in a tar inside the layer: the nested member's holes are
# zeros too (counted against the nested limits; this one stays under them)
mkdir -p nsp/etc nest/backup
printf 'line one\n' >nsp/etc/app.conf
truncate -s 524288 nsp/etc/app.conf
printf 'token: %s\n' "$TOKEN" | dd of=nsp/etc/app.conf bs=1 seek=524288 conv=notrunc status=none
(cd nsp && tar --sparse --format=posix -cf ../nest/backup/etc.tar etc)
(cd nest && tar --format=posix -cf ../nest.tar backup)
run nested-scan 1 scan --format json nest.tar
expect_eq "sparse member of a nested tar: the file's line, column and offset" \
  "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sorted((f["path"],f["rule"],f["line"],f["column"],f["offset"]) for f in r["findings"]), r["errors"])' nested-scan.out)" \
  "[('/backup/etc.tar!/etc/app.conf', 'github-pat', 2, 524287, 524295)] []"

# a hole of 2 TiB: bounded; the data after it is still scanned
mkdir -p big/var/log
truncate -s 2T big/var/log/lastlog
printf 'token: %s\n' "$TOKEN" | dd of=big/var/log/lastlog bs=1 seek=$((2 * 1024 * 1024 * 1024 * 1024 - 4096)) conv=notrunc status=none
(cd big && tar --sparse --format=posix -cf ../big.tar var)
rm -rf big
run big-scan 1 scan --format json big.tar
expect_eq "2 TiB hole: scanned with the hole cut short, and said so" \
  "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print([(f["rule"],f["secret"]) for f in r["findings"]], [e["message"] for e in r["errors"]])' big-scan.out)" \
  "[('github-pat', 'ghp_…E2uR')] [\"/var/log/lastlog: sparse holes beyond 1073741824 zero bytes per layer were shortened: offsets after byte 0 are not the file's\"]"
run big-extract 2 extract big.tar --layer 0 --path /var/log/lastlog -o out/lastlog
expect_eq "2 TiB hole: extract refused" "$(cat big-extract.err)" \
  "layerscan: layer 0: /var/log/lastlog is a sparse file whose holes exceed 1073741824 bytes: not extracted"
absent "2 TiB hole: no output file" out/lastlog
no_temp "2 TiB hole: no temporary file" out

# a GNU sparse 1.0 map that goes backwards (as Go's archive/tar, refused)
python3 - backwards.tar <<'PY'
import io, sys, tarfile
body = b"2\n100\n4\n10\n4\n".ljust(512, b"\0") + b"AAAA".ljust(512, b"\0") + b"BBBB"
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("GNUSparseFile.0/x")
    ti.size = len(body); ti.mtime = 0
    ti.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.name": "etc/x",
                      "GNU.sparse.realsize": "200"}
    t.addfile(ti, io.BytesIO(body))
PY
run backwards-extract 2 extract backwards.tar --layer 0 --path /etc/x -o out/x
expect_eq "backwards sparse map refused" "$(cat backwards-extract.err)" \
  "layerscan: file data: sparse map out of order (a block at offset 10, after offset 104)"
absent "backwards sparse map: no output file" out/x

# ---------------------------------------------------------------- last entry wins
python3 - dup.tar <<'PY'
import io, sys, tarfile
def add(t, name, data=None, kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name); ti.mtime = 0; ti.type = kind; ti.linkname = link
    ti.size = len(data) if data is not None else 0
    t.addfile(ti, io.BytesIO(data) if data is not None else None)
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    add(t, "etc/a", b"first file\n"); add(t, "etc/a", kind=tarfile.SYMTYPE, link="/etc/shadow")
    add(t, "etc/b", b"first\n"); add(t, "etc/b", b"second, longer\n")
    add(t, "etc/c", b"kept\n"); add(t, "etc/.wh.c")
    add(t, "etc/.wh.d"); add(t, "etc/d", b"after the whiteout\n")
    add(t, "etc/e", b"a file\n"); add(t, "etc/e", kind=tarfile.DIRTYPE)
    add(t, "etc/f", kind=tarfile.DIRTYPE); add(t, "etc/f", b"now a file\n")
    add(t, "etc/g", b"g at link time\n"); add(t, "etc/h", kind=tarfile.LNKTYPE, link="etc/g")
    add(t, "etc/g", b"g replaced later\n")
    add(t, "etc/i", kind=tarfile.SYMTYPE, link="/x"); add(t, "etc/i", b"file after symlink\n")
PY
run dup-a 2 extract dup.tar --layer 0 --path /etc/a -o out/a
expect_eq "file then symlink: a symlink" "$(cat dup-a.err)" "layerscan: layer 0: /etc/a is a symlink (never followed)"
absent "file then symlink: no output" out/a
no_temp "file then symlink: no temporary file" out
run dup-b 0 extract dup.tar --layer 0 --path /etc/b
expect_eq "file then file: the later bytes" "$(cat dup-b.out)" "second, longer"
run dup-c 0 extract dup.tar --layer 0 --path /etc/c
expect_eq "file then whiteout in one layer: the file (a whiteout hides the layers below)" "$(cat dup-c.out)" "kept"
run dup-d 0 extract dup.tar --layer 0 --path /etc/d
expect_eq "whiteout then file: the file" "$(cat dup-d.out)" "after the whiteout"
run dup-e 2 extract dup.tar --layer 0 --path /etc/e
expect_eq "file then directory: a directory" "$(cat dup-e.err)" "layerscan: layer 0: /etc/e is a directory"
run dup-f 0 extract dup.tar --layer 0 --path /etc/f
expect_eq "directory then file: the file" "$(cat dup-f.out)" "now a file"
run dup-h 0 extract dup.tar --layer 0 --path /etc/h
expect_eq "hard link: its target's bytes at the link" "$(cat dup-h.out)" "g at link time"
run dup-g 0 extract dup.tar --layer 0 --path /etc/g
expect_eq "the target itself: its last bytes" "$(cat dup-g.out)" "g replaced later"
run dup-i 0 extract dup.tar --layer 0 --path /etc/i -o out/i
expect_eq "symlink then file: the file" "$(cat out/i)" "file after symlink"

# ---------------------------------------------------------------- -o files
IMG=$SRC/samples/leaky-docker.tar
SMALL=$WORK/bare.tar # every command's output rules, on a one-file image (quick under ASan)
echo "$SMALL" >list.txt
mkfifo out/fifo
start=$(date +%s)
TMO=10 run fifo-extract 2 extract "$IMG" --layer 4 --path /app/.env -o out/fifo --force
expect_eq "extract --force onto a FIFO: refused" "$(cat fifo-extract.err)" \
  "layerscan: out/fifo is not a regular file: refusing to write to it"
TMO=60 run fifo-scan 2 scan "$IMG" -o out/fifo
expect_eq "scan -o a FIFO: refused" "$(cat fifo-scan.err)" "layerscan: out/fifo is not a regular file: refusing to write to it"
elapsed=$(($(date +%s) - start))
if [ "$elapsed" -lt 100 ]; then ok "FIFO refusals return promptly (${elapsed}s)"; else bad "FIFO refusals took ${elapsed}s"; fi

# every command's -o: a symlink refused, a new file 0600, an existing one of ours 0600.
# The audits read the GitHub rules only: an audit --no-cache compiles its rules
# before it looks at -o (the whole set: about 45 s of CPU under ASan, five
# times here), and the one-file image holds no secret for any rule.
outcmd() { # NAME FILE -> the command writing FILE
  case $1 in
    scan) echo scan --format json "$SMALL" -o "$2" ;;
    layers) echo layers "$SMALL" -o "$2" ;;
    history) echo history "$SMALL" -o "$2" ;;
    diff) echo diff "$SMALL" --layer 0 -o "$2" ;;
    baseline) echo baseline create "$SMALL" -o "$2" ;;
    audit) echo audit --no-cache --no-default-rules --rules "$SRC/patterns/github.json" list.txt -o "$2" ;;
    audit-resume) echo audit --no-cache --no-default-rules --rules "$SRC/patterns/github.json" list.txt --resume "$2" ;;
    extract) echo extract "$SMALL" --layer 0 --path /etc/motd --force -o "$2" ;;
  esac
}
for c in scan layers history diff baseline audit audit-resume extract; do
  ln -s "$WORK/out/victim-$c" "out/link-$c"
  read -r -a args <<<"$(outcmd "$c" "out/link-$c")"
  run "symlink-$c" 2 "${args[@]}"
  expect_eq "$c -o symlink: refused" "$(tail -n 1 "symlink-$c.err")" \
    "layerscan: out/link-$c is a symlink: refusing to write through it"
  absent "$c -o symlink: nothing written through it" "out/victim-$c"
  read -r -a args <<<"$(outcmd "$c" "out/new-$c")"
  rc=0
  "${LS[@]}" "${args[@]}" >/dev/null 2>"new-$c.err" || rc=$?
  if [ -s "out/new-$c" ] && [ "$rc" -ne 2 ]; then ok "$c -o: written (exit $rc)"; else bad "$c -o: exit $rc: $(cat "new-$c.err")"; fi
  expect_eq "$c -o: a new file is 0600" "$(stat -c %a "out/new-$c")" "600"
  if [ "$c" != audit-resume ]; then
    echo old >"out/old-$c"
    chmod 644 "out/old-$c"
    read -r -a args <<<"$(outcmd "$c" "out/old-$c")"
    "${LS[@]}" "${args[@]}" >/dev/null 2>&1 || true
    expect_eq "$c -o: an existing file of ours ends 0600" "$(stat -c %a "out/old-$c")" "600"
    if [ "$(head -c 4 "out/old-$c")" != "old" ]; then ok "$c -o: the existing file rewritten"; else bad "$c -o: not rewritten"; fi
  fi
done
no_temp "-o: no temporary file" out

# -o is checked before the image is read: with a missing image the refusal names the output
kept=$SMALL
SMALL=$WORK/no-such-image.tar
for c in scan layers history diff baseline audit extract; do
  read -r -a args <<<"$(outcmd "$c" "out/link-$c")"
  [ "$c" = audit ] && echo "$SMALL" >list.txt
  run "early-$c" 2 "${args[@]}"
  expect_eq "$c -o symlink: refused before the image is read" "$(tail -n 1 "early-$c.err")" \
    "layerscan: out/link-$c is a symlink: refusing to write through it"
done
SMALL=$kept

ls_test_finish "inspect evidence"
