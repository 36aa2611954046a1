#!/usr/bin/env bash
# test_rules_list.sh LAYERSCAN SRCDIR WORKDIR
#
# `layerscan rules list --format json`, the coverage listing: one object per
# shipped rule (every id of patterns/*.json, once), each with the family its
# file names, its severity and confidence as the file says, a validation kind
# only where the offline validator recognises the rule's own example, and the
# README's family table generated from it (tests/tools/families_table.py).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
rc=0
"${LS[@]}" rules list --format json >list.json 2>list.err || rc=$?
expect_eq "rules list --format json: exit" "$rc" 0
cat >listing_check.py <<'PY'
import glob, json, os, sys
got = json.load(open(sys.argv[1]))
# the default --checks (secret,tamper,provenance): hygiene rules are listed only when selected
checks = sys.argv[3].split(',') if len(sys.argv) > 3 else ['secret', 'tamper', 'provenance']
want = {}
for f in sorted(glob.glob(os.path.join(sys.argv[2], '*.json'))):
    for r in json.load(open(f)):
        if r.get('category', 'secret') in checks:
            want[r['id']] = (os.path.basename(f)[:-5], r)
ids = [r['id'] for r in got]
bad = []
if len(ids) != len(set(ids)):
    bad.append('duplicate ids in the listing')
if set(ids) != set(want):
    bad.append('ids differ: %s' % sorted(set(ids) ^ set(want))[:10])
keys = ['id', 'title', 'family', 'category', 'severity', 'confidence', 'validation', 'references',
        'path_include', 'scans', 'structural']
for r in got:
    if sorted(r) != sorted(keys):
        bad.append('%s: keys %s' % (r.get('id'), sorted(r)))
        continue
    fam, src = want.get(r['id'], (None, {}))
    for k, v in (('family', fam), ('title', src.get('title')), ('severity', src.get('severity')),
                 ('confidence', src.get('confidence')), ('references', src.get('references', [])),
                 ('path_include', src.get('path_include', [])),
                 ('category', src.get('category', 'secret')),
                 ('scans', src.get('scans', ['files', 'history', 'config'])),
                 ('structural', src.get('structural', False))):
        if r[k] != v:
            bad.append('%s: %s %r, expected %r' % (r['id'], k, r[k], v))
    if r['validation'] not in (None, 'checksum', 'structure'):
        bad.append('%s: validation %r' % (r['id'], r['validation']))
print('\n'.join(bad[:20]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
check "listing matches patterns/*.json" python3 listing_check.py list.json "$SRC/patterns"
rc=0
"${LS[@]}" rules list --format json --checks secret,tamper,hygiene,provenance >list-all.json 2>list.err || rc=$?
expect_eq "rules list --checks secret,tamper,hygiene,provenance: exit" "$rc" 0
check "--checks secret,tamper,hygiene,provenance: every rule of patterns/*.json, hygiene included" \
    python3 listing_check.py list-all.json "$SRC/patterns" secret,tamper,hygiene,provenance
# the validators recognise their formats (one rule of each kind)
check "validation kinds" python3 - list.json <<'PY'
import json, sys
v = {r['id']: r['validation'] for r in json.load(open(sys.argv[1]))}
want = {'github-pat': 'checksum', 'npm-token': 'checksum', 'jwt': 'structure',
        'aws-access-key-id': 'structure', 'generic-password': None, 'slack-webhook-url': None}
bad = ['%s: %r, expected %r' % (k, v.get(k), w) for k, w in want.items() if v.get(k, 'missing') != w]
print('\n'.join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
python3 "$SRC/tests/tools/families_table.py" list.json >table.md
sed -n '/<!-- families:begin -->/,/<!-- families:end -->/p' "$SRC/README.md" | sed '1d;$d' >readme-table.md
if diff -u readme-table.md table.md >table.diff; then
  ok "README family table is the listing's"
else
  bad "README family table differs (regenerate: layerscan rules list --format json | tests/tools/families_table.py /dev/stdin)"
  sed 's/^/    /' table.diff | head -20
fi
rc=0
"${LS[@]}" rules list --format sarif >/dev/null 2>sarif.err || rc=$?
expect_eq "rules list --format sarif: exit" "$rc" 2
expect_eq "rules list --format sarif: message" "$(cat sarif.err)" \
  "layerscan: rules list --format sarif: expected text or json"
ls_test_finish "rules list"
