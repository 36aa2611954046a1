#!/usr/bin/env bash
# test_bounds.sh LAYERSCAN SRCDIR WORKDIR
# The documented resource bounds and their flags: --max-json-size (index,
# manifest, config documents), --match-window (confirmation look-back, the
# longest secret reported), --max-findings-per-file, and one-line refusals of
# values out of range. Each case asserts its exact outcome.
set -euo pipefail
LS=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi; }

# --- --max-json-size ------------------------------------------------------
python3 - <<'PY'
import io, json, tarfile
tok = b"token: ghp_Q7mZ2xKp9LwV4rT8nB3cY6hJ1dF5sG0aE2uR\n"  # fake
def member(t, name, data):
    ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as t:
    member(t, "etc/app.conf", tok)
cfg = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
       "history": [{"created_by": "/bin/sh -c #(nop) ADD app.conf /etc/"}],
       "comment": "y" * (3 << 20)}  # a 3 MiB config
with tarfile.open("big-config.tar", "w") as t:
    member(t, "config.json", json.dumps(cfg).encode())
    member(t, "l0/layer.tar", layer.getvalue())
    member(t, "manifest.json", json.dumps([{"Config": "config.json", "Layers": ["l0/layer.tar"]}]).encode())
PY
rc=0; "$LS" scan --max-json-size 2M big-config.tar >/dev/null 2>err.txt || rc=$?
expect_eq "--max-json-size 2M refuses a 3 MiB config: exit" "$rc" 2
expect_eq "--max-json-size 2M: one line naming the file and the flag" "$(cat err.txt)" \
  "layerscan: big-config.tar: config.json is larger than 2097152 bytes (refused; see --max-json-size)"
rc=0; "$LS" scan --format json --max-json-size 4M big-config.tar >big.json 2>err.txt || rc=$?
expect_eq "--max-json-size 4M accepts it: exit" "$rc" 1
expect_eq "--max-json-size 4M: the finding" \
  "$(python3 -c 'import json,sys; print(";".join(f["rule"]+" "+f["path"]+" "+f["status"] for f in json.load(open("big.json"))["findings"]))')" \
  "github-pat /etc/app.conf present"
for v in 10 2G 1X ""; do
  rc=0; "$LS" scan --max-json-size "$v" big-config.tar >/dev/null 2>err.txt || rc=$?
  expect_eq "--max-json-size '$v' refused" "$rc:$(wc -l <err.txt)" "2:1"
done

# --- --match-window -------------------------------------------------------
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out key.pem 2>/dev/null
python3 - <<'PY'
import io, tarfile
d = open("key.pem", "rb").read()  # generated for this test: a fake key
with tarfile.open("key.tar", "w") as t:
    ti = tarfile.TarInfo("root/.ssh/id_rsa"); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
PY
keylen=$(python3 -c 'print(len(open("key.pem").read().rstrip("\n")))')
secret_len() { "$LS" scan --format json --show-secrets "$@" key.tar |
  python3 -c 'import json,sys; f=json.load(sys.stdin)["findings"]; print(";".join("%s %d" % (x["rule"], len(x["secret"])) for x in f))'; }
expect_eq "default window: the whole 4096-bit PEM block" "$(secret_len)" "private-key $keylen"
expect_eq "--match-window 16K: the same" "$(secret_len --match-window 16K)" "private-key $keylen"
# the largest window allowed works (buffers grow with hits, not with the window)
expect_eq "--match-window 16M: the same" "$(secret_len --match-window 16M)" "private-key $keylen"
short=$(secret_len --match-window 1K || true)
case "$short" in
  "private-key "*) n=${short#private-key }; [ "$n" -lt 1024 ] && ok "--match-window 1K: only the key's start ($n bytes)" || bad "--match-window 1K: $short";;
  *) bad "--match-window 1K: $short";;
esac
for v in 100 32M abc; do
  rc=0; "$LS" scan --match-window "$v" key.tar >/dev/null 2>err.txt || rc=$?
  expect_eq "--match-window '$v' refused" "$rc:$(wc -l <err.txt)" "2:1"
done

# --- --max-findings-per-file ---------------------------------------------
python3 - <<'PY'
import io, random, tarfile
R = random.Random(5)
A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# 1500 distinct fake AWS key ids in one file, then a file with one more secret
many = "".join("key%d = AKIA%s\n" % (i, "".join(R.choice(A) for _ in range(16))) for i in range(1500)).encode()
one = b"token: ghp_Q7mZ2xKp9LwV4rT8nB3cY6hJ1dF5sG0aE2uR\n"  # fake
with tarfile.open("many.tar", "w") as t:
    for name, data in (("a/many.conf", many), ("b/after.conf", one)):
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
PY
count_findings() { "$LS" scan --format json "$@" many.tar | python3 -c '
import collections, json, sys
d = json.load(sys.stdin)
c = collections.Counter(f["path"] for f in d["findings"])
print(" ".join("%s=%d" % kv for kv in sorted(c.items())), "|", "; ".join("%s: %s" % (e["path"], e["message"]) for e in d["errors"]))'; }
expect_eq "default: 1000 findings in the file, one note, the next file still scanned" "$(count_findings || true)" \
  "/a/many.conf=1000 /b/after.conf=1 | /a/many.conf: more than 1000 findings in this file: the rest are not reported (--max-findings-per-file)"
expect_eq "--max-findings-per-file 10" "$(count_findings --max-findings-per-file 10 || true)" \
  "/a/many.conf=10 /b/after.conf=1 | /a/many.conf: more than 10 findings in this file: the rest are not reported (--max-findings-per-file)"
expect_eq "--max-findings-per-file 5000: all of them, no note" "$(count_findings --max-findings-per-file 5000 || true)" \
  "/a/many.conf=1500 /b/after.conf=1 | "
for v in 0 -3 1e3; do
  rc=0; "$LS" scan --max-findings-per-file "$v" many.tar >/dev/null 2>err.txt || rc=$?
  expect_eq "--max-findings-per-file '$v' refused" "$rc:$(wc -l <err.txt)" "2:1"
done

echo "bounds: $fails failure(s)"
exit $((fails > 0))
