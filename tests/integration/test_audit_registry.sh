#!/usr/bin/env bash
# test_audit_registry.sh LAYERSCAN SRCDIR WORKDIR
#
# `layerscan audit --registry HOST` against real registries on 127.0.0.1
# (Debian's docker-registry, started here by registry_lib.sh, filled with
# skopeo). Three images built by tests/tools/mkimage.py share a base layer
# holding a fake GitHub token:
#   img-a = base + app           (token present)
#   img-b = base + whiteout      (token deleted in layer 1)
#   img-c = base + app + billing (token present, plus a Stripe key)
# pushed as apps/a:1.0 apps/a:1.1 apps/b:1.0 apps/c:1.0 apps/c:latest
# mirror/a:1.0 tools/b:latest, plus gone/x whose only tag was deleted.
# Asserted on registry A (plain http, anonymous):
#   cold   the exact summary: 7 images, 16 layers, 4 unique, 4 scanned, 12
#          cache hits, 9 critical findings, 0 errors; every layer blob GET
#          exactly once; bytes_fetched = the unique layer blobs + what a warm
#          run fetches (manifests, configs, listings); each line equals `scan
#          --format json` of its reference and the scan of the same image from
#          its OCI layout (the token's fate differs per image)
#   warm   0 layers scanned, no layer blob fetched, the same lines
#   walk   --repos, --tags, both, nothing; --page-size 2 (3 catalog pages)
#          gives the references of one page
#   resume a cut output (one line and half a line) resumed: the first image's
#          manifest is not even fetched, the file ends as one run's
#   shards 0/2 and 1/2 at once on one cache: the catalog exactly once, FNV-1a
#          64 of the reference, the union equal to the unsharded lines
# On registry B (TLS with a CA made here, htpasswd): --cert-dir and --creds
# audit it (and layers cached from A serve B: same digests); wrong or missing
# credentials and an untrusted CA are exit 2 with one line naming the
# registry. On registry C (TLS, Bearer tokens from tests/tools/token_issuer.py)
# the walk and each image get their tokens. No password, credential or token
# appears in any output or cache.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
TOOLS=$SRC/tests/tools
CHECK="python3 $TOOLS/audit_check.py"
rm -rf "$WORK"
mkdir -p "$WORK/out"
export LAYERSCAN_TIMEOUT=${LAYERSCAN_TIMEOUT:-120}
# free_port, wait_port, start_registry, make_pki, push; no proxy, no user auth file
. "$SRC/tests/integration/registry_lib.sh"
cd "$WORK"

fails=0
passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# check NAME COMMAND...: the command must succeed
check() {
  local name=$1
  shift
  if "$@" 2>"$WORK/check.err"; then ok "$name"; else fail "$name: $(cat "$WORK/check.err")"; fi
}
expect_eq() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', expected '$3'"; fi
}
# run NAME ARGS...: layerscan ARGS, stdout in out/NAME.out, stderr in out/NAME.err
run() {
  local name=$1 rc=0
  shift
  timeout "$LAYERSCAN_TIMEOUT" "${LS[@]}" "$@" >"$WORK/out/$name.out" 2>"$WORK/out/$name.err" || rc=$?
  echo "$rc" >"$WORK/out/$name.rc"
}
# audit NAME WANT_EXIT ARGS...: `layerscan audit ARGS`, the JSONL in out/NAME.out
audit() {
  local name=$1 want=$2 rc
  shift 2
  run "$name" audit "$@"
  rc=$(cat "$WORK/out/$name.rc")
  if [ "$rc" = "$want" ]; then ok "$name: exit $rc"; else fail "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/out/$name.err" | head -20; fi
}
# expect_error NAME SUBSTRING: exit 2, nothing on stdout, one line on stderr holding SUBSTRING
expect_error() {
  local name=$1 want=$2 rc lines
  rc=$(cat "$WORK/out/$name.rc")
  lines=$(grep -c . "$WORK/out/$name.err" || true)
  if [ "$rc" = 2 ] && [ "$lines" = 1 ] && [ ! -s "$WORK/out/$name.out" ] && grep -qF -- "$want" "$WORK/out/$name.err"; then
    ok "$name: exit 2: $(cat "$WORK/out/$name.err")"
  else
    fail "$name: want exit 2 and one line with \"$want\"; got exit $rc, $lines line(s):"
    sed 's/^/    /' "$WORK/out/$name.err" | head -10
  fi
}
refs_of() { $CHECK refs "$WORK/out/$1.out" | tr '\n' ' '; }
# GETs of a path in a LAYERSCAN_DEBUG=1 trace (any status)
gets() { grep -c "registry: GET $2 -> " "$WORK/out/$1.err" || true; }
summary_of() { # NAME KEY: a value of the summary line, -1 when there is none
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])["summary"][sys.argv[2]])' \
    "$WORK/out/$1.out" "$2" 2>/dev/null || echo -1
}

# ---- fixtures ------------------------------------------------------------------
python3 - "$WORK" <<'PY'
import json, sys
out = sys.argv[1]
base = {"compression": "gzip", "entries": [
    {"path": "etc", "type": "dir"},
    {"path": "etc/os-release", "type": "file", "content": "NAME=\"Tiny\"\nID=tiny\n"},
    {"path": "root", "type": "dir"},
    {"path": "root/.gitconfig", "type": "file",
     "content": "[github]\n  user = deploy\n  pat = ghp_5uOWkLGHKqJYsOwTLn3TVo8KAHXkKj1svQsl\n"}]}
app = {"compression": "gzip", "entries": [
    {"path": "app", "type": "dir"}, {"path": "app/main.txt", "type": "file", "content": "hello\n"}]}
rm = {"compression": "gzip", "entries": [
    {"path": "root", "type": "dir"}, {"path": "root/.wh..gitconfig", "type": "file", "content": ""}]}
billing = {"compression": "zstd", "entries": [
    {"path": "srv", "type": "dir"},
    {"path": "srv/keys.yml", "type": "file", "content": "stripe: sk_live_vpf7a10UCpvUHRh7guPEXAOdV5ZP\n"}]}

def spec(name, layers, cmds):
    return {"name": "audit/" + name, "ref": "1.0", "os": "linux", "architecture": "amd64",
            "created": "2024-01-01T00:00:00Z", "config": {"Cmd": ["/bin/sh"]},
            "history": [{"created_by": "/bin/sh -c " + c} for c in cmds], "layers": layers}

ADD, APP = "#(nop) ADD file:base in /", "#(nop) COPY dir:app in /app"
for n, s in {"img-a": spec("a", [base, app], [ADD, APP]),
             "img-b": spec("b", [base, rm], [ADD, "rm -f /root/.gitconfig"]),
             "img-c": spec("c", [base, app, billing], [ADD, APP, "#(nop) COPY dir:srv in /srv"])}.items():
    with open(f"{out}/{n}.json", "w") as f:
        json.dump(s, f)
PY
for i in a b c; do
  python3 "$TOOLS/mkimage.py" "$WORK/img-$i.json" "$WORK/img-$i.oci" --format oci >/dev/null
  run "layout-$i" scan --format json "oci:$WORK/img-$i.oci"
  if [ "$(cat "out/layout-$i.rc")" != 1 ]; then echo "layout scan of img-$i failed: $(cat "out/layout-$i.err")"; exit 1; fi
done

# what each repository:tag holds, in the order the walk must give them
# (catalog order, tags sorted)
PLAN="apps/a:1.0 a
apps/a:1.1 a
apps/b:1.0 b
apps/c:1.0 c
apps/c:latest c
mirror/a:1.0 a
tools/b:latest b"
# the port of registry A: one where neither shard of the 7 references is empty
# (the shard hashes the reference, port included), so the shard run is a real
# partition
shards_nonempty() { # PORT
  python3 - "$1" "$PLAN" <<'PY'
import sys
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) % (1 << 64)
    return h
refs = ["docker://127.0.0.1:%s/%s" % (sys.argv[1], l.split()[0]) for l in sys.argv[2].splitlines()]
sys.exit(0 if len({fnv(r) % 2 for r in refs}) == 2 else 1)
PY
}
for _ in $(seq 20); do
  PA=$(free_port)
  shards_nonempty "$PA" && break
done
A=127.0.0.1:$PA
start_registry A "$PA" ""
while read -r rt img; do
  push "oci:$WORK/img-$img.oci" "docker://$A/$rt" --dest-tls-verify=false
done <<<"$PLAN"
# a repository whose only tag was deleted: in the catalog, "tags": null
push "oci:$WORK/img-a.oci" "docker://$A/gone/x:1" --dest-tls-verify=false
skopeo delete --tls-verify=false "docker://$A/gone/x:1" >"$WORK/delete.log" 2>&1 || { cat "$WORK/delete.log"; exit 1; }

ALL=$(while read -r rt _; do printf 'docker://%s/%s ' "$A" "$rt"; done <<<"$PLAN")
: >scans.tsv
: >layouts.tsv
while read -r rt img; do
  run "scan-${rt//[\/:]/-}" scan --format json --tls-verify=false "docker://$A/$rt"
  printf 'docker://%s/%s\t%s\n' "$A" "$rt" "$WORK/out/scan-${rt//[\/:]/-}.out" >>scans.tsv
  printf 'docker://%s/%s\t%s\n' "$A" "$rt" "$WORK/out/layout-$img.out" >>layouts.tsv
done <<<"$PLAN"

# byte counts from the layouts (the registry holds the same bytes: the
# reports' manifest digests are compared below): L = the unique layer blobs
# of all images, M = a manifest and a config per reference
read -r L M LAYER_DIGESTS < <(python3 - "$WORK" "$PLAN" <<'PY'
import json, os, sys
work, plan = sys.argv[1], sys.argv[2]
def blob(img, d):
    return f"{work}/img-{img}.oci/blobs/sha256/{d.split(':')[1]}"
layers, m = {}, 0
for line in plan.splitlines():
    img = line.split()[1]
    idx = json.load(open(f"{work}/img-{img}.oci/index.json"))["manifests"][0]
    man = json.load(open(blob(img, idx["digest"])))
    m += idx["size"] + man["config"]["size"]
    assert os.path.getsize(blob(img, idx["digest"])) == idx["size"]
    for l in man["layers"]:
        layers[l["digest"]] = os.path.getsize(blob(img, l["digest"]))
print(sum(layers.values()), m, ",".join(sorted(layers)))
PY
)
expect_eq "fixtures: 4 unique layer blobs" "$(echo "$LAYER_DIGESTS" | tr ',' '\n' | grep -c .)" 4

# ---- cold: every layer fetched and scanned once ---------------------------------
LAYERSCAN_DEBUG=1 audit cold 1 --registry "$A" --tls-verify=false --cache "$WORK/c1" --jobs 4
check "cold: summary" $CHECK summary out/cold.out images=7 layers=16 unique_layers=4 layers_scanned=4 \
  cache_hits=12 findings.critical=9 findings.high=0 findings.medium=0 findings.low=0 errors=0 \
  failed_images=0 resumed=0 cache_rejected=0
expect_eq "cold: the catalog's references, tags sorted (gone/x has none)" "$(refs_of cold)" "$ALL"
check "cold: each line equals scan --format json of its reference" $CHECK same-as-scan out/cold.out scans.tsv
check "cold: each line equals the scan of its OCI layout" $CHECK same-as-layout out/cold.out layouts.tsv
for rt in apps/a:1.0 apps/a:1.1 apps/c:1.0 apps/c:latest mirror/a:1.0; do
  check "cold: $rt: the token present" $CHECK fate out/cold.out "docker://$A/$rt" github-pat present null
done
for rt in apps/b:1.0 tools/b:latest; do
  check "cold: $rt: the token deleted in layer 1 (same layer result, other fate)" \
    $CHECK fate out/cold.out "docker://$A/$rt" github-pat deleted 1
done
check "cold: the Stripe key only in img-c" python3 - out/cold.out <<'PY'
import json, sys
got = {l["audit"]["reference"].rsplit("/", 2)[-2:][0] + "/" + l["audit"]["reference"].rsplit("/", 1)[1]:
       sorted(f["rule"] for f in l["findings"]) for l in map(json.loads, open(sys.argv[1])) if "summary" not in l}
want_c, want = ["github-pat", "stripe-secret-key"], ["github-pat"]
assert all(v == (want_c if k.startswith("apps/c") else want) for k, v in got.items()), got
PY
for d in ${LAYER_DIGESTS//,/ }; do
  n=$(grep -c "registry: GET $A/v2/[a-z/]*/blobs/$d -> 200" out/cold.err || true)
  expect_eq "cold: layer blob ${d:7:12} fetched once" "$n" 1
done
expect_eq "cold: one catalog page (the registry's page size)" "$(gets cold "$A/v2/_catalog")" 1
COLD_BYTES=$(summary_of cold bytes_fetched)
if [ "$COLD_BYTES" -ge $((L + M)) ] && [ "$COLD_BYTES" -lt $((L + M + 2048)) ]; then
  ok "cold: bytes_fetched $COLD_BYTES: the $L bytes of unique layer blobs + $M of manifests and configs + listings"
else
  fail "cold: bytes_fetched $COLD_BYTES, expected $((L + M)) + less than 2048"
fi
expect_eq "cold: the table on stderr says the same" "$(grep -E '^  bytes fetched ' out/cold.err | tr -s ' ' | cut -d' ' -f4)" "$COLD_BYTES"

# ---- warm: nothing scanned, no layer blob fetched --------------------------------
for d in c-page c-resume c-shard c-b; do mkdir -p "$d"; cp c1/*.hsdb "$d/"; done
LAYERSCAN_DEBUG=1 audit warm 1 --registry "$A" --tls-verify=false --cache "$WORK/c1" --jobs 1
check "warm: summary" $CHECK summary out/warm.out images=7 layers=16 unique_layers=4 layers_scanned=0 \
  cache_hits=16 findings.critical=9 errors=0 cache_rejected=0
check "warm: the lines of the cold run" $CHECK same-lines out/warm.out out/cold.out
n=0
for d in ${LAYER_DIGESTS//,/ }; do n=$((n + $(gets warm "$A/v2/[a-z/]*/blobs/$d"))); done
expect_eq "warm: no layer blob requested" "$n" 0
expect_eq "warm: 7 manifests and 7 configs requested" "$(gets warm "$A/v2/[a-z/]*/manifests/[a-z0-9.]*") $(grep -c "registry: GET $A/v2/[a-z/]*/blobs/" out/warm.err)" "7 7"
# one client for the walk and the 7 images: /v2/ probed once (https first,
# which fails on this plain-http registry, then http: two GETs), and every
# later request over the connection the http probe opened (--jobs 1)
expect_eq "warm: /v2/ probed once for the walk and all 7 images (https, then http)" \
  "$(gets warm "$A/v2/") $(grep -c "registry: GET $A/v2/ -> -1 (transfer failed)" out/warm.err)" "2 1"
expect_eq "warm: requests (trace, summary) and new connections (the https try, the http one)" \
  "$(grep -c "registry: GET " out/warm.err) $(summary_of warm requests) $(summary_of warm connections)" \
  "23 23 2"
WARM_BYTES=$(summary_of warm bytes_fetched)
if [ "$WARM_BYTES" -ge "$M" ] && [ "$WARM_BYTES" -lt $((M + 2048)) ]; then
  ok "warm: bytes_fetched $WARM_BYTES: manifests and configs ($M) + listings"
else
  fail "warm: bytes_fetched $WARM_BYTES, expected $M + less than 2048"
fi
expect_eq "cold - warm = the unique layer blobs, each fetched once" "$((COLD_BYTES - WARM_BYTES))" "$L"

# ---- the walk: filters and catalog pages ------------------------------------------
LAYERSCAN_DEBUG=1 audit paged 1 --registry "$A" --tls-verify=false --cache "$WORK/c-page" --page-size 2
expect_eq "--page-size 2: 6 repositories in 3 catalog pages" "$(gets paged "$A/v2/_catalog")" 3
expect_eq "--page-size 2: the references of one page" "$(refs_of paged)" "$ALL"
check "--page-size 2: the lines of one page" $CHECK same-lines out/paged.out out/cold.out
check "--page-size 2: a fresh cache scans each layer once" $CHECK summary out/paged.out images=7 \
  layers_scanned=4 cache_hits=12
audit repos 1 --registry "$A" --tls-verify=false --cache "$WORK/c1" --repos 'apps/*'
expect_eq "--repos 'apps/*'" "$(refs_of repos)" "docker://$A/apps/a:1.0 docker://$A/apps/a:1.1 docker://$A/apps/b:1.0 docker://$A/apps/c:1.0 docker://$A/apps/c:latest "
check "--repos: summary" $CHECK summary out/repos.out images=5 layers=12 unique_layers=4 layers_scanned=0 cache_hits=12 findings.critical=7
audit tags 1 --registry "$A" --tls-verify=false --cache "$WORK/c1" --tags latest
expect_eq "--tags latest" "$(refs_of tags)" "docker://$A/apps/c:latest docker://$A/tools/b:latest "
audit both 1 --registry "$A" --tls-verify=false --cache "$WORK/c1" --repos '*/[ab]' --tags '1.*' --page-size 1
expect_eq "--repos '*/[ab]' --tags '1.*' --page-size 1" "$(refs_of both)" \
  "docker://$A/apps/a:1.0 docker://$A/apps/a:1.1 docker://$A/apps/b:1.0 docker://$A/mirror/a:1.0 "
check "filtered lines equal the unfiltered ones" $CHECK same-as-scan out/both.out scans.tsv
audit none 0 --registry "$A" --tls-verify=false --cache "$WORK/c1" --repos 'nothing*'
check "--repos matching nothing: a zero summary" $CHECK summary out/none.out images=0 layers=0 unique_layers=0 errors=0
expect_eq "--repos matching nothing: only the summary line" "$(wc -l <out/none.out)" 1

# ---- resume -----------------------------------------------------------------------
head -n 1 out/cold.out >partial.jsonl
sed -n 2p out/cold.out >line2.jsonl # (a file: `| head -c` may end the writer with SIGPIPE)
head -c 300 line2.jsonl >>partial.jsonl # killed mid-line
LAYERSCAN_DEBUG=1 audit resume 1 --registry "$A" --tls-verify=false --cache "$WORK/c-resume" --resume partial.jsonl
expect_eq "resume: nothing on stdout" "$(wc -c <out/resume.out)" 0
check "resume: only the rest" $CHECK summary partial.jsonl images=6 layers=14 unique_layers=4 layers_scanned=4 \
  cache_hits=10 resumed=1 errors=0 findings.critical=8
expect_eq "resume: the first image's manifest not fetched, the second's once" \
  "$(gets resume "$A/v2/apps/a/manifests/1.0") $(gets resume "$A/v2/apps/a/manifests/1.1")" "0 1"
cp partial.jsonl out/partial.out
expect_eq "resume: the whole file in catalog order" "$(refs_of partial)" "$ALL"
check "resume: the lines of one run" $CHECK same-lines partial.jsonl out/cold.out

# ---- two shards at once on one cache ------------------------------------------------
rc0=0 rc1=0
timeout "$LAYERSCAN_TIMEOUT" "${LS[@]}" audit --registry "$A" --tls-verify=false --cache "$WORK/c-shard" --jobs 2 \
  --shard 0/2 -o out/shard0.out 2>out/shard0.err & p0=$!
timeout "$LAYERSCAN_TIMEOUT" "${LS[@]}" audit --registry "$A" --tls-verify=false --cache "$WORK/c-shard" --jobs 2 \
  --shard 1/2 -o out/shard1.out 2>out/shard1.err & p1=$!
wait $p0 || rc0=$?
wait $p1 || rc1=$?
expect_eq "shards: exit statuses (both hold findings)" "$rc0 $rc1" "1 1"
s0=$(refs_of shard0) s1=$(refs_of shard1)
expect_eq "shards: together the catalog exactly once" "$(echo $s0 $s1 | tr ' ' '\n' | sort | tr '\n' ' ')" \
  "$(echo $ALL | tr ' ' '\n' | sort | tr '\n' ' ')"
expect_eq "shards: no overlap" "$(comm -12 <(echo $s0 | tr ' ' '\n' | sort) <(echo $s1 | tr ' ' '\n' | sort) | wc -l)" 0
want0=$(python3 -c '
import sys
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) % (1 << 64)
    return h
print(" ".join(r for r in sys.argv[1].split() if fnv(r) % 2 == 0))' "$ALL")
expect_eq "shards: shard 0 is FNV-1a 64 of the reference mod 2 == 0, in catalog order" "$s0" "$want0 "
check "shards: their union equals the unsharded lines" python3 - out/shard0.out out/shard1.out out/cold.out <<'PY'
import json, sys
def lines(p):
    out = {}
    for l in open(p):
        o = json.loads(l)
        if "summary" not in o:
            o["stats"].pop("seconds")
            out[o["audit"]["reference"]] = json.dumps(o)
    return out
a, b, whole = lines(sys.argv[1]), lines(sys.argv[2]), lines(sys.argv[3])
assert not set(a) & set(b)
assert {**a, **b} == whole, "a shard line differs from the unsharded run"
PY
for s in 0 1; do
  python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1])["summary"]; sys.exit(0 if s["layers_scanned"] <= s["unique_layers"] and s["errors"] == 0 else 1)' "out/shard$s.out" &&
    ok "shard $s: no layer scanned twice, no error" || fail "shard $s: $(tail -n 1 out/shard$s.out)"
done

# ---- B: TLS + htpasswd ---------------------------------------------------------------
make_pki
BUSER=auditor
BPASS=Audit-pw-4e1d90b7c3
htpasswd -Bbn "$BUSER" "$BPASS" >"$WORK/htpasswd" 2>/dev/null
PB=$(free_port)
start_registry B "$PB" "$TLS_YAML
auth:
  htpasswd:
    realm: layerscan-test
    path: $WORK/htpasswd"
B=127.0.0.1:$PB
push "oci:$WORK/img-a.oci" "docker://$B/apps/a:1.0" --dest-tls-verify=false --dest-creds "$BUSER:$BPASS"
push "oci:$WORK/img-b.oci" "docker://$B/apps/b:1.0" --dest-tls-verify=false --dest-creds "$BUSER:$BPASS"
: >scans-b.tsv
for rt in apps/a:1.0 apps/b:1.0; do
  run "scan-b-${rt//[\/:]/-}" scan --format json --cert-dir "$CERTS" --creds "$BUSER:$BPASS" "docker://$B/$rt"
  printf 'docker://%s/%s\t%s\n' "$B" "$rt" "$WORK/out/scan-b-${rt//[\/:]/-}.out" >>scans-b.tsv
done
audit b-creds 1 --registry "$B" --cert-dir "$CERTS" --creds "$BUSER:$BPASS" --cache "$WORK/c-b"
check "b-creds: summary" $CHECK summary out/b-creds.out images=2 layers=4 unique_layers=3 layers_scanned=3 \
  cache_hits=1 findings.critical=2 errors=0
expect_eq "b-creds: references" "$(refs_of b-creds)" "docker://$B/apps/a:1.0 docker://$B/apps/b:1.0 "
check "b-creds: lines equal scan --creds of each reference" $CHECK same-as-scan out/b-creds.out scans-b.tsv
check "b-creds: lines equal the layout scans" $CHECK same-as-layout out/b-creds.out \
  <(printf 'docker://%s/apps/a:1.0\t%s\ndocker://%s/apps/b:1.0\t%s\n' "$B" "$WORK/out/layout-a.out" "$B" "$WORK/out/layout-b.out")
audit b-other-registry 1 --registry "$B" --cert-dir "$CERTS" --creds "$BUSER:$BPASS" --cache "$WORK/c1"
check "b: layers cached from registry A serve registry B (same digests)" $CHECK summary out/b-other-registry.out \
  images=2 layers_scanned=0 cache_hits=4
run b-wrong audit --registry "$B" --cert-dir "$CERTS" --creds "$BUSER:not-the-password" --cache "$WORK/c-b"
expect_error b-wrong "layerscan: $B: 401 Unauthorized (check --creds)"
run b-none audit --registry "$B" --cert-dir "$CERTS" --cache "$WORK/c-b"
expect_error b-none "layerscan: $B: 401 Unauthorized (no credentials for $B: pass --creds or --authfile)"
run b-no-ca audit --registry "$B" --creds "$BUSER:$BPASS" --cache "$WORK/c-b"
expect_error b-no-ca "layerscan: $B: TLS: SSL certificate problem"

# ---- C: TLS + Bearer tokens (each image's client fetches its own) ----------------------
CUSER=scanner
CPASS=Audit-token-pw-8d02f6a1
TOKENS=$WORK/tokens.log
: >"$TOKENS"
PT=$(free_port)
python3 "$TOOLS/token_issuer.py" --port "$PT" --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" \
  --sign-key "$PKI/sign.key" --sign-cert "$PKI/sign.crt" --service layerscan-test-registry \
  --issuer layerscan-test-issuer --user "$CUSER" --password "$CPASS" --log "$TOKENS" \
  >"$WORK/issuer.out" 2>"$WORK/issuer.err" &
pids+=($!)
if ! wait_port "$PT"; then echo "token issuer did not start:"; cat "$WORK/issuer.err"; exit 1; fi
PC=$(free_port)
start_registry C "$PC" "$TLS_YAML
auth:
  token:
    realm: https://127.0.0.1:$PT/token
    service: layerscan-test-registry
    issuer: layerscan-test-issuer
    rootcertbundle: $PKI/sign.crt"
C=127.0.0.1:$PC
push "oci:$WORK/img-b.oci" "docker://$C/team/b:2" --dest-tls-verify=false --dest-creds "$CUSER:$CPASS"
push "oci:$WORK/img-c.oci" "docker://$C/team/c:2" --dest-tls-verify=false --dest-creds "$CUSER:$CPASS"
printf 'docker://%s/team/b:2\t%s\ndocker://%s/team/c:2\t%s\n' "$C" "$WORK/out/layout-b.out" "$C" "$WORK/out/layout-c.out" >layouts-c.tsv
: >"$TOKENS"
LAYERSCAN_DEBUG=1 audit c-token 1 --registry "$C" --cert-dir "$CERTS" --creds "$CUSER:$CPASS" --cache "$WORK/c-b" --jobs 2
expect_eq "c-token: references" "$(refs_of c-token)" "docker://$C/team/b:2 docker://$C/team/c:2 "
check "c-token: summary (only the billing layer is new to cache c-b)" $CHECK summary out/c-token.out images=2 \
  layers=5 unique_layers=4 layers_scanned=1 cache_hits=4 findings.critical=3 errors=0
check "c-token: lines equal the layout scans" $CHECK same-as-layout out/c-token.out layouts-c.tsv
# one client per registry for the walk and every image: the catalog's token,
# then one pull token per repository, which serves its tag list and its image
expect_eq "c-token: tokens issued: the catalog's, then one per repository (tags and image share it)" "$(grep -c . "$TOKENS")" 3
expect_eq "c-token: the token service asked 3 times, /v2/ probed once" \
  "$(grep -c "registry: GET 127.0.0.1:$PT/token" out/c-token.err) $(gets c-token "$C/v2/")" "3 1"
# the realm known from the catalog's challenge, each repository's token is
# fetched before its first request: no other 401 than the probe's and the
# catalog's first try
expect_eq "c-token: 401s: the probe's and the catalog's first try only" \
  "$(grep -- "-> 401" out/c-token.err | sed "s|.*registry: GET $C||; s| -> 401.*||" | tr '\n' ' ')" "/v2/ /v2/_catalog "
run c-wrong audit --registry "$C" --cert-dir "$CERTS" --creds "$CUSER:nope" --cache "$WORK/c-b"
expect_error c-wrong "layerscan: $C: 401 Unauthorized (check --creds)"

# ---- nothing secret in any output -------------------------------------------------------
leaks=0
secrets=("$BPASS" "$(printf '%s' "$BUSER:$BPASS" | base64 -w0)" "$CPASS" "$(printf '%s' "$CUSER:$CPASS" | base64 -w0)")
while read -r tok; do [ -n "$tok" ] && secrets+=("${tok##*.}"); done <"$TOKENS"
for s in "${secrets[@]}"; do
  if grep -rlF -- "$s" "$WORK/out" "$WORK"/c* partial.jsonl >/dev/null 2>&1; then
    fail "leak: a credential appears in $(grep -rlF -- "$s" "$WORK/out" "$WORK"/c* partial.jsonl | head -3 | tr '\n' ' ')"
    leaks=$((leaks + 1))
  fi
done
[ "$leaks" -eq 0 ] && ok "no password, credential or token (${#secrets[@]} checked) in any of $(ls out | wc -l) outputs or the caches"

echo "audit-registry: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
