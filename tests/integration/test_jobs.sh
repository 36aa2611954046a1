#!/usr/bin/env bash
# test_jobs.sh LAYERSCAN SRCDIR WORKDIR
#
# Layers scanned in parallel give the same report as a sequential scan: the
# samples and multi-layer corpus images (including broken layers) are scanned
# with --jobs 1 and --jobs 4, and the JSON reports must be byte-identical once
# stats.seconds (wall time) is removed. Also: a warm compiled-rules cache gives
# the same report as --no-cache. Exit 1 on any difference.
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
check() { # name image [extra scan args]
  local name=$1 image=$2 rc1=0 rc4=0 rcn=0
  shift 2
  "${LS[@]}" scan --format json --show-secrets --jobs 1 "$@" "$image" >"$WORK/$name.j1.json" 2>"$WORK/$name.j1.err" || rc1=$?
  "${LS[@]}" scan --format json --show-secrets --jobs 4 "$@" "$image" >"$WORK/$name.j4.json" 2>"$WORK/$name.j4.err" || rc4=$?
  "${LS[@]}" scan --format json --show-secrets --jobs 4 --no-cache "$@" "$image" >"$WORK/$name.nc.json" 2>"$WORK/$name.nc.err" || rcn=$?
  if [ "$rc1" -ne "$rc4" ] || [ "$rc1" -ne "$rcn" ] || [ "$rc1" -eq 2 ]; then
    echo "FAIL $name: exit statuses $rc1 (--jobs 1) $rc4 (--jobs 4) $rcn (--no-cache)"
    fails=$((fails + 1))
    return
  fi
  strip_seconds "$WORK/$name.j1.json" >"$WORK/$name.j1.cmp"
  strip_seconds "$WORK/$name.j4.json" >"$WORK/$name.j4.cmp"
  strip_seconds "$WORK/$name.nc.json" >"$WORK/$name.nc.cmp"
  if ! cmp -s "$WORK/$name.j1.cmp" "$WORK/$name.j4.cmp" || ! cmp -s "$WORK/$name.j1.cmp" "$WORK/$name.nc.cmp"; then
    echo "FAIL $name: reports differ"
    diff "$WORK/$name.j1.cmp" "$WORK/$name.j4.cmp" | head -20 || true
    diff "$WORK/$name.j1.cmp" "$WORK/$name.nc.cmp" | head -20 || true
    fails=$((fails + 1))
    return
  fi
  echo "ok   $name"
}

check sample-docker "$SRC/samples/leaky-docker.tar"
check sample-oci "oci:$SRC/samples/leaky-oci"
for c in overwritten deleted-whiteout mixed-compression hostile-truncated hostile-flip hostile-missing-blob \
         identical-readd whiteout-recreate hardlink; do
  spec=$SRC/tests/corpus/$c/spec.json
  [ -f "$spec" ] || continue
  python3 "$SRC/tests/tools/mkimage.py" "$spec" "$WORK/$c.oci" --format oci
  check "$c" "oci:$WORK/$c.oci"
done

# A cache entry was written and reused.
if [ -z "$(ls "$WORK/cache")" ]; then
  echo "FAIL no compiled-rules cache entry written"
  fails=$((fails + 1))
fi
exit $((fails > 0))
