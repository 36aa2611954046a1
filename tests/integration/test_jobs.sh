#!/usr/bin/env bash
# test_jobs.sh LAYERSCAN SRCDIR WORKDIR
#
# Layers scanned in parallel give the same report as a sequential scan: the
# samples and multi-layer corpus images (including broken layers) are scanned
# with --jobs 1 and --jobs 4, and the JSON reports must be byte-identical once
# stats.seconds (wall time) is removed. Also: a warm compiled-rules cache gives
# the same report as --no-cache: samples/leaky-docker.tar through
# `scan --no-cache --jobs 4`, and every image through one
# `audit --no-cache --show-secrets --jobs 4` over the whole list, whose image
# lines must each equal that image's --jobs 1 scan report (a --no-cache run
# compiles the whole rule set, about 35 s of CPU under ASan: one audit compiles
# it once for all eleven images). Exit 1 on any difference.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK/cache"
export LAYERSCAN_CACHE_DIR=$WORK/cache

strip_seconds() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["stats"].pop("seconds",None); print(json.dumps(r, indent=1, sort_keys=False))' "$1"
}

fails=0
: >"$WORK/scans.tsv" # image TAB its --jobs 1 report TAB its exit status, for the --no-cache audit
check() { # name image [--no-cache: also a scan --no-cache --jobs 4]
  local name=$1 image=$2 nocache=${3:-} rc1=0 rc4=0 rcn=0
  "${LS[@]}" scan --format json --show-secrets --jobs 1 "$image" >"$WORK/$name.j1.json" 2>"$WORK/$name.j1.err" || rc1=$?
  "${LS[@]}" scan --format json --show-secrets --jobs 4 "$image" >"$WORK/$name.j4.json" 2>"$WORK/$name.j4.err" || rc4=$?
  if [ -n "$nocache" ]; then
    "${LS[@]}" scan --format json --show-secrets --jobs 4 --no-cache "$image" >"$WORK/$name.nc.json" 2>"$WORK/$name.nc.err" || rcn=$?
  else
    rcn=$rc1
  fi
  if [ "$rc1" -ne "$rc4" ] || [ "$rc1" -ne "$rcn" ] || [ "$rc1" -eq 2 ]; then
    echo "FAIL $name: exit statuses $rc1 (--jobs 1) $rc4 (--jobs 4) $rcn (--no-cache)"
    fails=$((fails + 1))
    return
  fi
  printf '%s\t%s\t%s\n' "$image" "$WORK/$name.j1.json" "$rc1" >>"$WORK/scans.tsv"
  strip_seconds "$WORK/$name.j1.json" >"$WORK/$name.j1.cmp"
  strip_seconds "$WORK/$name.j4.json" >"$WORK/$name.j4.cmp"
  if [ -n "$nocache" ]; then strip_seconds "$WORK/$name.nc.json" >"$WORK/$name.nc.cmp"; else cp "$WORK/$name.j1.cmp" "$WORK/$name.nc.cmp"; fi
  if ! cmp -s "$WORK/$name.j1.cmp" "$WORK/$name.j4.cmp" || ! cmp -s "$WORK/$name.j1.cmp" "$WORK/$name.nc.cmp"; then
    echo "FAIL $name: reports differ"
    diff "$WORK/$name.j1.cmp" "$WORK/$name.j4.cmp" | head -20 || true
    diff "$WORK/$name.j1.cmp" "$WORK/$name.nc.cmp" | head -20 || true
    fails=$((fails + 1))
    return
  fi
  echo "ok   $name"
}

check sample-docker "$SRC/samples/leaky-docker.tar" --no-cache
check sample-oci "oci:$SRC/samples/leaky-oci"
for c in overwritten deleted-whiteout mixed-compression hostile-truncated hostile-flip hostile-missing-blob \
         identical-readd whiteout-recreate hardlink; do
  spec=$SRC/tests/corpus/$c/spec.json
  [ -f "$spec" ] || continue
  python3 "$SRC/tests/tools/mkimage.py" "$spec" "$WORK/$c.oci" --format oci
  check "$c" "oci:$WORK/$c.oci"
done

# Every image once more with the rules compiled afresh (--no-cache), in one
# audit: each image line (its "audit" member and stats.seconds aside) must be
# that image's --jobs 1 scan report, none an error line, every image there once
# and in list order, and each image's scan exit status the one its findings
# give (1 when there are findings, else 0: the default --fail-on).
cut -f1 "$WORK/scans.tsv" >"$WORK/list"
rc=0
"${LS[@]}" audit --no-cache --show-secrets --jobs 4 "$WORK/list" >"$WORK/nc.jsonl" 2>"$WORK/nc.err" || rc=$?
if [ "$rc" -eq 2 ]; then
  echo "FAIL --no-cache audit: exit 2: $(head -c 300 "$WORK/nc.err")"
  fails=$((fails + 1))
elif python3 - "$WORK/nc.jsonl" "$WORK/scans.tsv" <<'PY'; then
import json, sys
def canon(r, drop_audit):
    r = dict(r)
    if drop_audit:
        r.pop("audit", None)
    if isinstance(r.get("stats"), dict):
        r["stats"] = {k: v for k, v in r["stats"].items() if k != "seconds"}
    return json.dumps(r)
scans = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
lines = [json.loads(l) for l in open(sys.argv[1])]
images = [l for l in lines if "summary" not in l]
refs = [l.get("audit", {}).get("reference") for l in images]
if refs != [s[0] for s in scans]:
    sys.exit(f"FAIL --no-cache audit: image lines {refs}, expected {[s[0] for s in scans]}")
bad = 0
for line, (ref, path, rc) in zip(images, scans):
    want = json.load(open(path))
    if "error" in line or canon(line, True) != canon(want, False):
        print(f"FAIL --no-cache audit: the line of {ref} differs from its --jobs 1 scan report {path}")
        bad += 1
    elif int(rc) != (1 if want["findings"] else 0):
        print(f"FAIL {ref}: scan exit {rc} for {len(want['findings'])} finding(s)")
        bad += 1
sys.exit(1 if bad else 0)
PY
  echo "ok   --no-cache audit: every image's report as with the cached rules"
else
  fails=$((fails + 1))
fi

# A cache entry was written and reused.
if [ -z "$(ls "$WORK/cache")" ]; then
  echo "FAIL no compiled-rules cache entry written"
  fails=$((fails + 1))
fi
exit $((fails > 0))
