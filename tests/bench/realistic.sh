#!/usr/bin/env bash
# tests/bench/realistic.sh [LAYERSCAN] - a realistic image scanned cold and warm.
#
# Never run by ctest. The image is the one tests/bench/precision_image.sh builds once (sourced
# here, same build, same place: tests/bench/out/precision-image/image, or
# BENCH_PRECISION_IMAGE_DIR/image): Debian 12 minbase, runtimes and servers installed by apt
# (python3 with the cloud SDKs, openjdk-17, nodejs, ruby, php, postgresql, nginx...), a
# node_modules of popular npm packages; 3 gzip layers. Building it needs root, buildah, npm
# and the network, the first time only.
# Then, round by round (every command once per round, so load drifts hit all alike), prints a
# Markdown table of median wall time, CPU (user+sys), peak RSS (/usr/bin/time) and MB/s of
# uncompressed layer tar for:
#   the decoder alone      igzip -dc (zstd -dcq, cat) of every layer blob in turn: the reference;
#   fully cold             scan --cache DIR with DIR empty: the rules compiled, every layer
#                          scanned, its result written to DIR/layers;
#   cold                   the same with the compiled rules cached and DIR/layers emptied;
#   no layer cache         plain `scan` (no --cache), the compiled rules cached;
#   warm                   scan --cache DIR again: every layer's result from DIR/layers (no
#                          layer blob is opened);
# "× ref CPU" is CPU over the decoder's CPU, "× ref wall" the same for wall time. It checks
# that the warm report equals the cold one but for stats.seconds and says so.
# Knobs: BENCH_REALISTIC_RUNS=3 (rounds), BENCH_REALISTIC_FULLY_COLD=1 (0 skips that row: it
# compiles the rules every round). Needs igzip (Debian isal), zstd, python3, /usr/bin/time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LS=${1:-$SRC/build/layerscan}
RUNS=${BENCH_REALISTIC_RUNS:-3}
FULLY_COLD=${BENCH_REALISTIC_FULLY_COLD:-1}
PDIR=${BENCH_PRECISION_IMAGE_DIR:-$HERE/out/precision-image}
OUT=$HERE/out/realistic
for t in igzip zstd python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "realistic.sh: $t is missing" >&2; exit 2; }
done
[ -x "$LS" ] || { echo "realistic.sh: $LS not built" >&2; exit 2; }
LS=$(cd "$(dirname "$LS")" && pwd)/$(basename "$LS")
mkdir -p "$OUT"

. "$HERE/precision_image.sh" # precision_image_ensure DIR: the build, once
precision_image_ensure "$PDIR"
IMG=$PRECISION_IMAGE
REF="oci:$IMG:precision"

# the layer blobs, each with the command that decodes it
python3 - "$IMG" >"$OUT/layers.tsv" <<'EOF'
import json, os, sys
img = sys.argv[1]
blob = lambda d: os.path.join(img, "blobs", *d.split(":", 1))
man = json.load(open(blob(json.load(open(os.path.join(img, "index.json")))["manifests"][0]["digest"])))
for l in man["layers"]:
    mt = l.get("mediaType", "")
    dec = "igzip -dc" if mt.endswith("gzip") else "zstd -dcq" if mt.endswith("zstd") else "cat"
    print(f"{dec}\t{blob(l['digest'])}\t{l['size']}")
EOF
decode_all=""
dec_names=""
comp=0
while IFS=$'\t' read -r dec path size; do
  decode_all+="$dec $(printf '%q' "$path"); "
  case "$dec_names" in *"$dec, "*) ;; *) dec_names+="$dec, " ;; esac
  comp=$((comp + size))
done <"$OUT/layers.tsv"
nlayers=$(wc -l <"$OUT/layers.tsv")
if [ "$(cat "$OUT/plain.key" 2>/dev/null)" != "$(md5sum <"$OUT/layers.tsv")" ]; then
  bash -c "$decode_all" | wc -c >"$OUT/plain.bytes"
  md5sum <"$OUT/layers.tsv" >"$OUT/plain.key"
fi
plain=$(cat "$OUT/plain.bytes")
MB=$(awk -v b="$plain" 'BEGIN { printf "%.0f", b / 1048576 }')

# ---- measuring (as run.sh) ----------------------------------------------------------
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run_once() { # CMD: WALL (s), CPU (user+sys s), RSS (KiB); exit 0 or 1 (findings) is success
  local s e st=0
  s=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$OUT/time" bash -c "$1" >/dev/null 2>"$OUT/stderr" || st=$?
  e=$(date +%s%N)
  if [ "$st" -gt 1 ]; then
    echo "realistic.sh: '$1' failed (exit $st):" >&2
    cat "$OUT/stderr" >&2
    exit 2
  fi
  WALL=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
  read -r u sy RSS < <(tail -1 "$OUT/time")
  CPU=$(awk -v a="$u" -v b="$sy" 'BEGIN { printf "%.3f", a + b }')
}

q() { printf '%q' "$1"; }
C=$(q "$OUT/cache")
RULES=$(q "$OUT/cache-rules")
LSQ=$(q "$LS")
scan="$LSQ scan --format json"
labels=() cmds=()
add() { labels+=("$1"); cmds+=("$2"); }
add "${dec_names%, } of every layer blob (the reference)" "$decode_all"
[ "$FULLY_COLD" = 1 ] && add "fully cold: --cache DIR, DIR empty (rules compiled)" "rm -rf $C; $scan --cache $C $(q "$REF")"
add "cold: --cache DIR, compiled rules cached, no layer result" \
  "rm -rf $C/layers; $scan --cache $C -o $(q "$OUT/cold.json") $(q "$REF")"
add "no layer cache: scan, compiled rules cached" "LAYERSCAN_CACHE_DIR=$RULES $scan $(q "$REF")"
add "warm: --cache DIR, every layer result cached" "$scan --cache $C -o $(q "$OUT/warm.json") $(q "$REF")"
# the compiled rules in both caches before the first round (the fully cold row drops them)
LAYERSCAN_CACHE_DIR="$OUT/cache-rules" "$LS" scan --format json "$SRC/samples/leaky-docker.tar" >/dev/null 2>&1 || true
rm -rf "$OUT/cache"
"$LS" scan --format json --cache "$OUT/cache" "$SRC/samples/leaky-docker.tar" >/dev/null 2>&1 || true

n=${#labels[@]}
declare -a walls cpus rss
for ((i = 0; i < n; i++)); do walls[i]=""; cpus[i]=""; rss[i]=0; done
for ((r = 0; r < RUNS; r++)); do
  for ((i = 0; i < n; i++)); do
    run_once "${cmds[i]}"
    walls[i]+="$WALL "
    cpus[i]+="$CPU "
    [ "$RSS" -gt "${rss[i]}" ] && rss[i]=$RSS
  done
done
rw=$(printf '%s\n' ${walls[0]} | med)
rc=$(printf '%s\n' ${cpus[0]} | med)

echo "### A realistic image: Debian 12 + apt runtimes + node_modules ($nlayers layers, $((comp >> 20)) MiB compressed, $MB MiB of tar; median of $RUNS round(s))"
echo
echo "| command | median wall s | MB/s | CPU s | × ref CPU | × ref wall | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for ((i = 0; i < n; i++)); do
  w=$(printf '%s\n' ${walls[i]} | med)
  c=$(printf '%s\n' ${cpus[i]} | med)
  xc="—" xw="—"
  if [ "$i" -gt 0 ]; then
    xc=$(awk -v a="$c" -v b="$rc" 'BEGIN { printf "%.2f", a / b }')
    xw=$(awk -v a="$w" -v b="$rw" 'BEGIN { printf "%.2f", a / b }')
  fi
  printf '| %s | %.3f | %.0f | %.2f | %s | %s | %d |\n' "${labels[i]}" "$w" \
    "$(awk -v m="$MB" -v s="$w" 'BEGIN { print (s > 0) ? m / s : 0 }')" "$c" "$xc" "$xw" "$((rss[i] / 1024))"
done
echo
python3 - "$OUT/cold.json" "$OUT/warm.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.get("stats", {}).pop("seconds", None)
same = "yes" if a == b else "NO (differs beyond stats.seconds)"
print(f"findings: {len(a.get('findings', []))}, suppressed: {len(a.get('suppressed', []))}; "
      f"warm report equal to the cold one but for stats.seconds: {same}")
EOF
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: BENCH_REALISTIC_RUNS=$RUNS BENCH_REALISTIC_FULLY_COLD=$FULLY_COLD tests/bench/realistic.sh $LS"
"$LS" --version | tr '\n' ';' | sed 's/;$/\n/'
