#!/usr/bin/env bash
# Fuzzes every target with libFuzzer for SECONDS each (default 30).
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
# Builds with clang into build-fuzz/ (-DLAYERSCAN_FUZZ=ON: libFuzzer + ASan +
# UBSan). Starts from the committed corpus; new inputs go to
# build-fuzz/corpus/<target>, crashes to build-fuzz/crashes/. Exits 1 if any
# target crashed: add the crash file to tests/fuzz/corpus/<target>/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
shift || true
command -v clang >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null; }
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DLAYERSCAN_FUZZ=ON >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c)
    [ "$n" = fuzz_common ] || targets+=("$n")
  done
fi
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null
mkdir -p build-fuzz/crashes
fails=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t
  mkdir -p "$work"
  if build-fuzz/tests/"$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
      -artifact_prefix=build-fuzz/crashes/"$t"- "$work" tests/fuzz/corpus/"$t" \
      >build-fuzz/"$t".log 2>&1; then
    echo "ok   $t ($(grep -o 'Done [0-9]* runs' build-fuzz/"$t".log | awk '{print $2}') runs in ${secs}s)"
  else
    echo "FAIL $t: see build-fuzz/$t.log"
    tail -30 build-fuzz/"$t".log | sed 's/^/    /'
    fails=$((fails + 1))
  fi
done
exit $((fails > 0))
