#!/usr/bin/env bash
# test_audit.sh LAYERSCAN SRCDIR WORKDIR
#
# `layerscan audit` and the layer result cache, on images built by
# tests/tools/mkimage.py that share a base layer holding a fake GitHub token:
#   img-a = base + app           (token present)
#   img-b = base + whiteout      (token deleted in layer 1: the shared layer
#                                  result is the same, the fate differs)
#   img-c = base + app + billing (token present, plus a Stripe key)
# Asserted: exact summary counts (images, layers, unique_layers,
# layers_scanned = unique layers, cache_hits, bytes_fetched, findings,
# errors); every image line equals `scan --format json` of that image minus
# timing; a warm cache scans 0 layers and opens no layer blob (the blobs are
# moved away); --jobs 2 gives the lines of --jobs 1, in input order; --resume
# over a partial output does only the rest; shards 0/2 and 1/2 (run at once,
# on one cache) cover the list exactly once; two concurrent audits on one
# cache are correct; corrupt, truncated and foreign cache entries are ignored
# and rewritten; broken layers and layers without a digest are never cached;
# a config naming another diff_id for a cached blob is reported like a scan;
# --no-cache leaves nothing behind; stdin input; exit statuses.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
CHECK="python3 $SRC/tests/tools/audit_check.py"
rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# check NAME COMMAND...: the command must succeed
check() {
  local name=$1
  shift
  if "$@" 2>"$WORK/check.err"; then ok "$name"; else bad "$name: $(cat "$WORK/check.err")"; fi
}
# audit NAME WANT_EXIT ARGS...: stdout in NAME.jsonl, stderr in NAME.err
audit() {
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" audit "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
expect_eq() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi
}

# ---------------------------------------------------------------- fixtures
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
own = {"compression": "gzip", "entries": [
    {"path": "opt", "type": "dir"}, {"path": "opt/only-here.txt", "type": "file", "content": "mine\n" * 50}]}
clean = {"compression": "gzip", "entries": [
    {"path": "usr", "type": "dir"}, {"path": "usr/README", "type": "file", "content": "nothing here\n"}]}

def spec(name, layers, cmds, **extra):
    s = {"name": "audit/" + name, "ref": "1.0", "os": "linux", "architecture": "amd64",
         "created": "2024-01-01T00:00:00Z", "config": {"Cmd": ["/bin/sh"]},
         "history": [{"created_by": "/bin/sh -c " + c} for c in cmds], "layers": layers}
    s.update(extra)
    return s

ADD, APP = "#(nop) ADD file:base in /", "#(nop) COPY dir:app in /app"
specs = {
    "img-a": spec("a", [base, app], [ADD, APP]),
    "img-b": spec("b", [base, rm], [ADD, "rm -f /root/.gitconfig"]),
    "img-c": spec("c", [base, app, billing], [ADD, APP, "#(nop) COPY dir:srv in /srv"]),
    # the base layer shared, its own top layer truncated: never cached
    "img-broken": spec("broken", [base, own], [ADD, "#(nop) COPY dir:opt in /opt"],
                       corrupt={"layer": 1, "kind": "truncate"}),
    # img-a's app layer truncated, under the app layer's own digest
    "img-broken-app": spec("broken-app", [base, app], [ADD, APP], corrupt={"layer": 1, "kind": "truncate"}),
    # the base blob, but the config names another diff_id for it
    "img-baddiff": spec("baddiff", [base, app], [ADD, APP], corrupt={"layer": 0, "kind": "bad_diff_id"}),
    "img-clean": spec("clean", [clean], ["#(nop) ADD file:clean in /"]),
}
for n, s in specs.items():
    with open(f"{out}/{n}.json", "w") as f:
        json.dump(s, f)
PY
for n in img-a img-b img-c img-broken img-broken-app img-baddiff img-clean; do
  python3 "$SRC/tests/tools/mkimage.py" "$WORK/$n.json" "$WORK/$n.oci" --format oci
done
python3 "$SRC/tests/tools/mkimage.py" "$WORK/img-a.json" "$WORK/img-a-legacy.tar" --format docker-archive

A="oci:$WORK/img-a.oci" B="$WORK/img-b.oci" C="oci:$WORK/img-c.oci:1.0" MISSING="$WORK/missing.tar"
cat >list <<EOF
# three images sharing a base layer, and one that is not there
$A

  $B
$C
$MISSING
EOF

# the layer digests of an OCI layout, one per line
layer_digests() {
  python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
idx = json.load(open(f"{d}/index.json"))
man = json.load(open(f"{d}/blobs/sha256/" + idx["manifests"][0]["digest"][7:]))
for l in man["layers"]:
    print(l["digest"])
PY
}
# bytes of the unique layer blobs of the three images
want_bytes=$(for i in a b c; do layer_digests "$WORK/img-$i.oci" | sed "s|^sha256:|$WORK/img-$i.oci/blobs/sha256/|"; done |
  python3 -c 'import os,sys; seen={}; [seen.setdefault(os.path.basename(p), os.path.getsize(p)) for p in sys.stdin.read().split()]; print(sum(seen.values()))')
BASE=$(layer_digests "$WORK/img-a.oci" | sed -n 1p)
APPL=$(layer_digests "$WORK/img-a.oci" | sed -n 2p)
expect_eq "the base layer is shared" "$(layer_digests "$WORK/img-b.oci" | sed -n 1p)" "$BASE"

# scan --format json of every reference, for comparison
: >scans.tsv
n=0
for ref in "$A" "$B" "$C" "$WORK/img-broken.oci" "$WORK/img-baddiff.oci" "$WORK/img-a-legacy.tar" \
           "$WORK/img-a.oci" "oci:$WORK/img-b.oci" "$WORK/img-c.oci" "oci:$WORK/img-a.oci:1.0" \
           "oci:$WORK/img-b.oci:1.0" "oci:$WORK/img-c.oci" "$WORK/img-broken-app.oci"; do
  n=$((n + 1))
  rc=0
  "${LS[@]}" scan --format json "$ref" >"scan$n.json" 2>/dev/null || rc=$?
  [ "$rc" -eq 1 ] || bad "scan $ref: exit $rc"
  printf '%s\t%s\n' "$ref" "$WORK/scan$n.json" >>scans.tsv
done

# ---------------------------------------------------------------- cold, warm
# c1 and the default directory start with no layer result and the compiled
# rules of the suite's cache, which the scans above read or wrote (a cold
# compile is slow under ASan and not tested here: test_dbcache, test_cache_trust)
mkdir -p c1 default
cp "${LAYERSCAN_CACHE_DIR:-/nonexistent}"/*.hsdb c1/ 2>/dev/null || true
cp "${LAYERSCAN_CACHE_DIR:-/nonexistent}"/*.hsdb default/ 2>/dev/null || true
audit cold 1 --cache "$WORK/c1" --jobs 2 list
# fresh cache roots get the compiled rules of c1 (compiling them again is slow, not tested here)
for d in c-j1 c-j2 c-resume c-shard c-conc c-nc c-ba c-ba2; do
  mkdir -p "$d"
  cp c1/*.hsdb "$d/"
done
check "cold: summary" $CHECK summary cold.jsonl images=4 layers=7 unique_layers=4 layers_scanned=4 \
  cache_hits=3 bytes_fetched="$want_bytes" findings.critical=4 findings.high=0 findings.medium=0 \
  findings.low=0 errors=1 failed_images=1 resumed=0 cache_rejected=0
check "cold: lines equal scan reports" $CHECK same-as-scan cold.jsonl scans.tsv
expect_eq "cold: lines in input order" "$($CHECK refs cold.jsonl | tr '\n' ' ')" "$A $B $C $MISSING "
check "cold: missing image has an error line" $CHECK error cold.jsonl "$MISSING" io
check "cold: token present in img-a" $CHECK fate cold.jsonl "$A" github-pat present null
check "cold: token deleted in img-b (shared layer, other fate)" $CHECK fate cold.jsonl "$B" github-pat deleted 1
check "cold: token present in img-c" $CHECK fate cold.jsonl "$C" github-pat present null
expect_eq "cold: 4 cache entries" "$(ls c1/layers | grep -c '\.lsl$')" 4
expect_eq "cold: stderr table" "$(grep -E '^  (images|unique layers|layers scanned|cache hits) ' cold.err | tr -s ' ')" \
  "$(printf ' images 4 (1 could not be scanned, 0 skipped by --resume, 0 duplicates)\n unique layers 4\n layers scanned 4\n cache hits 3')"

audit warm 1 --cache "$WORK/c1" --jobs 1 list
check "warm: 0 layers scanned" $CHECK summary warm.jsonl images=4 layers=7 unique_layers=4 layers_scanned=0 \
  cache_hits=7 bytes_fetched=0 findings.critical=4 errors=1
check "warm: same lines as cold" $CHECK same-lines warm.jsonl cold.jsonl
check "warm: lines equal scan reports" $CHECK same-as-scan warm.jsonl scans.tsv

# every layer cached: no layer blob is opened (they are moved away meanwhile)
mkdir -p stash
for d in $(layer_digests "$WORK/img-c.oci"); do mv "img-c.oci/blobs/sha256/${d#sha256:}" stash/; done
printf '%s\n' "$C" >list-c
audit noblobs 1 --cache "$WORK/c1" list-c
mv stash/* img-c.oci/blobs/sha256/
check "no blobs: 0 scanned, report intact" $CHECK summary noblobs.jsonl images=1 layers=3 layers_scanned=0 cache_hits=3 errors=0
check "no blobs: line equals scan" $CHECK same-as-scan noblobs.jsonl scans.tsv

# ---------------------------------------------------------------- --jobs
audit jobs1 1 --cache "$WORK/c-j1" --jobs 1 list
audit jobs2 1 --cache "$WORK/c-j2" --jobs 2 list
check "--jobs 1 and --jobs 2 give the same lines" $CHECK same-lines jobs1.jsonl jobs2.jsonl
check "--jobs 1 counts" $CHECK summary jobs1.jsonl layers_scanned=4 cache_hits=3
check "--jobs 2 counts" $CHECK summary jobs2.jsonl layers_scanned=4 cache_hits=3

# ---------------------------------------------------------------- stdin, duplicates, default dir
rc=0
printf '%s\n%s\n%s\n' "$A" "$A" "$B" | LAYERSCAN_CACHE_DIR="$WORK/default" "${LS[@]}" audit - >stdin.jsonl 2>stdin.err || rc=$?
expect_eq "stdin: exit" "$rc" 1
check "stdin: duplicates audited once" $CHECK summary stdin.jsonl images=2 layers=4 unique_layers=3 layers_scanned=3 cache_hits=1
expect_eq "stdin: default cache directory used" "$(ls default/layers | grep -c '\.lsl$')" 3

# ---------------------------------------------------------------- resume
head -n 1 cold.jsonl >partial.jsonl
sed -n 2p cold.jsonl >line2.jsonl # (a file: `| head -c` may end the writer with SIGPIPE)
head -c 150 line2.jsonl >>partial.jsonl # killed mid-line
audit resume 1 --cache "$WORK/c-resume" --resume partial.jsonl list
expect_eq "resume: nothing on stdout" "$(wc -c <resume.jsonl)" 0
check "resume: only the rest" $CHECK summary partial.jsonl images=3 layers=5 unique_layers=4 layers_scanned=4 \
  cache_hits=1 resumed=1 errors=1
expect_eq "resume: whole file in input order" "$($CHECK refs partial.jsonl | tr '\n' ' ')" "$A $B $C $MISSING "
check "resume: same lines as one run" $CHECK same-lines partial.jsonl cold.jsonl
cp cold.jsonl done.jsonl
audit resume-done 0 --cache "$WORK/c-resume" --resume done.jsonl -o done.jsonl list
# the missing image's line is an error: it is audited again (and fails again)
check "resume of a finished audit: only the failed image again" $CHECK summary done.jsonl images=1 layers=0 \
  layers_scanned=0 resumed=3 retried=1 failed_images=1 errors=1
head -n 5 done.jsonl >done-head.jsonl
check "resume of a finished audit: lines kept" $CHECK same-lines done-head.jsonl cold.jsonl
expect_eq "resume of a finished audit: the retry appended" "$($CHECK refs done.jsonl | tr '\n' ' ')" "$A $B $C $MISSING $MISSING "
audit resume-new 1 --cache "$WORK/c-resume" --resume new.jsonl list
check "resume into a new file: everything" $CHECK summary new.jsonl images=4 resumed=0 layers_scanned=0 cache_hits=7

# ---------------------------------------------------------------- shards, concurrency
# ten references (the same images spelled differently are different references)
printf '%s\n' "$A" "$B" "$C" "$MISSING" "$WORK/img-a.oci" "oci:$WORK/img-b.oci" "$WORK/img-c.oci" \
  "oci:$WORK/img-a.oci:1.0" "oci:$WORK/img-b.oci:1.0" "oci:$WORK/img-c.oci" >list10
rc0=0 rc1=0
"${LS[@]}" audit --cache "$WORK/c-shard" --shard 0/2 -o shard0.jsonl list10 2>shard0.err & p0=$!
"${LS[@]}" audit --cache "$WORK/c-shard" --shard 1/2 -o shard1.jsonl list10 2>shard1.err & p1=$!
wait $p0 || rc0=$?
wait $p1 || rc1=$?
expect_eq "shards: exit statuses" "$rc0 $rc1" "1 1"
s0=$($CHECK refs shard0.jsonl | sort) s1=$($CHECK refs shard1.jsonl | sort)
expect_eq "shards: together exactly the list" "$(printf '%s\n%s\n' "$s0" "$s1" | sort)" "$(sort list10)"
expect_eq "shards: no overlap" "$(comm -12 <(echo "$s0") <(echo "$s1") | wc -l)" 0
[ -n "$s0" ] && [ -n "$s1" ] && ok "shards: both non-empty" || bad "shards: one shard is empty"
# the documented function: FNV-1a 64 of the reference, modulo N
want0=$(python3 -c '
import sys
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) % (1 << 64)
    return h
print("\n".join(sorted(l for l in open(sys.argv[1]).read().splitlines() if fnv(l) % 2 == 0)))' list10)
expect_eq "shards: shard 0 is FNV-1a 64 mod 2 == 0" "$s0" "$want0"
check "shard 0 lines equal scan reports" $CHECK same-as-scan shard0.jsonl scans.tsv
check "shard 1 lines equal scan reports" $CHECK same-as-scan shard1.jsonl scans.tsv
# each process scans each layer at most once (the broken one is not shared across shards)
for s in 0 1; do
  python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().splitlines()[-1])["summary"]; sys.exit(0 if s["layers_scanned"] <= s["unique_layers"] else 1)' "shard$s.jsonl" &&
    ok "shard $s: no layer scanned twice" || bad "shard $s: a layer scanned twice"
done
audit shard-bad 2 --shard 2/2 list10
expect_eq "bad shard message" "$(cat shard-bad.err)" "layerscan: --shard 2/2: expected I/N with 0 <= I < N <= 65536"

rc0=0 rc1=0
"${LS[@]}" audit --cache "$WORK/c-conc" --jobs 2 -o conc0.jsonl list 2>conc0.err & p0=$!
"${LS[@]}" audit --cache "$WORK/c-conc" --jobs 2 -o conc1.jsonl list 2>conc1.err & p1=$!
wait $p0 || rc0=$?
wait $p1 || rc1=$?
expect_eq "concurrent audits: exit statuses" "$rc0 $rc1" "1 1"
check "concurrent audit 0: lines" $CHECK same-lines conc0.jsonl cold.jsonl
check "concurrent audit 1: lines" $CHECK same-lines conc1.jsonl cold.jsonl
audit conc-warm 1 --cache "$WORK/c-conc" list
check "after concurrent audits: warm" $CHECK summary conc-warm.jsonl layers_scanned=0 cache_hits=7 cache_rejected=0
expect_eq "no temporary files left" "$(ls -A c-conc/layers | grep -vc '\.lsl$' || true)" 0

# ---------------------------------------------------------------- damaged entries
entry() { ls c1/layers/"${1/:/-}".*.lsl; }
base_entry=$(entry "$BASE")
python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0x41; open(p,"wb").write(b)' "$base_entry"
audit flipped 1 --cache "$WORK/c1" list
check "flipped entry: ignored, base rescanned" $CHECK summary flipped.jsonl layers_scanned=1 cache_hits=6 cache_rejected=1
check "flipped entry: same lines" $CHECK same-lines flipped.jsonl cold.jsonl
audit rewritten 1 --cache "$WORK/c1" list
check "flipped entry: rewritten" $CHECK summary rewritten.jsonl layers_scanned=0 cache_hits=7 cache_rejected=0
truncate -s 40 "$base_entry"
audit truncated 1 --cache "$WORK/c1" list
check "truncated entry: ignored" $CHECK summary truncated.jsonl layers_scanned=1 cache_rejected=1
check "truncated entry: same lines" $CHECK same-lines truncated.jsonl cold.jsonl
cp "$(entry "$APPL")" "$base_entry" # another layer's entry under the base's name
audit foreign 1 --cache "$WORK/c1" list
check "foreign entry: ignored" $CHECK summary foreign.jsonl layers_scanned=1 cache_rejected=1
check "foreign entry: same lines" $CHECK same-lines foreign.jsonl cold.jsonl
audit repaired 1 --cache "$WORK/c1" list
check "after repairs: warm" $CHECK summary repaired.jsonl layers_scanned=0 cache_rejected=0

# ---------------------------------------------------------------- never cached
printf '%s\n' "$WORK/img-broken.oci" "$WORK/img-a-legacy.tar" >list-nc
audit uncacheable1 1 --cache "$WORK/c-nc" list-nc
audit uncacheable2 1 --cache "$WORK/c-nc" list-nc
# broken: base (cached) + truncated layer (always read); legacy: 2 layers without digest (always read)
check "uncacheable: cold" $CHECK summary uncacheable1.jsonl images=2 layers=4 layers_scanned=4 cache_hits=0
check "uncacheable: warm rescans all but the clean base" $CHECK summary uncacheable2.jsonl layers_scanned=3 cache_hits=1
check "uncacheable: lines equal scan reports" $CHECK same-as-scan uncacheable2.jsonl scans.tsv
# a local copy of a blob that no longer matches its name is not read again
# when its digest is cached: layers are identified by digest, as registries do
printf '%s\n' "$A" "$WORK/img-broken-app.oci" >list-ba
audit by-digest 1 --cache "$WORK/c-ba" --jobs 1 list-ba
check "by digest: the app layer of img-broken-app comes from the cache" $CHECK summary by-digest.jsonl \
  images=2 layers=4 unique_layers=2 layers_scanned=2 cache_hits=2 errors=0
printf '%s\n' "$WORK/img-broken-app.oci" >list-ba2
audit by-digest-nc 1 --cache "$WORK/c-ba2" list-ba2
check "by digest: without the cached layer the corruption is reported as by scan" $CHECK same-as-scan by-digest-nc.jsonl scans.tsv
printf '%s\n' "$WORK/img-baddiff.oci" >list-bd
audit baddiff 1 --cache "$WORK/c1" list-bd
check "other diff_id for a cached blob: line equals scan (mismatch reported)" $CHECK same-as-scan baddiff.jsonl scans.tsv
check "other diff_id: base read again" $CHECK summary baddiff.jsonl layers_scanned=1 cache_hits=1 errors=1

# ---------------------------------------------------------------- --no-cache
mkdir -p nc-tmp
rc=0
LAYERSCAN_CACHE_DIR="$WORK/nc-root" TMPDIR="$WORK/nc-tmp" "${LS[@]}" audit --no-cache list >nocache.jsonl 2>nocache.err || rc=$?
expect_eq "--no-cache: exit" "$rc" 1
check "--no-cache: shared layers still scanned once" $CHECK summary nocache.jsonl layers_scanned=4 cache_hits=3
check "--no-cache: same lines" $CHECK same-lines nocache.jsonl cold.jsonl
expect_eq "--no-cache: nothing in the cache directory" "$(ls -A nc-root 2>/dev/null | wc -l)" 0
expect_eq "--no-cache: temporary directory removed" "$(ls -A nc-tmp | wc -l)" 0

# ---------------------------------------------------------------- exit statuses
printf '%s\n' "$WORK/img-clean.oci" >list-clean
audit clean 0 --cache "$WORK/c1" list-clean
check "clean: summary" $CHECK summary clean.jsonl images=1 findings.critical=0 errors=0
audit fail-on 1 --cache "$WORK/c1" --fail-on critical list
# the scan policy applies per image: a baseline of img-c's secrets suppresses them everywhere
rc=0
"${LS[@]}" baseline create "$C" -o baseline.json 2>/dev/null || rc=$?
expect_eq "baseline create: exit" "$rc" 0
audit baseline 0 --cache "$WORK/c1" --baseline baseline.json list
check "baseline: findings suppressed, images clean" $CHECK summary baseline.jsonl images=4 findings.critical=0 errors=1
expect_eq "baseline: suppressed per image" "$(python3 -c 'import json,sys; print(*[len(l.get("suppressed",[])) for l in map(json.loads, open(sys.argv[1])) if "summary" not in l])' baseline.jsonl)" "1 1 2 0"

# the progress line: on a terminal only
if grep -q 'audit: [0-9]*/[0-9]* images' cold.err; then bad "progress line in a pipe"; else ok "no progress line in a pipe"; fi
if command -v script >/dev/null; then
  env -u CI script -qec "${LS[*]} audit --cache $WORK/c1 -o $WORK/tty.jsonl $WORK/list" /dev/null >tty.out </dev/null || true
  grep -q 'audit: 4/4 images  0 layers scanned  7 from cache  1 errors' tty.out && ok "progress line on a terminal" ||
    bad "no progress line on a terminal"
  check "terminal: same lines" $CHECK same-lines tty.jsonl cold.jsonl
else
  bad "script(1) is not installed (bsdutils)"
fi
printf '# nothing\n\n' >list-empty
audit empty 0 --cache "$WORK/c1" list-empty
check "empty list: zero summary" $CHECK summary empty.jsonl images=0 layers=0 unique_layers=0 layers_scanned=0
expect_eq "empty list: only the summary line" "$(wc -l <empty.jsonl)" 1
audit no-list 2 --cache "$WORK/c1" "$WORK/nope.txt"
expect_eq "no list: message" "$(cat no-list.err)" "layerscan: $WORK/nope.txt: cannot read the image list: No such file or directory"
{ echo "$A"; head -c 5000 /dev/zero | tr '\0' x; echo; } >list-long
audit long-line 2 --cache "$WORK/c1" list-long
expect_eq "long line: message" "$(cat long-line.err)" "layerscan: list-long:2: line longer than 4096 bytes"
printf '%s\n' "$A" "bad$(printf '\033')ref" >list-ctl
audit ctl 2 --cache "$WORK/c1" list-ctl
expect_eq "control character: message" "$(cat ctl.err)" "layerscan: list-ctl:2: control character in an image reference"
expect_eq "unusable list: no output" "$(wc -c <ctl.jsonl)" 0
# a registry that is not there (port 1 refuses): the list is unusable, one line naming it
audit registry 2 --registry 127.0.0.1:1 --tls-verify=false
expect_eq "--registry unreachable: one line" "$(wc -l <registry.err)" 1
grep -q "^layerscan: 127.0.0.1:1: " registry.err && ok "--registry unreachable: names the registry" || bad "--registry: $(cat registry.err)"
audit repos-alone 2 --repos 'app*' list
expect_eq "--repos without --registry" "$(cat repos-alone.err)" "layerscan: --repos filters a registry walk: give --registry HOST"
audit resume-o 2 --resume a.jsonl -o b.jsonl list
audit format 2 --format text list
audit two-lists 2 list list
rc=0
"${LS[@]}" scan --shard 0/2 "$A" >/dev/null 2>scan-shard.err || rc=$?
expect_eq "scan --shard: exit" "$rc" 2
expect_eq "scan --shard: message" "$(cat scan-shard.err)" "layerscan: --shard is an option of audit only"

exit $((fails > 0))
