#!/usr/bin/env bash
# test_mapped_input.sh LAYERSCAN SRCDIR WORKDIR
#  An input changed under a running scan. A 3-layer OCI layout whose layer 1
#  is a 96 MiB plain tar, read through a mapping. The scan (--jobs 1) is
#  stopped (SIGSTOP) once /proc/PID/maps shows layer 1's blob mapped, i.e.
#  while that layer is being scanned; then the blob is
#   - truncated to 4 KiB: no SIGBUS death; layer 1 gets an `errors` entry
#     "input file shrank while being read" naming the blob; layers 0 and 2
#     are scanned, their findings reported, no error on them; exit 1;
#   - replaced (a new file renamed over it): the open file keeps the old
#     bytes, the report is the undisturbed scan's (same findings, no error,
#     every digest verified).
#  Each scan must end within 120 s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"

# the layout: layer 0 and 2 small, layer 1 96 MiB of noise plus a secret at its end
python3 - "$WORK/oci" <<'PY'
import hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
os.makedirs(f"{out}/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{d}", "wb") as f:
        f.write(data)
    return "sha256:" + d
def layer(files):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in files:
            ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()
rnd = os.urandom(96 << 20)
layers = [layer([("etc/aws.ini", b"aws_access_key_id = AKIAOHVZGNX44TJ4ZHHG\n")]),
          layer([("opt/noise.bin", rnd), ("opt/deploy.ini", b"aws_access_key_id = AKIA7KLFYYLBEG3RHDSV\n")]),
          layer([("app/gh.txt", b"pat ghp_2aW6IqpY8wZcoumIxsx7ONAbaEKHCdlZUMKd\n")])]
digests = [blob(l) for l in layers]
config = {"architecture": "amd64", "os": "linux", "config": {},
          "rootfs": {"type": "layers", "diff_ids": digests},
          "history": [{"created_by": f"COPY layer{i} /"} for i in range(3)]}
cfg = json.dumps(config).encode()
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(cfg), "size": len(cfg)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": len(l)}
                       for d, l in zip(digests, layers)]}
m = json.dumps(manifest).encode()
index = {"schemaVersion": 2, "manifests": [{"mediaType": manifest["mediaType"], "digest": blob(m), "size": len(m)}]}
with open(f"{out}/index.json", "w") as f:
    json.dump(index, f)
with open(f"{out}/oci-layout", "w") as f:
    f.write('{"imageLayoutVersion":"1.0.0"}')
with open(f"{out}/../big", "w") as f:
    f.write(digests[1].split(":")[1])
PY
BIG=$WORK/oci/blobs/sha256/$(cat "$WORK/big")
cp "$BIG" "$WORK/big.orig"

summary() { # report.json -> "exit findings errors verified"
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("findings:", sorted((f["layer"], f["path"], f["rule"]) for f in r["findings"]))
print("errors:", sorted((e["layer"], e["message"]) for e in r["errors"]))
print("verified:", [l["digest_verified"] for l in r["layers"]])
PY
}

# scan_with ACTION NAME: runs the scan, stops it while layer 1's blob is
# mapped, runs ACTION, lets it go on; exit status in $rc
scan_with() {
  local action=$1 name=$2 pid hit=0
  rc=0
  timeout 300 "$LS" scan --format json --show-secrets --jobs 1 "oci:$WORK/oci" >"$WORK/$name.json" 2>"$WORK/$name.err" &
  pid=$!
  # the child of timeout is the scanner
  local lpid=""
  for _ in $(seq 1 2000); do
    lpid=$(pgrep -P "$pid" -x layerscan || true)
    [ -n "$lpid" ] && break
    sleep 0.005
  done
  if [ -n "$lpid" ]; then
    for _ in $(seq 1 4000); do
      kill -STOP "$lpid" 2>/dev/null || break
      if grep -qF "$BIG" "/proc/$lpid/maps" 2>/dev/null; then
        $action
        hit=1
        kill -CONT "$lpid"
        break
      fi
      kill -CONT "$lpid" 2>/dev/null || break
      sleep 0.002
    done
  fi
  wait "$pid" || rc=$?
  if [ "$hit" = 1 ]; then ok "$name: acted while layer 1 was mapped"; else bad "$name: never saw layer 1 mapped"; fi
}

do_truncate() { truncate -s 4096 "$BIG"; }
do_replace() { head -c "$(stat -c %s "$BIG")" /dev/zero >"$WORK/new"; mv -f "$WORK/new" "$BIG"; }

# undisturbed
rc=0
timeout 300 "$LS" scan --format json --show-secrets --jobs 1 "oci:$WORK/oci" >"$WORK/base.json" 2>"$WORK/base.err" || rc=$?
if [ "$rc" = 1 ]; then ok "undisturbed: exit 1"; else bad "undisturbed: exit $rc"; fi
summary "$WORK/base.json" >"$WORK/base.sum"
want_base="findings: [(0, '/etc/aws.ini', 'aws-access-key-id'), (1, '/opt/deploy.ini', 'aws-access-key-id'), (2, '/app/gh.txt', 'github-pat')]
errors: []
verified: [True, True, True]"
if [ "$(cat "$WORK/base.sum")" = "$want_base" ]; then ok "undisturbed report"; else bad "undisturbed report: $(cat "$WORK/base.sum")"; fi

# truncated mid-scan
scan_with do_truncate trunc
if [ "$rc" = 1 ]; then ok "truncated: exit 1 (no crash)"; else bad "truncated: exit $rc"; sed 's/^/    /' "$WORK/trunc.err"; fi
summary "$WORK/trunc.json" >"$WORK/trunc.sum" || true
if python3 - "$WORK/trunc.json" "$(cat "$WORK/big")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); digest = sys.argv[2]
want = f"blobs/sha256/{digest}: {sys.argv[1].rsplit('/', 1)[0]}/oci/blobs/sha256/{digest}: input file shrank while being read"
f = sorted((f["layer"], f["path"], f["rule"]) for f in r["findings"] if f["layer"] != 1)
assert f == [(0, "/etc/aws.ini", "aws-access-key-id"), (2, "/app/gh.txt", "github-pat")], f
assert all(e["layer"] == 1 for e in r["errors"]), r["errors"]
assert any(e["message"] == "layer 1: " + want for e in r["errors"]), (want, r["errors"])
assert [l["digest_verified"] for l in r["layers"]] == [True, False, True], r["layers"]
PY
then ok "truncated: layer 1 error, layers 0 and 2 scanned: $(grep -o 'layer 1: [^"]*shrank[^"]*' "$WORK/trunc.json" | head -1)"
else bad "truncated report: $(cat "$WORK/trunc.sum")"; fi

# replaced (renamed over) mid-scan
cp "$WORK/big.orig" "$BIG"
scan_with do_replace replace
if [ "$rc" = 1 ]; then ok "replaced: exit 1"; else bad "replaced: exit $rc"; sed 's/^/    /' "$WORK/replace.err"; fi
summary "$WORK/replace.json" >"$WORK/replace.sum" || true
if [ "$(cat "$WORK/replace.sum")" = "$want_base" ]; then ok "replaced: the old bytes, whole: same report"; else bad "replaced report: $(cat "$WORK/replace.sum")"; fi

ls_test_finish "mapped input"
