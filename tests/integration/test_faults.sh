#!/usr/bin/env bash
# test_faults.sh LAYERSCAN SRCDIR WORKDIR
#
# Fault injection through the LD_PRELOAD shim tests/fault/faultshim.c (its
# path in $LAYERSCAN_FAULT_SHIM, set by tests/CMakeLists.txt), judged by
# tests/tools/fault_drive.py: every run ends with exit 0/1 and the normal
# output, or exit 2 and exactly one "layerscan: ..." line on stderr; never a
# signal, an exit >= 128, a sanitizer report or a hang (60 s per run).
#   - the Nth allocation fails, for N = 1..FIRST and then every STRIDE-th N up
#     to the number of allocations the command makes (counted by the shim
#     first): scan --format json of samples/leaky-docker.tar, an audit of two
#     images over a warm layer cache, extract of one file;
#   - every Kth read/pread fails with EINTR or reads short (files read, not
#     mapped): the output must be exactly the normal one;
#   - writes failing with ENOSPC, short writes, fsync and rename failing: on
#     extract's output file (ENOSPC: exit 2, file removed; short: same bytes)
#     and on the layer cache (the audit's lines are unchanged);
#   - a report to a full device (/dev/full): exit 2, one line.
# Under ASan (ASAN_OPTIONS set) the shim sits in front of the sanitizer's
# allocator (verify_asan_link_order=0) and the same runs apply, plus leak
# checks; fewer N are tried there (LS_FAULT_SCALE) to keep the time bounded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
: "${LAYERSCAN_FAULT_SHIM:?the shim library (set by tests/CMakeLists.txt)}"
[ -f "$LAYERSCAN_FAULT_SHIM" ] || { echo "FAIL no shim at $LAYERSCAN_FAULT_SHIM"; exit 1; }
DRIVE="python3 $SRC/tests/tools/fault_drive.py"
drive() { if $DRIVE "$@"; then :; else fails=$((fails + 1)); fi; }

# a private cache with the compiled rules of the suite's cache (compiling is slow)
mkdir -m 700 cache
cp "${LAYERSCAN_CACHE_DIR:-/nonexistent}"/*.hsdb cache/ 2>/dev/null || true
export LAYERSCAN_CACHE_DIR=$WORK/cache
LEAKY=$SRC/samples/leaky-docker.tar
printf '%s\n' "$LEAKY" "$SRC/samples/leaky-oci" >list
rc=0
"${LS[@]}" audit --jobs 1 --cache "$WORK/cache" -o warm.jsonl list 2>warm.err || rc=$?
[ "$rc" -eq 1 ] && ok "warm-up audit: exit 1" || bad "warm-up audit: exit $rc: $(cat warm.err)"

# ASan runs are several times slower: fewer N, same rule
if [ -n "${ASAN_OPTIONS:-}" ]; then S=4; else S=1; fi
# An allocation that fails while the compiled-rules cache is loaded makes the
# run compile the rules instead (a correct outcome): about 45 s of CPU under
# ASan for the whole rule set, more on a loaded machine. A hang is a run
# past this bound.
if [ -n "${ASAN_OPTIONS:-}" ]; then export LS_FAULT_TIMEOUT=${LS_FAULT_TIMEOUT:-300}; fi
FIRST_SCAN=$((240 / S)) STRIDE_SCAN=$((160 * S))
FIRST_AUDIT=$((60 / S)) STRIDE_AUDIT=$((400 * S))
FIRST_EXTRACT=$((120 / S)) STRIDE_EXTRACT=$((60 * S))

# ---- allocation failures
drive alloc scan report "$FIRST_SCAN" "$STRIDE_SCAN" -- "${LS[@]}" scan --format json "$LEAKY"
drive alloc audit jsonl "$FIRST_AUDIT" "$STRIDE_AUDIT" -- "${LS[@]}" audit --jobs 1 --cache "$WORK/cache" list
LS_FAULT_OUT=$WORK/extracted drive alloc extract extract "$FIRST_EXTRACT" "$STRIDE_EXTRACT" -- \
  "${LS[@]}" extract "$LEAKY" --layer 4 --path /app/.env -o '{OUT}'

# ---- EINTR and short reads: invisible
for k in 1 2 3 7; do
  drive env "scan, every ${k}th read disturbed" same LS_FAULT_NFS=1 LS_FAULT_READ=$k -- \
    "${LS[@]}" scan --format json "$LEAKY"
  drive env "scan oci, every ${k}th read disturbed" same LS_FAULT_NFS=1 LS_FAULT_READ=$k -- \
    "${LS[@]}" scan --format json "$SRC/samples/leaky-oci"
  drive env "audit, every ${k}th read disturbed" same LS_FAULT_NFS=1 LS_FAULT_READ=$k -- \
    "${LS[@]}" audit --jobs 1 --cache "$WORK/cache" list
  LS_FAULT_OUT=$WORK/extracted drive env "extract, every ${k}th read disturbed" extract LS_FAULT_NFS=1 \
    LS_FAULT_READ=$k -- "${LS[@]}" extract "$LEAKY" --layer 4 --path /app/.env -o '{OUT}'
done

# ---- writes
LS_FAULT_OUT=$WORK/extracted drive env "extract, disk full" fail LS_FAULT_WRITE=1 -- \
  "${LS[@]}" extract "$LEAKY" --layer 4 --path /app/.env -o '{OUT}'
LS_FAULT_OUT=$WORK/extracted drive env "extract, short writes" extract LS_FAULT_WRITE_SHORT=1 -- \
  "${LS[@]}" extract "$LEAKY" --layer 4 --path /app/.env -o '{OUT}'
for fault in LS_FAULT_WRITE=1 LS_FAULT_WRITE_SHORT=1 LS_FAULT_FSYNC=1 LS_FAULT_RENAME=1; do
  rm -rf cold && mkdir -m 700 cold && cp cache/*.hsdb cold/
  drive env "audit into a cold cache, $fault" jsonl "$fault" -- "${LS[@]}" audit --jobs 1 --cache "$WORK/cold" list
done
rc=0
"${LS[@]}" scan --format json "$LEAKY" >/dev/full 2>full.err || rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <full.err)" -eq 1 ] && grep -q '^layerscan: ' full.err; then
  ok "report to /dev/full: exit 2, one line"
else
  bad "report to /dev/full: exit $rc: $(cat full.err)"
fi
rc=0
"${LS[@]}" audit --jobs 1 --cache "$WORK/cache" list >/dev/full 2>full-audit.err || rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <full-audit.err)" -eq 1 ] && grep -q '^layerscan: ' full-audit.err; then
  ok "audit to /dev/full: exit 2, one line"
else
  bad "audit to /dev/full: exit $rc: $(cat full-audit.err)"
fi

ls_test_finish "faults"
