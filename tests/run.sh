#!/usr/bin/env bash
# The test command: installs what is missing (Debian 12), builds, runs ctest.
#   tests/run.sh             release build in build/
#   tests/run.sh --sanitize  ASan + UBSan build in build-asan/ (no recovery)
#   tests/run.sh --tsan      ThreadSanitizer build in build-tsan/, the tests that run
#                            threads only (--jobs with the decoder and hash threads,
#                            audit and its shared cache, registry workers); unit.test_blob
#                            is left out (its large blobs take over 5 min under TSan and
#                            test_jobs runs the same threads); suppressions in tests/tsan.supp
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/install-deps --test
# python3 resolved once, to the interpreter it names now: the tests call it
# thousands of times, and a version manager's shim in PATH (pyenv's forks some
# 40 processes per call, about 0.5 s of CPU) would cost more than the calls
pybin=$(mktemp -d)
trap 'rm -rf "$pybin"' EXIT
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$pybin/python3"
export PATH="$pybin:$PATH"
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DLAYERSCAN_SANITIZE=ON >/dev/null
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
elif [ "${1:-}" = "--tsan" ]; then
  dir=build-tsan
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLAYERSCAN_TSAN=ON >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp"
  ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" \
    -R 'test_jobs|test_audit|test_layer_cache|test_blob_decoders|test_registry'
  exit
else
  dir=build
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
