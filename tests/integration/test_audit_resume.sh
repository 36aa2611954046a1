#!/usr/bin/env bash
# test_audit_resume.sh LAYERSCAN SRCDIR WORKDIR
#
# `audit --resume` and failed images: an image whose last line in the output
# is an error line is audited again (counted in the summary's `retried` and on
# stderr), an image whose last line is a report is skipped, and when an image
# has several lines the last one decides. An unfinished last line (a killed
# writer) is cut off and its image audited again. The image that fails is a
# file that is not there yet (an `io` error), then appears.
# Images: samples/leaky-docker.tar (8 layers, no layer digests: never taken
# from the layer cache, so every count below is exact).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
CHECK="python3 $SRC/tests/tools/audit_check.py"
# audit NAME WANT_EXIT ARGS...: stderr in NAME.err
audit() {
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" audit "$@" >"$WORK/$name.stdout" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
summaries() { grep -c '^{"summary"' "$1"; }

GOOD=$WORK/good.tar LATE=$WORK/late.tar
cp "$SRC/samples/leaky-docker.tar" "$GOOD"
printf '%s\n' "$GOOD" "$LATE" >list

# ---- 1: the late image is not there: an error line
audit run1 1 --jobs 1 --resume out.jsonl list
check "run 1: summary" $CHECK summary out.jsonl images=2 layers=8 layers_scanned=8 cache_hits=0 \
  findings.critical=9 errors=1 failed_images=1 resumed=0 retried=0
check "run 1: the late image has an io error line" $CHECK error out.jsonl "$LATE" io
cp out.jsonl after-run1.jsonl

# ---- 2: it is there now: retried, and reported
cp "$GOOD" "$LATE"
audit run2 1 --jobs 1 --resume out.jsonl list
check "run 2: only the failed image, counted as retried" $CHECK summary out.jsonl images=1 layers=8 \
  layers_scanned=8 findings.critical=9 errors=0 failed_images=0 resumed=1 retried=1
expect_eq "run 2: the retry appended after the first run" "$($CHECK refs out.jsonl | tr '\n' ' ')" "$GOOD $LATE $LATE "
expect_eq "run 2: two summaries" "$(summaries out.jsonl)" 2
expect_eq "run 2: stderr counts the retry" "$(grep -E '^  retried ' run2.err | tr -s ' ')" \
  " retried 1 (their last line in out.jsonl was an error)"
expect_eq "run 2: stderr table" "$(grep -E '^  images ' run2.err | tr -s ' ')" \
  " images 1 (0 could not be scanned, 1 skipped by --resume, 0 duplicates)"
python3 - out.jsonl "$LATE" <<'PY' && ok "run 2: the last line of the late image is a report" || bad "run 2: last line of the late image"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
mine = [l for l in lines if l.get("audit", {}).get("reference") == sys.argv[2]]
sys.exit(0 if len(mine) == 2 and "error" in mine[0] and "error" not in mine[1] and len(mine[1]["findings"]) == 12 else 1)
PY

# ---- 3: every image's last line is a report: nothing to do
audit run3 0 --jobs 1 --resume out.jsonl list
check "run 3: nothing to do" $CHECK summary out.jsonl images=0 layers=0 errors=0 resumed=2 retried=0
if grep -q '^  retried ' run3.err; then bad "run 3: a retried line with nothing retried"; else ok "run 3: no retried line"; fi

# ---- a retry killed while writing its line: cut off, and the image retried again
cp after-run1.jsonl killed.jsonl
# (through a file: `| head -c` would end the writer with SIGPIPE, fatal under pipefail)
sed -n 1p after-run1.jsonl | sed "s|$GOOD|$LATE|g" >late-line.jsonl
head -c 300 late-line.jsonl >>killed.jsonl
audit killed 1 --jobs 1 --resume killed.jsonl list
check "killed retry: retried again" $CHECK summary killed.jsonl images=1 layers=8 resumed=1 retried=1 errors=0
expect_eq "killed retry: the unfinished line is gone" "$($CHECK refs killed.jsonl | tr '\n' ' ')" "$GOOD $LATE $LATE "

# ---- the last line decides: a report, then an error for the same image
{ sed -n 1p after-run1.jsonl
  printf '{"report_version":1,"audit":{"reference":"%s"},"error":{"code":"io","message":"x"}}\n' "$GOOD"
  printf '{"report_version":1,"audit":{"reference":"%s"},"error":{"code":"io","message":"x"}}\n' "$LATE"
  sed -n 1p after-run1.jsonl | sed "s|$GOOD|$LATE|g"
} >last-wins.jsonl
audit last-wins 1 --jobs 1 --resume last-wins.jsonl list
check "last line wins: the good image (report, then error) retried, the late one (error, then report) skipped" \
  $CHECK summary last-wins.jsonl images=1 layers=8 resumed=1 retried=1 errors=0
expect_eq "last line wins: the good image appended" "$($CHECK refs last-wins.jsonl | tr '\n' ' ')" "$GOOD $GOOD $LATE $LATE $GOOD "

# ---- only error lines with an "error" object count as errors; summaries and junk are ignored
{ printf '%s\n' 'not json' '{"summary":{"images":1}}' '[1]'
  printf '{"audit":{"reference":"%s"},"error":null}\n' "$GOOD"
  printf '{"audit":{"reference":"%s"},"error":{"code":"io","message":"x"}}\n' "$LATE"
} >odd.jsonl
audit odd 1 --jobs 1 --resume odd.jsonl list
tail -n 1 odd.jsonl >odd-summary.jsonl
check "odd lines: a report-like line is done, an error line retried" $CHECK summary odd-summary.jsonl images=1 \
  resumed=1 retried=1 errors=0
expect_eq "odd lines: the late image appended" "$(tail -n 2 odd.jsonl | head -n 1 | $CHECK refs /dev/stdin)" "$LATE"

ls_test_finish "audit resume"
