#!/usr/bin/env bash
# test_scoring.sh LAYERSCAN SRCDIR WORKDIR
#
# The scoring test: builds every labeled corpus case once (docker-archive, or
# the case's first form), scans it, and prints recall and precision over all
# labeled findings (tests/tools/score.py); fails below 0.98 either way.
# test_corpus.sh checks every case exactly in every form; this one measures.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
cases=()
for dir in "$SRC"/tests/corpus/*/; do
  name=$(basename "$dir")
  spec=$dir/spec.json
  # only cases whose scan succeeds in docker-archive form and carry findings
  form=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])).get("_test",{}); f=t.get("forms",["docker-archive"]); print("docker-archive" if "docker-archive" in f else "")' "$spec")
  [ -n "$form" ] || continue
  cw=$WORK/$name
  mkdir -p "$cw"
  cp "$dir/labels.json" "$cw/labels.json"
  python3 "$SRC/tests/tools/mkimage.py" "$spec" "$cw/image.tar" --format docker-archive >/dev/null 2>&1 || continue
  plat=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("_test",{}).get("scan_platform") or "")' "$spec")
  args=(scan --format json --show-secrets)
  if [ -n "$plat" ]; then args+=(--platform "$plat"); fi
  "${LS[@]}" "${args[@]}" "docker-archive:$cw/image.tar" >"$cw/report.json" 2>/dev/null || true
  cases+=("$cw")
done
python3 "$SRC/tests/tools/score.py" "${cases[@]}"
