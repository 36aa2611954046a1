#!/usr/bin/env bash
# tests/bench/run.sh [LAYERSCAN] - throughput, start-up, memory and peers benchmark.
#
# Never run by ctest. Builds deterministic inputs under tests/bench/out/ from
# this machine's own files (reused on the next run if the sizes match):
# a tar of /usr (plain, gzip -6, zstd -3), a 6-layer OCI image of such tars,
# a layer holding one big file, a layer of many small files, and the /usr tar
# extracted to a tree for the peers. Then prints Markdown tables:
#   1. per input: layerscan's median wall time, MB/s of uncompressed tar, CPU
#      time and peak RSS (/usr/bin/time) by default, with --jobs 1 (one
#      layer at a time: the same as the default for a one-layer input), with
#      no decoder or hashing thread (LAYERSCAN_DECODE_THREAD=0) and, for the
#      plain tar, read instead of mapped (LAYERSCAN_MMAP=0), and the gzip and plain
#      /usr blobs as one-layer OCI images (digests vouch for them: no gzip CRC-32),
#      beside the decode-only baselines
#      (gzip -dc, igzip -dc, zstd -dc, cat) timed in the same run, every
#      command taking its turn in each round so load drifts hit all alike;
#      "× ref" is the median wall time over the reference decoder's;
#   2. the 6-layer image: one thread, --jobs 1, --jobs 2;
#   3. start-up: compiling the rules vs the cached database;
#   4. peers on the extracted tree: git-secrets --scan -r, yara -r -N with a
#      handful of rules, secretlint on a subset (it is slow), and layerscan on
#      the same bytes as a tar (layerscan reads images and layer tars, not
#      directories);
#   5. a realistic image, cold and warm (tests/bench/realistic.sh, BENCH_REALISTIC);
#   6. bulk audit throughput and requests per image (tests/bench/audit_throughput.sh,
#      BENCH_AUDIT).
#
# Scale and knobs (environment):
#   BENCH_MB=500          the /usr tar (plain, gzip -6, zstd -3) and the peers' tree
#   BENCH_LAYER_MB=500    each of the 6 layers of the multi-layer image
#   BENCH_BIG_MB=2048     the layer holding one big file
#   BENCH_SMALL_N=500000  the layer of small files
#   BENCH_RUNS=5          rounds per table (medians)
#   BENCH_PEERS=1         0 skips the peers
#   BENCH_PEER_RUNS=1     rounds for the peers (they are slow)
#   BENCH_SUBSET_MB=20    the secretlint subset
#   BENCH_INSTALL=1       install missing peers (apt-get: git-secrets yara;
#                         npm into tests/bench/out/npm: secretlint); 0 = report them missing
#   BENCH_REALISTIC=1     0 skips section 5: tests/bench/realistic.sh, the image of
#                         precision_image.sh (Debian 12, apt runtimes, node_modules; built
#                         once: root, buildah, npm, network) scanned fully cold, cold (rules
#                         cached), warm (layer results cached) against igzip -dc of its layers
#                         (its own knobs: BENCH_REALISTIC_RUNS, BENCH_REALISTIC_FULLY_COLD)
#   BENCH_AUDIT=1         0 skips section 6: tests/bench/audit_throughput.sh, `layerscan audit`
#                         of 200 images sharing base layers in a local docker-registry, cold
#                         and warm: images/min, CPU, requests per image by class (its own
#                         knobs: BENCH_AUDIT_N, BENCH_AUDIT_BASE_MB, BENCH_AUDIT_JOBS,
#                         BENCH_AUDIT_AUTH, BENCH_AUDIT_RUNS, BENCH_AUDIT_FULLY_COLD)
# Both also run alone (same arguments); a section that cannot run (no root or network to
# build the image, no docker-registry) says so and the others go on.
# The rule library's own costs (compile, union-database speed, leave-one-file-out, start-up):
# tests/bench/rules.sh; its findings on real clean content: tests/bench/precision.sh.
# A quick run: BENCH_MB=100 BENCH_LAYER_MB=30 BENCH_BIG_MB=256 BENCH_SMALL_N=50000 BENCH_RUNS=3
# Needs: gzip, igzip (Debian package isal), zstd, python3, /usr/bin/time (.ci/install-deps --test).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LS=${1:-$SRC/build/layerscan}
OUT=$HERE/out
MB=${BENCH_MB:-500}
LAYER_MB=${BENCH_LAYER_MB:-500}
BIG_MB=${BENCH_BIG_MB:-2048}
SMALL_N=${BENCH_SMALL_N:-500000}
RUNS=${BENCH_RUNS:-5}
PEERS=${BENCH_PEERS:-1}
PEER_RUNS=${BENCH_PEER_RUNS:-1}
SUBSET_MB=${BENCH_SUBSET_MB:-20}
INSTALL=${BENCH_INSTALL:-1}
export LAYERSCAN_CACHE_DIR=$OUT/cache
mkdir -p "$OUT"
for t in gzip igzip zstd python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "bench: $t is missing (.ci/install-deps --test)" >&2; exit 2; }
done
[ -x "$LS" ] || { echo "bench: $LS not built" >&2; exit 2; }
LS=$(cd "$(dirname "$LS")" && pwd)/$(basename "$LS")

# ---- inputs -----------------------------------------------------------------
. "$HERE/usr_tar.sh" # usr_tar OUT MB SKIP_MB
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
# the /usr blobs again as one-layer images: a layer the image's digests vouch
# for (the gzip CRC-32 is then not computed; a bare file keeps it)
for c in gz tar; do
  f=$OUT/usr.tar; [ $c = gz ] && f=$OUT/usr.tar.gz
  if [ ! -f "$OUT/one-$c/index.json" ] || [ "$f" -nt "$OUT/one-$c/index.json" ]; then
    rm -rf "$OUT/one-$c"
    python3 "$HERE/mkoci.py" "$OUT/one-$c" "$f"
  fi
done
if [ "$(cat "$OUT/big.mb" 2>/dev/null)" != "$BIG_MB" ]; then
  mkdir -p "$OUT/bigroot/data"
  rm -f "$OUT/bigroot/data/big.bin"
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
med() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# run_once CMD: one run of the shell command CMD (output discarded); sets
# WALL (s), CPU (user+sys s), RSS (KiB). Exit status 0 or 1 (findings) is
# success; anything else stops the benchmark with the command's stderr.
run_once() {
  local s e st
  s=$(date +%s%N)
  st=0
  /usr/bin/time -f '%U %S %M' -o "$OUT/time" bash -c "$1" >/dev/null 2>"$OUT/stderr" || st=$?
  e=$(date +%s%N)
  if [ "$st" -gt 1 ]; then
    echo "bench: '$1' failed (exit $st):" >&2
    cat "$OUT/stderr" >&2
    exit 2
  fi
  WALL=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')
  read -r u sy RSS < <(tail -1 "$OUT/time")
  CPU=$(awk -v a="$u" -v b="$sy" 'BEGIN { printf "%.2f", a + b }')
}

# bench INPUT MB REF_LABEL ROUNDS LABEL CMD [LABEL CMD]...: every command once per
# round, rounds interleaved; then one row per command, its median wall time
# also left in MEDS[LABEL].
declare -A MEDS
bench() {
  local input=$1 mb=$2 ref=$3 rounds=$4 i r
  shift 4
  local labels=() cmds=()
  while [ $# -gt 0 ]; do labels+=("$1"); cmds+=("$2"); shift 2; done
  local n=${#labels[@]} walls=() cpus=() rss=()
  for ((i = 0; i < n; i++)); do walls[i]=""; cpus[i]=""; rss[i]=0; done
  for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < n; i++)); do
      run_once "${cmds[i]}"
      walls[i]+="$WALL "
      cpus[i]+="$CPU "
      [ "$RSS" -gt "${rss[i]}" ] && rss[i]=$RSS
    done
  done
  for ((i = 0; i < n; i++)); do
    MEDS[${labels[i]}]=$(printf '%s\n' ${walls[i]} | med)
  done
  for ((i = 0; i < n; i++)); do
    local w=${MEDS[${labels[i]}]} c ratio
    c=$(printf '%s\n' ${cpus[i]} | med)
    ratio="—"
    [ -n "$ref" ] && [ "${labels[i]}" != "$ref" ] && ratio=$(awk -v a="$w" -v b="${MEDS[$ref]}" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %s | %s | %.3f | %.0f | %s | %s | %s |\n' "$input" "$mb" "${labels[i]}" "$w" \
      "$(awk -v m="$mb" -v s="$w" 'BEGIN { print (s > 0) ? m / s : 0 }')" "$c" "$ratio" "$((rss[i] / 1024))"
  done
}
size_mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
plain_bytes() { # uncompressed size of a layer
  case $1 in
    *.gz) gzip -dc "$1" | wc -c ;;
    *.zst) zstd -dcq "$1" | wc -c ;;
    *) stat -c %s "$1" ;;
  esac
}
q() { printf '%q' "$1"; }
LSQ=$(q "$LS")
one_thread="LAYERSCAN_DECODE_THREAD=0 $LSQ scan --format json --jobs 1"

"$LS" scan --format json "$SRC/samples/leaky-docker.tar" >/dev/null || true # warm the rules cache

echo "### Layers (median of $RUNS rounds; MB = uncompressed tar, MiB)"
echo
echo "| input | MB | command | median wall s | MB/s | CPU s | × ref | peak RSS MiB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
f=$(q "$OUT/usr.tar.gz")
bench "/usr tar.gz" "$(size_mb "$(plain_bytes "$OUT/usr.tar.gz")")" "igzip -dc" "$RUNS" \
  "gzip -dc" "gzip -dc $f" "igzip -dc" "igzip -dc $f" \
  "layerscan" "$LSQ scan --format json $f" "layerscan --jobs 1" "$LSQ scan --format json --jobs 1 $f" \
  "layerscan, one thread" "$one_thread $f" \
  "layerscan, as a 1-layer image" "$LSQ scan --format json $(q "oci:$OUT/one-gz")"
f=$(q "$OUT/usr.tar.zst")
bench "/usr tar.zst" "$(size_mb "$(plain_bytes "$OUT/usr.tar.zst")")" "zstd -dc" "$RUNS" \
  "zstd -dc" "zstd -dcq $f" \
  "layerscan" "$LSQ scan --format json $f" "layerscan --jobs 1" "$LSQ scan --format json --jobs 1 $f" \
  "layerscan, one thread" "$one_thread $f"
f=$(q "$OUT/usr.tar")
bench "/usr tar" "$(size_mb "$(plain_bytes "$OUT/usr.tar")")" "cat" "$RUNS" \
  "cat" "cat $f" \
  "layerscan" "$LSQ scan --format json $f" "layerscan, read not mapped" "LAYERSCAN_MMAP=0 $LSQ scan --format json $f" \
  "layerscan, one thread" "$one_thread $f" \
  "layerscan, as a 1-layer image" "$LSQ scan --format json $(q "oci:$OUT/one-tar")"
f=$(q "$OUT/big.tar.gz")
bench "one big file, gz" "$(size_mb "$(plain_bytes "$OUT/big.tar.gz")")" "igzip -dc" "$RUNS" \
  "igzip -dc" "igzip -dc $f" \
  "layerscan" "$LSQ scan --format json $f" "layerscan, one thread" "$one_thread $f"
f=$(q "$OUT/small.tar.gz")
bench "$SMALL_N small files, gz" "$(size_mb "$(plain_bytes "$OUT/small.tar.gz")")" "igzip -dc" "$RUNS" \
  "igzip -dc" "igzip -dc $f" \
  "layerscan" "$LSQ scan --format json $f" "layerscan, one thread" "$one_thread $f"

six_bytes=0
for l in "${layers[@]}"; do six_bytes=$((six_bytes + $(plain_bytes "$l"))); done
six=$(q "oci:$OUT/six")
echo
echo "### A 6-layer image (gzip layers), $(nproc) cores"
echo
echo "| input | MB | command | median wall s | MB/s | CPU s | × ref | peak RSS MiB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
bench "6-layer image" "$(size_mb "$six_bytes")" "layerscan, one thread" "$RUNS" \
  "igzip -dc, each layer in turn" "for f in $(q "$OUT")/layer?.tar.gz; do igzip -dc \$f; done" \
  "layerscan, one thread" "$one_thread $six" \
  "layerscan --jobs 1" "$LSQ scan --format json --jobs 1 $six" \
  "layerscan --jobs 2" "$LSQ scan --format json --jobs 2 $six"
echo
printf -- '--jobs 2 is %.2f× one thread (no decoder thread) and %.2f× --jobs 1 (with its decoder thread); the igzip row is decoding alone, for scale.\n' \
  "$(awk -v a="${MEDS[layerscan, one thread]}" -v b="${MEDS[layerscan --jobs 2]}" 'BEGIN { print a / b }')" \
  "$(awk -v a="${MEDS[layerscan --jobs 1]}" -v b="${MEDS[layerscan --jobs 2]}" 'BEGIN { print a / b }')"

sample=$(q "$SRC/samples/leaky-docker.tar")
cold=$(q "$OUT/cache-cold")
echo
echo "### Start-up: samples/leaky-docker.tar (median of $RUNS; includes a bash -c)"
echo
echo "| input | MB | command | median wall s | MB/s | CPU s | × ref | peak RSS MiB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
bench "sample image" "$(size_mb "$(stat -c %s "$SRC/samples/leaky-docker.tar")")" "warm cache" "$RUNS" \
  "cold cache (compile + write cache)" "rm -rf $cold; LAYERSCAN_CACHE_DIR=$cold $LSQ scan --format json $sample" \
  "--no-cache (compile)" "$LSQ scan --format json --no-cache $sample" \
  "warm cache" "$LSQ scan --format json $sample"

# ---- peers --------------------------------------------------------------------
have_secretlint() { [ -x "$OUT/npm/node_modules/.bin/secretlint" ]; }
if [ "$PEERS" = 1 ]; then
  if [ "$INSTALL" = 1 ]; then
    missing=""
    command -v git-secrets >/dev/null || missing="$missing git-secrets"
    command -v yara >/dev/null || missing="$missing yara"
    if [ -n "$missing" ] && [ "$(id -u)" = 0 ]; then
      echo "bench: installing$missing" >&2
      apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null 2>&1 || true
    fi
    if ! have_secretlint && command -v npm >/dev/null; then
      echo "bench: installing secretlint (npm) into $OUT/npm" >&2
      npm install --prefix "$OUT/npm" --no-audit --no-fund --loglevel=error \
        secretlint @secretlint/secretlint-rule-preset-recommend >/dev/null 2>&1 || true
    fi
  fi
  # the tree: usr.tar extracted; the subset: its first SUBSET_MB of files, as a tree and a tar
  if [ "$(cat "$OUT/tree.mb" 2>/dev/null)" != "$MB" ]; then
    rm -rf "$OUT/tree" && mkdir -p "$OUT/tree" && tar -xf "$OUT/usr.tar" -C "$OUT/tree"
    echo "$MB" >"$OUT/tree.mb"
  fi
  if [ "$(cat "$OUT/subset.mb" 2>/dev/null)" != "$MB/$SUBSET_MB" ]; then
    (cd "$OUT/tree" && find . -type f -printf '%s %P\n' | LC_ALL=C sort -k2 |
      awk -v lim=$((SUBSET_MB << 20)) '{ s += $1; if (s <= lim) { sub(/^[0-9]+ /, ""); print } }') >"$OUT/subset.list"
    rm -rf "$OUT/subset" && mkdir -p "$OUT/subset"
    tar -C "$OUT/tree" --no-recursion --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
      -cf "$OUT/subset.tar" -T "$OUT/subset.list"
    tar -xf "$OUT/subset.tar" -C "$OUT/subset"
    echo "$MB/$SUBSET_MB" >"$OUT/subset.mb"
  fi
  # a handful of YARA rules, the shapes every scanner knows
  cat >"$OUT/peers.yar" <<'EOF'
rule aws_access_key_id { strings: $a = /(AKIA|ASIA)[0-9A-Z]{16}/ condition: $a }
rule private_key { strings: $a = "-----BEGIN RSA PRIVATE KEY-----" $b = "-----BEGIN OPENSSH PRIVATE KEY-----" $c = "-----BEGIN EC PRIVATE KEY-----" $d = "-----BEGIN PRIVATE KEY-----" condition: any of them }
rule github_token { strings: $a = /gh[pousr]_[A-Za-z0-9]{36}/ condition: $a }
rule slack_token { strings: $a = /xox[baprs]-[0-9A-Za-z-]{10,48}/ condition: $a }
rule stripe_key { strings: $a = /[rs]k_live_[0-9a-zA-Z]{24}/ condition: $a }
rule password_assignment { strings: $a = /[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]\s*[=:]\s*["'][^"'\s]{8,64}["']/ condition: $a }
EOF
  export GIT_CONFIG_GLOBAL=$OUT/gitconfig # git-secrets' patterns, never the user's config
  [ -f "$GIT_CONFIG_GLOBAL" ] || { command -v git-secrets >/dev/null && git secrets --register-aws --global >/dev/null 2>&1 || true; }
  tree_mb=$(size_mb "$(du -sb "$OUT/tree" | cut -f1)")
  subset_mb=$(size_mb "$(du -sb "$OUT/subset" | cut -f1)")
  args=("layerscan, the same files as a tar" "$LSQ scan --format json $(q "$OUT/usr.tar")")
  unavailable=""
  command -v git-secrets >/dev/null && args+=("git secrets --scan -r (AWS patterns)" "cd $(q "$OUT") && git secrets --scan -r tree") ||
    unavailable="$unavailable git-secrets"
  command -v yara >/dev/null && args+=("yara -r -N (6 rules)" "yara -r -N $(q "$OUT/peers.yar") $(q "$OUT/tree")") ||
    unavailable="$unavailable yara"
  echo
  echo "### Peers on the same files: /usr tree of $(find "$OUT/tree" -type f | wc -l) files (median of $PEER_RUNS)"
  echo
  echo "| input | MB | command | median wall s | MB/s | CPU s | × ref | peak RSS MiB |"
  echo "|---|---:|---|---:|---:|---:|---:|---:|"
  bench "/usr tree" "$tree_mb" "layerscan, the same files as a tar" "$PEER_RUNS" "${args[@]}"
  args=("layerscan, the same files as a tar" "$LSQ scan --format json $(q "$OUT/subset.tar")")
  if have_secretlint; then
    echo '{"rules":[{"id":"@secretlint/secretlint-rule-preset-recommend"}]}' >"$OUT/secretlintrc.json"
    args+=("secretlint (preset-recommend)" "cd $(q "$OUT") && ./npm/node_modules/.bin/secretlint --secretlintrc secretlintrc.json 'subset/**/*'")
  else
    unavailable="$unavailable secretlint"
  fi
  bench "subset: $(wc -l <"$OUT/subset.list") files" "$subset_mb" "layerscan, the same files as a tar" "$PEER_RUNS" "${args[@]}"
  if [ -n "$unavailable" ]; then
    echo
    echo "unavailable peers (not installed):$unavailable"
  fi
fi

# ---- realistic image, bulk audit (scripts of their own) -----------------------------
if [ "${BENCH_REALISTIC:-1}" = 1 ]; then
  echo
  "$HERE/realistic.sh" "$LS" || echo "realistic image: not measured (tests/bench/realistic.sh exit $?)"
fi
if [ "${BENCH_AUDIT:-1}" = 1 ]; then
  echo
  "$HERE/audit_throughput.sh" "$LS" || echo "bulk audit: not measured (tests/bench/audit_throughput.sh exit $?)"
fi

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(free -g | awk '/Mem:/ { print $2 }') GiB; $(. /etc/os-release && echo "$PRETTY_NAME"); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: BENCH_MB=$MB BENCH_LAYER_MB=$LAYER_MB BENCH_BIG_MB=$BIG_MB BENCH_SMALL_N=$SMALL_N BENCH_RUNS=$RUNS BENCH_PEERS=$PEERS BENCH_SUBSET_MB=$SUBSET_MB BENCH_REALISTIC=${BENCH_REALISTIC:-1} BENCH_AUDIT=${BENCH_AUDIT:-1} tests/bench/run.sh"
"$LS" --version | tr '\n' ';' | sed 's/;$/\n/'
