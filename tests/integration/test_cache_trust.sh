#!/usr/bin/env bash
# test_cache_trust.sh LAYERSCAN SRCDIR WORKDIR
#
# The cache trust model through the CLI (README "Cache trust model"):
# - a layer-cache entry edited to hold no finding and resealed without the
#   key (an HMAC under another key) is rejected, counted (scan: a warning
#   line; audit: cache_rejected) and the layer scanned again: the findings
#   are reported and the entry rewritten; the same edit sealed with the real
#   key would be accepted (control: the tag is what refuses it);
# - entries written under one --cache-key are rejected under another;
# - a cache directory that is group-writable, another user's, or whose
#   layers/ is a symlink gives exactly one warning line and is neither read
#   (a validly sealed entry with no finding planted in it is not used) nor
#   written (its listing is unchanged), for `scan --cache` and `audit`;
# - the generated key is 0600 in a 0700 $XDG_CONFIG_HOME/layerscan, and a
#   plain scan (no layer cache) creates nothing there;
# - --cache-key FILE: a file others can read, or too short, is refused
#   (exit 2, one line); a symlinked key file (a Kubernetes Secret) is fine;
# - several audits sharing one cache, one killed with SIGKILL while writing
#   (by the fault shim, tests/fault/faultshim.c, at the moment its third
#   entry is written and not yet renamed into place: deterministic, where a
#   kill from outside may come after the audit ended): a later audit gives
#   the lines of an uncached audit with cache_rejected 0.
# Every scan and audit here uses the GitHub and Stripe rules only (RULES): the
# fixtures' secrets are a GitHub token and a Stripe key, which the whole rule
# set reports the same, and what is tested is the caches' trust, not the
# rules. The many cold compiles (--no-cache, fresh and untrusted cache
# directories, each about 45 s of CPU under ASan with the whole rule set) then
# take well under a second each.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
CHECK="python3 $SRC/tests/tools/audit_check.py"
chmod 0755 "$WORK"
umask 022
export XDG_CONFIG_HOME="$WORK/config"
export LAYERSCAN_CACHE_DIR="$WORK/default-cache"
RULES=(--no-default-rules --rules "$SRC/patterns/github.json" --rules "$SRC/patterns/stripe.json")
# run NAME WANT_EXIT ARGS...: stdout in NAME.out, stderr in NAME.err; RULES
# after the command word of a scan or an audit
run() {
  local name=$1 want=$2 rc=0
  shift 2
  case $1 in scan|audit) set -- "$1" "${RULES[@]}" "${@:2}" ;; esac
  "${LS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
# same_report A B: two `scan --format json` reports equal but for the timing
same_report() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.get("stats", {}).pop("seconds", None)
sys.exit(0 if a == b else 1)
PY
}
# listing DIR: every path below DIR with its size and modification time
listing() { find "$1" -printf '%P %s %T@ %m\n' | sort; }
mode_of() { stat -c '%a' "$1"; }

# ---------------------------------------------------------------- fixtures
python3 - "$WORK" <<'PY'
import json, sys
out = sys.argv[1]
base = {"compression": "gzip", "entries": [
    {"path": "root", "type": "dir"},
    {"path": "root/.gitconfig", "type": "file",
     "content": "[github]\n  pat = ghp_5uOWkLGHKqJYsOwTLn3TVo8KAHXkKj1svQsl\n"}]}
app = {"compression": "gzip", "entries": [
    {"path": "srv", "type": "dir"},
    {"path": "srv/keys.yml", "type": "file", "content": "stripe: sk_live_vpf7a10UCpvUHRh7guPEXAOdV5ZP\n"}]}
def spec(name, layers):
    return {"name": "trust/" + name, "ref": "1.0", "os": "linux", "architecture": "amd64",
            "created": "2024-01-01T00:00:00Z", "config": {"Cmd": ["/bin/sh"]}, "layers": layers}
json.dump(spec("img", [base, app]), open(f"{out}/img.json", "w"))
# the multi-process set: 10 images, each a layer of its own with 2 MB of
# incompressible text to read and scan, and a secret
import random
for i in range(10):
    rnd = random.Random(i)
    filler = "".join("%032x\n" % rnd.getrandbits(128) for _ in range(60000))
    own = {"compression": "gzip", "entries": [
        {"path": "data", "type": "dir"},
        {"path": f"data/filler{i}.txt", "type": "file", "content": filler},
        {"path": f"data/env{i}", "type": "file", "content": "STRIPE=sk_live_vpf7a10UCpvUHRh7guPEXAOdV5ZP\n"}]}
    json.dump(spec(f"m{i}", [base, own]), open(f"{out}/m{i}.json", "w"))
# three images only the killed audit reads, one layer each: its first three
# cache entries are theirs whatever the other audits store meanwhile
for i in range(3):
    own = {"compression": "gzip", "entries": [
        {"path": f"own{i}", "type": "file", "content": "STRIPE=sk_live_vpf7a10UCpvUHRh7guPEXAOdV5ZP\n" * (i + 1)}]}
    json.dump(spec(f"x{i}", [own]), open(f"{out}/x{i}.json", "w"))
PY
python3 "$SRC/tests/tools/mkimage.py" img.json img.oci --format oci
for i in 0 1 2 3 4 5 6 7 8 9; do python3 "$SRC/tests/tools/mkimage.py" "m$i.json" "m$i.oci" --format oci; done
for i in 0 1 2; do python3 "$SRC/tests/tools/mkimage.py" "x$i.json" "x$i.oci" --format oci; done
IMG="$WORK/img.oci"

# forge ENTRY OUT [KEYFILE]: ENTRY with its findings removed (count 0), sealed
# with HMAC-SHA-256 under KEYFILE's bytes, or under a key of the attacker's.
# Prints the number of findings the entry held.
forge() {
  python3 - "$@" <<'PY'
import hashlib, hmac, struct, sys
src, dst = sys.argv[1], sys.argv[2]
key = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else b"attacker key, not the cache's 32"
b = open(src, "rb").read()[:-32]
p = 8 + 4
def skip_str():
    global p
    n = struct.unpack_from("<I", b, p)[0]
    p += 4 + n
for _ in range(3):          # layerscan version, rules hash, digest
    skip_str()
p += 4                      # rule count
skip_str()                  # diff_id
p += 1 + 8 * 5              # compression, sizes, bytes scanned
n_paths = struct.unpack_from("<Q", b, p)[0]
p += 8
for _ in range(n_paths):
    skip_str()
    p += 1 + 1 + 16
n_findings = struct.unpack_from("<Q", b, p)[0]
body = b[:p] + struct.pack("<Q", 0) + struct.pack("<QQ", 0, 0)  # no findings; no digests, no databases
open(dst, "wb").write(body + hmac.new(key, body, hashlib.sha256).digest())
print(n_findings)
PY
}

# ---------------------------------------------------------------- reference, key
run ref 1 scan --no-cache --format json "$IMG"
cp ref.out ref.json
expect_eq "plain scan: no config directory made" "$(ls -A "$WORK" | grep -c '^config$' || true)" 0
run plain 1 scan --format json "$IMG"
check "plain scan: same report" same_report plain.out ref.json
expect_eq "plain scan: still no config directory (no layer cache, no key)" "$(ls -A "$WORK" | grep -c '^config$' || true)" 0

run cold 1 scan --cache "$WORK/c" --format json "$IMG"
check "scan --cache cold: same report" same_report cold.out ref.json
expect_eq "scan --cache cold: stderr" "$(cat cold.err)" ""
expect_eq "generated key: 32 bytes" "$(stat -c %s config/layerscan/cache-key)" 32
expect_eq "generated key: mode 600" "$(mode_of config/layerscan/cache-key)" 600
expect_eq "config directories: mode 700" "$(mode_of config) $(mode_of config/layerscan)" "700 700"
expect_eq "cache directories: mode 700" "$(mode_of c) $(mode_of c/layers)" "700 700"
expect_eq "two layer entries" "$(ls c/layers | grep -c '\.lsl$')" 2
expect_eq "entries: mode 600" "$(for f in c/layers/*.lsl; do mode_of "$f"; done | sort -u)" 600
run warm 1 scan --cache "$WORK/c" --format json "$IMG"
check "scan --cache warm: same report" same_report warm.out ref.json
expect_eq "scan --cache warm: stderr" "$(cat warm.err)" ""

# which entry holds the GitHub token (the base layer): the one whose findings are forged away
BASE_ENTRY=""
for f in c/layers/*.lsl; do
  if grep -q ghp_5uOWkLGHKqJYsOwTLn3TVo8KAHXkKj1svQsl "$f"; then BASE_ENTRY=$f; fi
done
[ -n "$BASE_ENTRY" ] && ok "the base layer's entry found" || bad "no entry holds the token"
cp "$BASE_ENTRY" genuine.lsl

# ---------------------------------------------------------------- forged entries
expect_eq "forge: the entry held one finding" "$(forge genuine.lsl "$BASE_ENTRY")" 1
run forged 1 scan --cache "$WORK/c" --format json "$IMG"
check "forged entry: the report is that of an uncached scan" same_report forged.out ref.json
expect_eq "forged entry: one warning line" "$(cat forged.err)" \
  "layerscan: warning: 1 cached layer results rejected (corrupt, foreign or forged) and scanned again"
check "forged entry: rewritten with the genuine result" cmp "$BASE_ENTRY" genuine.lsl
run after-forged 1 scan --cache "$WORK/c" --format json "$IMG"
expect_eq "after the rewrite: no warning" "$(cat after-forged.err)" ""

# control: the same edit sealed with the real key is believed (the key is what protects)
forge genuine.lsl "$BASE_ENTRY" config/layerscan/cache-key >/dev/null
run control 1 scan --cache "$WORK/c" --format json "$IMG"
expect_eq "control: the token is gone from a report built from a keyed forgery" \
  "$(grep -c '"rule": "github-pat"' control.out || true) $(grep -c '"rule": "stripe-secret-key"' control.out || true)" "0 1"
cp genuine.lsl "$BASE_ENTRY"

# the same through audit: cache_rejected counts it
printf '%s\n' "$IMG" >list
forge genuine.lsl "$BASE_ENTRY" >/dev/null
run audit-forged 1 audit --cache "$WORK/c" list
check "audit, forged entry: rejected, rescanned" $CHECK summary audit-forged.out images=1 layers=2 \
  layers_scanned=1 cache_hits=1 cache_rejected=1 findings.critical=2 errors=0
printf '%s\t%s\n' "$IMG" "$WORK/ref.json" >scans.tsv
check "audit, forged entry: the line equals the uncached scan" $CHECK same-as-scan audit-forged.out scans.tsv
expect_eq "audit, forged entry: stderr note" "$(grep -c '1 corrupt, foreign or forged cache entries ignored and rewritten' audit-forged.err)" 1
run audit-after 1 audit --cache "$WORK/c" list
check "audit after the rewrite: all from the cache" $CHECK summary audit-after.out layers_scanned=0 cache_hits=2 cache_rejected=0

# ---------------------------------------------------------------- --cache-key FILE
head -c 48 /dev/urandom >key-a
chmod 0400 key-a
mkdir -p secret/..2024_01_01 && cp key-a secret/..2024_01_01/key && chmod 0400 secret/..2024_01_01/key
ln -s ..2024_01_01 secret/..data && ln -s ..data/key secret/cache-key   # as a Kubernetes Secret volume
run key-a 1 audit --cache "$WORK/k" --cache-key "$WORK/secret/cache-key" list
check "--cache-key (symlinked, 0400): cold" $CHECK summary key-a.out layers_scanned=2 cache_hits=0 cache_rejected=0
run key-a2 1 audit --cache "$WORK/k" --cache-key "$WORK/key-a" list
check "--cache-key: warm with the same key" $CHECK summary key-a2.out layers_scanned=0 cache_hits=2 cache_rejected=0
run key-b 1 audit --cache "$WORK/k" list
check "another key (the generated one): every entry rejected" $CHECK summary key-b.out layers_scanned=2 \
  cache_hits=0 cache_rejected=2
check "another key: the line equals the uncached scan" $CHECK same-as-scan key-b.out scans.tsv
head -c 48 /dev/urandom >key-open && chmod 0644 key-open
run key-open 2 scan --cache "$WORK/k" --cache-key "$WORK/key-open" "$IMG"
expect_eq "--cache-key readable by others: message" "$(cat key-open.err)" \
  "layerscan: --cache-key $WORK/key-open: must be owned by this user or root and neither writable by group or others nor readable by others (uid $(id -u), mode 0644)"
head -c 16 /dev/urandom >key-short && chmod 0600 key-short
run key-short 2 audit --cache "$WORK/k" --cache-key "$WORK/key-short" list
expect_eq "--cache-key too short: message" "$(cat key-short.err)" \
  "layerscan: --cache-key $WORK/key-short: a key has 32 to 4096 bytes (this one fewer)"
run key-layers 2 layers --cache-key "$WORK/key-a" "$IMG"
expect_eq "--cache-key elsewhere: message" "$(cat key-layers.err)" "layerscan: --cache-key is an option of scan and audit only"

# ---------------------------------------------------------------- untrusted directories
# each holds a complete cache of this image whose base entry is validly sealed
# with the generated key but holds no finding: if it were read, the token
# would be missing from the report
plant_cache() { # DIR
  mkdir -p "$1/layers"
  cp c/*.hsdb "$1/"
  cp c/layers/*.lsl "$1/layers/"
  forge genuine.lsl "$1/layers/$(basename "$BASE_ENTRY")" config/layerscan/cache-key >/dev/null
  chmod 0700 "$1" "$1/layers"
  chmod 0600 "$1"/*.hsdb "$1"/layers/*
}
untrusted() { # NAME DIR WANT_REASON
  local name=$1 dir=$2 reason=$3 before
  before=$(listing "$dir")
  run "$name-scan" 1 scan --cache "$dir" --format json "$IMG"
  check "$name, scan: the report of an uncached scan (nothing read)" same_report "$name-scan.out" ref.json
  expect_eq "$name, scan: one warning line" "$(cat "$name-scan.err")" "layerscan: warning: cache not used: $reason"
  run "$name-audit" 1 audit --cache "$dir" list
  check "$name, audit: the line of an uncached scan" $CHECK same-as-scan "$name-audit.out" scans.tsv
  check "$name, audit: nothing from the cache" $CHECK summary "$name-audit.out" layers_scanned=2 cache_hits=0 cache_rejected=0
  expect_eq "$name, audit: the warning line" "$(grep -c "^layerscan: warning: cache not used: $reason\$" "$name-audit.err")" 1
  expect_eq "$name: nothing written" "$(listing "$dir")" "$before"
}
plant_cache "$WORK/gw"
chmod 0770 gw
untrusted group-writable "$WORK/gw" "$WORK/gw: writable by group or others (mode 0770)"

plant_cache "$WORK/elsewhere"
mkdir -m 0700 sl
ln -s "$WORK/elsewhere/layers" sl/layers
untrusted symlinked-layers "$WORK/sl" "$WORK/sl/layers: is a symbolic link"
expect_eq "symlinked layers: the target untouched" "$(ls elsewhere/layers | wc -l)" 2

if [ "$(id -u)" -eq 0 ]; then
  plant_cache "$WORK/nb"
  chown -R 65534:65534 nb
  untrusted other-user "$WORK/nb" "$WORK/nb: owned by uid 65534, not by this user (uid 0)"
  # and the other way round: nobody running on a cache of root's
  plant_cache "$WORK/rootcache"
  chmod -R a+rX "$WORK"/*.oci
  chmod 0755 "$WORK"
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent \
    LAYERSCAN_CACHE_DIR=/nonexistent "${LS[@]}" scan --cache "$WORK/rootcache" --no-default-rules \
    --rules "$SRC/patterns/github.json" --format json "$IMG" >nobody.out 2>nobody.err || rc=$?
  expect_eq "as nobody on root's cache: exit" "$rc" 1
  expect_eq "as nobody on root's cache: warning" "$(cat nobody.err)" \
    "layerscan: warning: cache not used: $WORK/rootcache: owned by uid 0, not by this user (uid 65534)"
  expect_eq "as nobody: the token reported" "$(grep -c '"rule": "github-pat"' nobody.out)" 1
else
  untrusted other-user /usr "/usr: owned by uid 0, not by this user (uid $(id -u))"
fi

# ---------------------------------------------------------------- several processes, one killed
for i in 0 1 2 3 4 5 6 7 8 9; do echo "$WORK/m$i.oci"; done >list-m
# the killed audit reads x0, x1, x2 first (one layer each, nobody else's),
# one image at a time: its third rename is x2's entry, after x0's and x1's
# lines; the shim kills it there, the temporary written and not renamed
{ for i in 0 1 2; do echo "$WORK/x$i.oci"; done; cat list-m; } >list-m0
run m-nocache 1 audit --no-cache list-m
head -c 32 /dev/urandom >key-m && chmod 0600 key-m
# the compiled rules are there already: every process starts scanning at once
mkdir -m 0700 shared
cp c/*.hsdb shared/
: "${LAYERSCAN_FAULT_SHIM:?the fault shim library (set by tests/CMakeLists.txt)}"
# under ASan the shim comes before the sanitizer's runtime (as in test_faults)
kill_env=(LD_PRELOAD="$LAYERSCAN_FAULT_SHIM" LS_FAULT_KILL_RENAME=3)
[ -z "${ASAN_OPTIONS:-}" ] || kill_env+=(ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0")
pids=()
env "${kill_env[@]}" "${LS[@]}" audit "${RULES[@]}" --cache "$WORK/shared" --cache-key "$WORK/key-m" --jobs 1 \
  -o m0.jsonl list-m0 2>m0.err &
pids+=($!)
for p in 1 2; do
  "${LS[@]}" audit "${RULES[@]}" --cache "$WORK/shared" --cache-key "$WORK/key-m" --jobs 2 \
    -o "m$p.jsonl" list-m 2>"m$p.err" &
  pids+=($!)
done
rc0=0 rc1=0 rc2=0
wait "${pids[0]}" || rc0=$?
wait "${pids[1]}" || rc1=$?
wait "${pids[2]}" || rc2=$?
expect_eq "shared cache: the killed audit's status (SIGKILL)" "$rc0" 137
expect_eq "shared cache: the survivors' exit statuses" "$rc1 $rc2" "1 1"
expect_eq "the killed audit died at its third image, two lines out" \
  "$($CHECK refs m0.jsonl | tr '\n' ' ')" "$WORK/x0.oci $WORK/x1.oci "
check "shared cache: survivor 1 = uncached audit" $CHECK same-lines m1.jsonl m-nocache.out
check "shared cache: survivor 2 = uncached audit" $CHECK same-lines m2.jsonl m-nocache.out
run m-after 1 audit --cache "$WORK/shared" --cache-key "$WORK/key-m" list-m
check "after the kill: the lines of an uncached audit" $CHECK same-lines m-after.out m-nocache.out
check "after the kill: every layer from the cache, nothing rejected" $CHECK summary m-after.out images=10 \
  layers=20 unique_layers=11 layers_scanned=0 cache_hits=20 cache_rejected=0 findings.critical=20
expect_eq "after the kill: one entry per unique layer (and x0's and x1's)" \
  "$(ls shared/layers | grep -c '\.lsl$')" 13
expect_eq "after the kill: x2's temporary left behind" "$(ls -A shared/layers | grep -c '^\.tmp-')" 1
expect_eq "after the kill: only entries and temporaries in the cache" \
  "$(ls -A shared/layers | grep -Evc '^(.*\.lsl|\.tmp-[a-z0-9]{12})$' || true)" 0

ls_test_finish "cache trust"
