#!/usr/bin/env bash
# test_nested_cli.sh LAYERSCAN SRCDIR WORKDIR
#
# The nested-content limits as flags: each moves the line the labeled corpus
# cases (defaults) draw. Builds two corpus images and checks exact findings
# and errors with jq-free python one-liners.
set -euo pipefail
LS=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
fails=0

py() { python3 -c "$@"; }
python3 "$SRC/tests/tools/mkimage.py" "$SRC/tests/corpus/nested-too-deep/spec.json" "$WORK/deep.tar" --format docker-archive
python3 "$SRC/tests/tools/mkimage.py" "$SRC/tests/corpus/nested-jar-present/spec.json" "$WORK/jar.tar" --format docker-archive

check() { # name, then a python expression over report r that must be true
  local name=$1 expr=$2
  if py "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($expr) else 1)" "$WORK/report.json"; then
    echo "ok   $name"
  else
    echo "FAIL $name"; py "import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({'findings':[(f['rule'],f['path'],f['status']) for f in r['findings']],'errors':r['errors']},indent=1))" "$WORK/report.json" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
}

scan() { "$LS" scan --format json --show-secrets "$@" >"$WORK/report.json" || [ $? -eq 1 ]; }

# depth 4: the chain's last zip is opened, its member found by name, no error
scan --max-nested-depth 4 "$WORK/deep.tar"
check "depth 4 opens l3.zip" \
  "sorted(f['path'] for f in r['findings']) == ['/app/chain.zip!/l1.zip!/l2.zip!/l3.zip!/secret.txt', '/app/chain.zip!/l1.zip!/l2.zip!/mid.env'] and r['errors'] == []"
# depth 1: only chain.zip is opened; l1.zip is scanned as bytes: the stored secret.txt is found in it,
# the deflated mid.env is not
scan --max-nested-depth 1 "$WORK/deep.tar"
check "depth 1 stops at l1.zip" \
  "[(f['rule'], f['path']) for f in r['findings']] == [('github-pat', '/app/chain.zip!/l1.zip')] and [(e['path'], e['message']) for e in r['errors']] == [('/app/chain.zip!/l1.zip', '/app/chain.zip!/l1.zip: nested archive exceeds depth 1 (--max-nested-depth): scanned as bytes')]"
# one entry per archive: the jar stops after its manifest; the raw fallback finds the stored member's token
scan --max-nested-entries 1 "$WORK/jar.tar"
check "entries 1" \
  "[(f['rule'], f['path']) for f in r['findings']] == [('npm-token', '/app/app.jar')] and [e['message'] for e in r['errors']] == ['/app/app.jar: nested archive exceeds 1 entries (--max-nested-entries)']"
# 1 KiB of output: the jar stops inside its second member
scan --max-nested-bytes 1K "$WORK/jar.tar"
check "bytes 1K" \
  "[e['message'] for e in r['errors']] == ['/app/app.jar: nested archive exceeds 1024 uncompressed bytes (--max-nested-bytes)']"
# bad values: exit 2, one line
for bad in "--max-nested-depth 0" "--max-nested-depth 17" "--max-nested-ratio x" "--max-nested-bytes 5T" "--max-nested-entries -1"; do
  rc=0
  # shellcheck disable=SC2086
  "$LS" scan $bad "$WORK/jar.tar" >/dev/null 2>"$WORK/err.txt" || rc=$?
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/err.txt")" -eq 1 ] && grep -q "expected a number" "$WORK/err.txt"; then
    echo "ok   $bad: exit 2"
  else
    echo "FAIL $bad: exit $rc"; cat "$WORK/err.txt"; fails=$((fails + 1))
  fi
done
echo "nested cli: $fails failure(s)"
[ "$fails" -eq 0 ]
