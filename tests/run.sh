#!/usr/bin/env bash
# The test command: installs what is missing (Debian 12), builds, runs ctest.
#   tests/run.sh             release build in build/
#   tests/run.sh --sanitize  ASan + UBSan build in build-asan/ (no recovery)
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/install-deps --test
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DLAYERSCAN_SANITIZE=ON >/dev/null
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  dir=build
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
