#!/usr/bin/env bash
# test_stream.sh LAYERSCAN SRCDIR WORKDIR
#
# `layerscan scan -` reads an image archive piped in, once. For each archive
# below, the report of the stream must equal the report of the same archive
# as a file (tests/tools/same_report.py: all but image.reference, the
# seconds, and the label in messages, "stdin" for the stream):
#   - the committed sample (docker save's legacy form);
#   - skopeo's docker-archive and oci-archive written to /dev/stdout and
#     piped straight in (a real tool's stream, not a file replayed);
#   - corpus images (tests/tools/mkimage.py) in the docker-archive,
#     current-Docker OCI-in-tar and oci-archive forms, deleted / overwritten /
#     hostile cases among them (bad CRC, bad diff_id, missing blob,
#     truncated layer) and a multi-platform index with --platform;
#   - OCI archives with BuildKit attestations and cosign signatures
#     (tests/tools/gen_supply.py), signatures verified with a key;
#   - a lone layer piped as tar and as tar.gz.
# Then exact findings of the sample's stream, what one pass cannot do (the
# "read once" error entry of a layer whose large file needs a second read),
# and hostile streams: exit 2 with one line naming stdin.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
. "$SRC/tests/interop/lib.sh"
interop_require skopeo:skopeo

TOOLS=$SRC/tests/tools
PY=$(python3 -c 'import sys; print(sys.executable)') # not through a version manager's shim

# same NAME FILE_REF STREAM_REF INPUT [scan options...]: the two reports agree
same() {
  local name=$1 fref=$2 sref=$3 input=$4 rf=0 rs=0
  shift 4
  "${LS[@]}" scan --format json --show-secrets "$@" "$fref" >"$WORK/f.json" 2>"$WORK/f.err" || rf=$?
  "${LS[@]}" scan --format json --show-secrets "$@" "$sref" <"$input" >"$WORK/s.json" 2>"$WORK/s.err" || rs=$?
  if [ "$rf" -ne "$rs" ]; then
    bad "$name: exit $rf for the file, $rs for the stream: $(head -c 300 "$WORK/s.err")"
  elif [ "$rf" -eq 2 ]; then
    if [ "$(sed "s|$input|stdin|" "$WORK/f.err")" = "$(cat "$WORK/s.err")" ]; then
      ok "$name (exit 2 both: $(head -c 120 "$WORK/s.err"))"
    else
      bad "$name: file says '$(cat "$WORK/f.err")', stream '$(cat "$WORK/s.err")'"
    fi
  elif "$PY" "$TOOLS/same_report.py" "$WORK/f.json" "$WORK/s.json" --label "$input" >"$WORK/diff.txt"; then
    ok "$name (exit $rf, $(cat "$WORK/diff.txt"))"
  else
    bad "$name: reports differ:"; sed 's/^/    /' "$WORK/diff.txt"
  fi
}

# 1. the sample, auto-detected and with the transport named
S=$SRC/samples/leaky-docker.tar
same "sample -" "$S" - "$S"
same "sample docker-archive:-" "docker-archive:$S" docker-archive:- "$S"

# 2. skopeo's docker-archive written to /dev/stdout, piped straight in (its
# oci-archive cannot be written to a pipe: that one is a file, piped by cat)
skopeo copy -q "oci:$SRC/samples/leaky-oci" "docker-archive:$WORK/sk-docker.tar"
skopeo copy -q "oci:$SRC/samples/leaky-oci" "oci-archive:$WORK/sk-oci.tar"
rf=0 rs=0
"${LS[@]}" scan --format json --show-secrets "$WORK/sk-docker.tar" >"$WORK/f.json" 2>/dev/null || rf=$?
skopeo copy -q "oci:$SRC/samples/leaky-oci" docker-archive:/dev/stdout |
  "${LS[@]}" scan --format json --show-secrets - >"$WORK/s.json" 2>"$WORK/s.err" || rs=$?
if [ "$rf" -eq 1 ] && [ "$rs" -eq 1 ] &&
   "$PY" "$TOOLS/same_report.py" "$WORK/f.json" "$WORK/s.json" >"$WORK/diff.txt"; then
  ok "skopeo docker-archive:/dev/stdout piped in"
else
  bad "skopeo docker-archive piped: exit $rf/$rs $(cat "$WORK/s.err")"; sed 's/^/    /' "$WORK/diff.txt"
fi
same "skopeo oci-archive" "$WORK/sk-oci.tar" - "$WORK/sk-oci.tar"

# 3. corpus images in the archive forms
for c in present deleted-opaque overwritten hostile-bad-crc hostile-bad-diff-id hostile-missing-blob \
         hostile-truncated multi-platform vendor-packages; do
  spec=$SRC/tests/corpus/$c/spec.json
  plat=$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1])).get("_test",{}); print(t.get("scan_platform") or "")' "$spec")
  plats=$("$PY" -c 'import json,sys; t=json.load(open(sys.argv[1])).get("_test",{}); print(t.get("platforms") or "")' "$spec")
  forms="docker-archive docker-oci oci-archive"
  [ "$c" = vendor-packages ] && forms=oci-archive # a second read is needed there: checked exactly below
  for form in $forms; do
    out=$WORK/$c-$form.tar
    pargs=()
    if [ -n "$plats" ] && [ "$form" != docker-archive ]; then pargs=(--platforms "$plats"); fi
    "$PY" "$TOOLS/mkimage.py" "$spec" "$out" --format "$form" "${pargs[@]}" >/dev/null
    sargs=()
    if [ -n "$plat" ]; then sargs=(--platform "$plat"); fi
    prefix=docker-archive
    [ "$form" = oci-archive ] && prefix=oci-archive
    [ "$c" = vendor-packages ] && continue
    same "$c $form" "$prefix:$out" "$prefix:-" "$out" "${sargs[@]}"
  done
done

# 4. attestations and signatures (OCI layouts put in archives)
"$PY" "$TOOLS/gen_supply.py" "$WORK/supply" >/dev/null
for l in attest-index attest-subject signed-legacy all; do
  tar -C "$WORK/supply/$l" -cf "$WORK/$l.tar" .
  same "supply $l" "oci-archive:$WORK/$l.tar" oci-archive:- "$WORK/$l.tar" \
    --verify-key "$WORK/supply/keys/cosign-p256.pub" --verify-key "$WORK/supply/keys/ed25519.pub"
done

# 5. a lone layer piped in, plain and gzip
"$PY" "$TOOLS/mkimage.py" "$SRC/tests/corpus/present/spec.json" "$WORK/layer.tar.gz" --format layer --layer 0 >/dev/null
gzip -dc "$WORK/layer.tar.gz" >"$WORK/layer.tar"
same "lone layer tar" "$WORK/layer.tar" - "$WORK/layer.tar"
same "lone layer tar.gz" "$WORK/layer.tar.gz" - "$WORK/layer.tar.gz"

# 6. exact findings of the sample read from a pipe
rc=0
cat "$S" | "${LS[@]}" scan --format json - >"$WORK/sample.json" || rc=$?
expect_eq "sample stream exit" "$rc" 1
expect_eq "sample stream findings" "$("$PY" - "$WORK/sample.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(r["image"]["reference"], r["image"]["transport"], len(r["layers"]))
for f in r["findings"]:
    if f["source"] == "file":
        print(f["rule"], f["path"], f["layer"], f["status"], f["removed_in_layer"], f["instruction"].split(" ")[0])
PY
)" "- docker-archive 8
private-key /root/.ssh/id_rsa 1 deleted 5 COPY
uri-credentials /app/config/database.yml 2 deleted 5 COPY
aws-access-key-id /app/.env 4 overwritten 6 COPY
aws-secret-access-key /app/.env 4 overwritten 6 COPY
generic-password /app/.env 4 overwritten 6 COPY
github-pat /app/bin/deploy.sh 7 present None RUN
github-pat /usr/local/bin/deploy 7 present None RUN"

# 7. one pass: a finding in a file over 1 MiB is hashed from memory up to
# 32 MiB; what needs a second read (a .pyc's source, a package file a later
# layer rewrote) gives the layer one "read once" entry, the rest is the file's
out=$WORK/vendor-packages-oci-archive.tar
rc=0
"${LS[@]}" scan --format json --show-secrets oci-archive:- <"$out" >"$WORK/v.json" || rc=$?
"${LS[@]}" scan --format json --show-secrets "oci-archive:$out" >"$WORK/vf.json" || true
expect_eq "vendor-packages stream: read-once entries" "$("$PY" - "$WORK/v.json" "$WORK/vf.json" <<'PY'
import json, sys
s, f = (json.load(open(p)) for p in sys.argv[1:])
once = [e for e in s["errors"] if "read once" in e["message"]]
for e in once:
    print(e["layer"], e["message"])
rest = [e for e in s["errors"] if e not in once]
print("other errors same:", rest == f["errors"])
key = lambda x: (x["rule"], x["path"], x["layer"], x["status"])
fk = sorted(map(key, f["findings"]))
print("file findings kept:", all(k in sorted(map(key, s["findings"])) for k in fk))
PY
)" "0 layer 0: read again to hash files for package verification: a layer piped in is read once (scan the archive as a file for these)
other errors same: True
file findings kept: True"

# 8. hostile streams: one line, exit 2, naming stdin
hostile() { # NAME EXPECTED-STDERR REF INPUT-FILE
  local rc=0
  "${LS[@]}" scan "$3" <"$4" >/dev/null 2>"$WORK/h.err" || rc=$?
  expect_eq "hostile $1" "$rc $(cat "$WORK/h.err")" "2 layerscan: $2"
}
head -c 20000 "$S" >"$WORK/cut.tar"
hostile "truncated archive" "stdin: truncated tar at offset 20000" - "$WORK/cut.tar"
head -c 4096 /dev/urandom >"$WORK/junk"
hostile "random bytes" "-: not a container image or layer tarball (layer 0: not a tar archive: Unrecognized archive format)" - "$WORK/junk"
hostile "oci archive as docker-archive:-" "stdin: not an image archive (no manifest.json)" docker-archive:- "$WORK/present-oci-archive.tar"
hostile "layer as oci-archive:-" "stdin: not an image archive (no index.json)" oci-archive:- "$WORK/layer.tar"
hostile "empty stream" "stdin: empty stream (nothing was piped in)" - /dev/null
# a config over --max-json-size: the same words as for the file
"$PY" - "$WORK/big.tar" <<'PY'
import io, json, sys, tarfile
cfg = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
                  "config": {"Labels": {"pad": "x" * 3000}}}).encode()
CFG = "%064x.json" % 7  # docker save names the config by its digest
man = json.dumps([{"Config": CFG, "RepoTags": ["x:1"], "Layers": []}]).encode()
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:
    for name, data in ((CFG, cfg), ("manifest.json", man)):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
PY
same "config over --max-json-size" "$WORK/big.tar" - "$WORK/big.tar" --max-json-size 1K
# every blob of a stream is scanned before its manifest is read: at most
# 4,096 of them (Docker allows 127 layers an image)
"$PY" - "$WORK/blobs.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:
    for k in range(4097):
        i = tarfile.TarInfo("blobs/sha256/%064x" % k); i.size = 1; t.addfile(i, io.BytesIO(b"x"))
PY
hostile "4,097 layer blobs" "stdin: more than 4096 layer blobs in the stream (refused)" - "$WORK/blobs.tar"
# a tar of 9,000 directories before its first file is still a layer
mkdir -p "$WORK/dirs"
(cd "$WORK/dirs" && mkdir $(seq -f 'd%g' 1 9000) && echo 'x' >zz)
tar -C "$WORK/dirs" -cf "$WORK/dirs.tar" .
rc=0
"${LS[@]}" scan - <"$WORK/dirs.tar" >"$WORK/d.out" 2>&1 || rc=$?
expect_eq "many directories, then a file" "$rc $(cat "$WORK/d.out")" "0 layerscan: -: 1 layer, no findings"

ls_test_finish test_stream
