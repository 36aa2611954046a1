#!/usr/bin/env bash
# tests/bench/rules.sh [RULES...] - what the rule library costs: compile, scan speed, start-up.
#
# Never run by ctest. RULES: rule files or directories (default $LAYERSCAN_PATTERNS, else
# this tree's patterns/). Builds layerscan-rulebench (tests/bench/rulebench.c) and layerscan
# in $BENCH_BUILD, makes the plain /usr tar of tests/bench/run.sh (the same file, shared), then
# prints Markdown:
#   1. the rules' JSON load, the cold compile (wall and CPU), the first start (compile and
#      write the cache entry) and the warm load of the compiled database (layerscan-rulebench);
#   2. the Hyperscan union database alone over the tar in streaming mode, 64 KiB per call:
#      MB/s per wall and per CPU second, raw hits (median of BENCH_RUNS);
#   3. leave-one-file-out: the same scan without each rule file, fastest first (a file that
#      speeds the union up far more than the others holds a rule without a usable literal:
#      then `layerscan-rulebench --rules DIR --input TAR --loo-rules DIR/FILE.json` names the
#      rule);
#   4. start-up of the CLI: `layerscan scan --format json samples/leaky-docker.tar` with a
#      warm rules cache and with --no-cache (wall and CPU, median of BENCH_RUNS).
# On a shared machine wall times move with the load: compare the CPU columns, and
# compare two rule sets (before/after) in runs taken close together.
#
# Knobs (environment):
#   BENCH_MB=500        the /usr tar (as tests/bench/run.sh)
#   BENCH_RUNS=5        runs per median (union scan, start-up)
#   BENCH_COMPILE_RUNS=3  cold compiles (median)
#   BENCH_LOO=1         0 skips the leave-one-file-out table (about 3-6 s per rule file)
#   BENCH_LOO_RUNS=3    scans per left-out file (median)
#   BENCH_BUILD=build   the build directory (configured RelWithDebInfo if missing)
#   LAYERSCAN=...       the CLI for the start-up rows (default $BENCH_BUILD/layerscan)
#   BENCH_OUT=tests/bench/out  where the /usr tar is kept: point it at another tree's out/ to
#                       scan the very same tar (/usr changes when packages are installed)
# Before/after: `LAYERSCAN_PATTERNS=/tmp/patterns-before tests/bench/rules.sh`, then
# `tests/bench/rules.sh` (the tree's patterns).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_OUT:-$HERE/out}
MB=${BENCH_MB:-500}
RUNS=${BENCH_RUNS:-5}
COMPILE_RUNS=${BENCH_COMPILE_RUNS:-3}
LOO=${BENCH_LOO:-1}
LOO_RUNS=${BENCH_LOO_RUNS:-3}
BUILD=${BENCH_BUILD:-$SRC/build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
mkdir -p "$OUT"
for t in cmake python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "rules.sh: $t is missing" >&2; exit 2; }
done

rules=("$@")
if [ ${#rules[@]} -eq 0 ]; then
  rules=("${LAYERSCAN_PATTERNS:-$SRC/patterns}")
fi
for r in "${rules[@]}"; do
  [ -e "$r" ] || { echo "rules.sh: $r: no such file or directory" >&2; exit 2; }
done

# ---- build ----------------------------------------------------------------------
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "rules.sh: configuring $BUILD" >&2
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=\(RelWithDebInfo\|Release\)$' "$BUILD/CMakeCache.txt" ||
  echo "rules.sh: warning: $BUILD is not an optimised build (CMAKE_BUILD_TYPE)" >&2
grep -q '^LAYERSCAN_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" &&
  echo "rules.sh: warning: $BUILD is a sanitizer build: the figures mean nothing" >&2
echo "rules.sh: building layerscan-rulebench and layerscan in $BUILD (-j2)" >&2
cmake --build "$BUILD" -j2 --target layerscan-rulebench layerscan >"$OUT/rules-build.log" 2>&1 ||
  { tail -30 "$OUT/rules-build.log" >&2; echo "rules.sh: build failed ($OUT/rules-build.log)" >&2; exit 2; }
BENCH=$BUILD/tests/layerscan-rulebench
LS=${LAYERSCAN:-$BUILD/layerscan}
[ -x "$BENCH" ] || { echo "rules.sh: $BENCH not built (LAYERSCAN_TESTS=OFF?)" >&2; exit 2; }
[ -x "$LS" ] || { echo "rules.sh: $LS not built" >&2; exit 2; }

# ---- the input: the plain /usr tar, exactly as tests/bench/run.sh makes it -----------
. "$HERE/usr_tar.sh" # usr_tar OUT MB SKIP_MB
echo "rules.sh: the /usr tar in $OUT (BENCH_MB=$MB)" >&2
usr_tar "$OUT/usr.tar" "$MB" 0

# ---- 1-3: layerscan-rulebench ------------------------------------------------------
args=()
for r in "${rules[@]}"; do args+=(--rules "$r"); done
args+=(--input "$OUT/usr.tar" --runs "$RUNS" --compile-runs "$COMPILE_RUNS" --loo-runs "$LOO_RUNS")
[ "$LOO" = 1 ] && args+=(--loo)
echo "rules.sh: $BENCH ${args[*]}" >&2
"$BENCH" "${args[@]}"

# ---- 4: start-up of the CLI ----------------------------------------------------------
# Timed by python3 around each process: wall (perf_counter) and the child's CPU
# (getrusage, microseconds; /usr/bin/time has a 10 ms resolution).
cli=("$LS" scan --format json --no-default-rules)
for r in "${rules[@]}"; do cli+=(--rules "$r"); done
export LAYERSCAN_CACHE_DIR=$OUT/cache-rules
rm -rf "$LAYERSCAN_CACHE_DIR"
echo
echo "### Start-up of the CLI: \`layerscan scan --format json samples/leaky-docker.tar\` (median of $RUNS, interleaved)"
echo
python3 - "$RUNS" "$SRC/samples/leaky-docker.tar" "${cli[@]}" <<'EOF'
import resource, statistics, subprocess, sys, time
runs, sample, cli = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def once(extra):
    cmd = [cli[0], "--version"] if extra == ["--version"] else cli + extra + [sample]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode > 1:
        sys.exit("rules.sh: %s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode, p.stderr.decode(errors="replace")))
    return wall * 1e3, (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1e3
once([])  # writes the cache entry
kinds = (("warm", []), ("--no-cache (compile)", ["--no-cache"]),
         ("`layerscan --version` (process start, 49 shared libraries: the floor)", ["--version"]))
rows = {label: ([], []) for label, _ in kinds}
for _ in range(runs):
    for label, extra in kinds:
        w, c = once(extra)
        rows[label][0].append(w)
        rows[label][1].append(c)
print("| run | wall ms | CPU ms | wall ms, min |")
print("|---|---:|---:|---:|")
for label, (w, c) in rows.items():
    print("| %s | %.1f | %.1f | %.1f |" % (label, statistics.median(w), statistics.median(c), min(w)))
EOF
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rules: ${rules[*]} ($(cd "$SRC" && git rev-parse --short HEAD 2>/dev/null || echo '?') is this tree's commit)"
echo "command: BENCH_MB=$MB BENCH_RUNS=$RUNS BENCH_COMPILE_RUNS=$COMPILE_RUNS BENCH_LOO=$LOO BENCH_LOO_RUNS=$LOO_RUNS tests/bench/rules.sh ${*:-}"
"$LS" --version | tr '\n' ';' | sed 's/;$/\n/'
