#!/usr/bin/env bash
# test_recall.sh LAYERSCAN SRCDIR WORKDIR
# One secret of each kind issue 3 names (tests/tools/gen_recall.py), each in
# the file it usually lives in: the scan must report exactly the expected
# rule(s) per file, all present, no other finding, no error -- from the plain
# layer and from the same layer gzip-compressed.
set -euo pipefail
LS=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
python3 "$SRC/tests/tools/gen_recall.py" "$WORK"
gzip -n -k -6 "$WORK/layer.tar"
fails=0
for form in layer.tar layer.tar.gz; do
  rc=0
  "$LS" scan --format json "$WORK/$form" >"$WORK/$form.json" 2>"$WORK/$form.err" || rc=$?
  if [ "$rc" != 1 ]; then
    echo "FAIL $form: exit $rc"; sed 's/^/    /' "$WORK/$form.err"; fails=$((fails + 1)); continue
  fi
  if python3 - "$WORK/$form.json" "$WORK/expected.json" <<'PY'
import collections, json, sys
rep = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
got = collections.defaultdict(list)
bad = []
for f in rep["findings"]:
    got[f["path"]].append(f["rule"])
    if f["status"] != "present" or f["layer"] != 0:
        bad.append("%s %s: status %s layer %s" % (f["path"], f["rule"], f["status"], f["layer"]))
got = {p: sorted(r) for p, r in got.items()}
for p in sorted(set(want) | set(got)):
    if want.get(p) != got.get(p):
        bad.append("%s: expected %s, got %s" % (p, want.get(p), got.get(p)))
if rep["errors"]:
    bad.append("errors: %r" % rep["errors"])
for b in bad:
    print("    " + b)
print("    %d kinds, %d findings" % (len(want), len(rep["findings"])))
sys.exit(1 if bad else 0)
PY
  then echo "ok   $form: every kind found by its rule"; else echo "FAIL $form"; fails=$((fails + 1)); fi
done
echo "recall: $fails failure(s)"
exit $((fails > 0))
