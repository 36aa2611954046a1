#!/usr/bin/env bash
# tests/bench/run.sh [LAYERSCAN] - throughput, start-up and memory benchmark.
#
# Never run by ctest. Builds deterministic inputs under tests/bench/out/ from
# this machine's own files (reused on the next run if the sizes match), then
# prints one Markdown table: for each input layerscan's median wall time and
# MB/s (of uncompressed tar), the decode-only baselines timed in the same run
# (gzip -dc, igzip -dc, zstd -dc, cat), layerscan's time as a ratio of the
# fastest baseline, and peak RSS (/usr/bin/time); then compile-vs-cached
# start-up and --jobs 1 vs --jobs 2 on a 6-layer image.
#
# Scale (environment):
#   BENCH_MB=500        the /usr tar (gzip -6, zstd -3, plain)
#   BENCH_LAYER_MB=500  each of the 6 layers of the multi-layer image
#   BENCH_BIG_MB=2048   the layer holding one big file
#   BENCH_SMALL_N=500000  the layer of small files
#   BENCH_RUNS=3        runs per measurement (median)
# Needs: gzip, igzip (Debian package isal), zstd, python3, /usr/bin/time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LS=${1:-$SRC/build/layerscan}
OUT=$HERE/out
MB=${BENCH_MB:-500}
LAYER_MB=${BENCH_LAYER_MB:-500}
BIG_MB=${BENCH_BIG_MB:-2048}
SMALL_N=${BENCH_SMALL_N:-500000}
RUNS=${BENCH_RUNS:-3}
export LAYERSCAN_CACHE_DIR=$OUT/cache
mkdir -p "$OUT"
for t in gzip igzip zstd python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (.ci/install-deps --test)" >&2; exit 2; }
done
[ -x "$LS" ] || { echo "bench: $LS not built" >&2; exit 2; }

# ---- inputs -----------------------------------------------------------------
# usr_tar OUT MB SKIP_MB: a tar of regular files of /usr (name order), starting
# after SKIP_MB of them, until MB are in. Fixed metadata: same machine, same tar.
usr_tar() {
  local out=$1 mb=$2 skip=$3
  [ -f "$out" ] && [ "$(cat "$out.mb" 2>/dev/null)" = "$mb/$skip" ] && return 0
  find /usr -xdev -type f -readable -size -64M -printf '%s %p\n' 2>/dev/null | LC_ALL=C sort -k2 |
    awk -v lim=$((mb << 20)) -v skip=$((skip << 20)) '{ s += $1; if (s > skip && s - skip <= lim) { sub(/^[0-9]+ /, ""); print } }' \
    >"$out.list"
  tar --no-recursion --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out" -T "$out.list" 2>/dev/null
  echo "$mb/$skip" >"$out.mb"
}
compress() { # file -> file.gz (gzip -6) and file.zst (zstd -3), if stale
  [ "$1.gz" -nt "$1" ] || gzip -6 -n -c "$1" >"$1.gz"
  [ "$1.zst" -nt "$1" ] || zstd -3 -q -f -c "$1" >"$1.zst"
}

echo "building inputs in $OUT (BENCH_MB=$MB BENCH_LAYER_MB=$LAYER_MB BENCH_BIG_MB=$BIG_MB BENCH_SMALL_N=$SMALL_N)" >&2
usr_tar "$OUT/usr.tar" "$MB" 0
compress "$OUT/usr.tar"
layers=()
for i in 0 1 2 3 4 5; do
  usr_tar "$OUT/layer$i.tar" "$LAYER_MB" $((i * LAYER_MB))
  [ "$OUT/layer$i.tar.gz" -nt "$OUT/layer$i.tar" ] || gzip -6 -n -c "$OUT/layer$i.tar" >"$OUT/layer$i.tar.gz"
  layers+=("$OUT/layer$i.tar.gz")
done
if [ ! -f "$OUT/six/index.json" ] || [ "$OUT/layer5.tar.gz" -nt "$OUT/six/index.json" ]; then
  rm -rf "$OUT/six"
  python3 "$HERE/mkoci.py" "$OUT/six" "${layers[@]}"
fi
if [ "$(cat "$OUT/big.mb" 2>/dev/null)" != "$BIG_MB" ]; then
  mkdir -p "$OUT/bigroot/data"
  # one file of real /usr bytes repeated: compresses like real content
  while [ "$(stat -c %s "$OUT/bigroot/data/big.bin" 2>/dev/null || echo 0)" -lt $((BIG_MB << 20)) ]; do
    cat "$OUT/usr.tar" >>"$OUT/bigroot/data/big.bin"
  done
  truncate -s $((BIG_MB << 20)) "$OUT/bigroot/data/big.bin"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$OUT/bigroot" -cf - data | gzip -6 -n >"$OUT/big.tar.gz"
  rm -rf "$OUT/bigroot"
  echo "$BIG_MB" >"$OUT/big.mb"
fi
if [ "$(cat "$OUT/small.n" 2>/dev/null)" != "$SMALL_N" ]; then
  python3 "$HERE/mksmall.py" "$OUT/small.tar" "$SMALL_N"
  gzip -6 -n -c "$OUT/small.tar" >"$OUT/small.tar.gz"
  echo "$SMALL_N" >"$OUT/small.n"
fi

# ---- measuring --------------------------------------------------------------
# measure CMD...: runs it RUNS times (output discarded); sets MED (median wall
# seconds) and RSS (peak RSS of the worst run, MiB).
measure() {
  local t=() i s e r rss=0
  for ((i = 0; i < RUNS; i++)); do
    s=$(date +%s%N)
    /usr/bin/time -f %M -o "$OUT/rss" "$@" >/dev/null 2>"$OUT/stderr" || true
    e=$(date +%s%N)
    t+=($(((e - s) / 1000)))
    r=$(tail -1 "$OUT/rss")
    [ "$r" -gt "$rss" ] && rss=$r
  done
  MED=$(printf '%s\n' "${t[@]}" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m / 1e6 }')
  RSS=$((rss / 1024))
}
size_mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
plain_bytes() { # uncompressed size of a layer
  case $1 in
    *.gz) gzip -dc "$1" | wc -c ;;
    *.zst) zstd -dcq "$1" | wc -c ;;
    *) stat -c %s "$1" ;;
  esac
}

echo "| input | MB | command | median s | MB/s | × fastest decode | peak RSS MiB |"
echo "|---|---:|---|---:|---:|---:|---:|"
row() { # input mb label best_baseline_s
  printf '| %s | %s | %s | %s | %.0f | %s | %s |\n' "$1" "$2" "$3" "$MED" \
    "$(awk -v m="$2" -v s="$MED" 'BEGIN { print m / s }')" \
    "$( [ -n "$4" ] && awk -v a="$MED" -v b="$4" 'BEGIN { printf "%.2f", a / b }' || echo —)" "$RSS"
}
bench_layer() { # name file baselines...
  local name=$1 f=$2 mb best="" b
  shift 2
  mb=$(size_mb "$(plain_bytes "$f")")
  local rows=()
  for b in "$@"; do
    measure $b "$f"
    row "$name" "$mb" "\`$b\`" ""
    if [ -z "$best" ] || awk -v a="$MED" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$MED; fi
  done
  measure "$LS" scan --format json "$f"
  row "$name" "$mb" "layerscan" "$best"
  measure env LAYERSCAN_DECODE_THREAD=0 "$LS" scan --format json "$f"
  row "$name" "$mb" "layerscan, no decode thread" "$best"
}

"$LS" scan --format json "$SRC/samples/leaky-docker.tar" >/dev/null || true # warm the rules cache
bench_layer "/usr tar.gz" "$OUT/usr.tar.gz" "gzip -dc" "igzip -dc"
bench_layer "/usr tar.zst" "$OUT/usr.tar.zst" "zstd -dcq"
bench_layer "/usr tar" "$OUT/usr.tar" "cat"
bench_layer "one big file, gz" "$OUT/big.tar.gz" "igzip -dc"
bench_layer "$SMALL_N small files, gz" "$OUT/small.tar.gz" "igzip -dc"

six_mb=0
for l in "${layers[@]}"; do six_mb=$((six_mb + $(plain_bytes "$l"))); done
six_mb=$(size_mb "$six_mb")
measure sh -c "for f in $OUT/layer?.tar.gz; do igzip -dc \$f; done"
row "6-layer image (gz)" "$six_mb" "igzip -dc, each layer in turn" ""
best=$MED
measure "$LS" scan --format json --jobs 1 "oci:$OUT/six"
row "6-layer image (gz)" "$six_mb" "layerscan --jobs 1" "$best"
j1=$MED
measure "$LS" scan --format json --jobs 2 "oci:$OUT/six"
row "6-layer image (gz)" "$six_mb" "layerscan --jobs 2" "$best"
echo
echo "--jobs 2 vs --jobs 1 on the 6-layer image: $(awk -v a="$j1" -v b="$MED" 'BEGIN { printf "%.2f", a / b }')× faster"
echo
echo "| start-up: samples/leaky-docker.tar | median ms | peak RSS MiB |"
echo "|---|---:|---:|"
measure sh -c "rm -rf '$OUT/cache-cold'; LAYERSCAN_CACHE_DIR='$OUT/cache-cold' '$LS' scan --format json '$SRC/samples/leaky-docker.tar'"
printf '| cold cache (compile + write cache) | %.0f | %s |\n' "$(awk -v s="$MED" 'BEGIN { print s * 1000 }')" "$RSS"
measure "$LS" scan --format json --no-cache "$SRC/samples/leaky-docker.tar"
printf '| --no-cache (compile) | %.0f | %s |\n' "$(awk -v s="$MED" 'BEGIN { print s * 1000 }')" "$RSS"
measure "$LS" scan --format json "$SRC/samples/leaky-docker.tar"
printf '| warm cache | %.0f | %s |\n' "$(awk -v s="$MED" 'BEGIN { print s * 1000 }')" "$RSS"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(. /etc/os-release && echo "$PRETTY_NAME"); runs=$RUNS"
"$LS" --version | tr '\n' ';' | sed 's/;$/\n/'
