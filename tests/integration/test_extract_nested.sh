#!/usr/bin/env bash
# test_extract_nested.sh LAYERSCAN SRCDIR WORKDIR
#  `extract` takes every path a scan report names: members of a jar (and a
#  jar stored in it), a single .gz and .zst stream, a tar.gz and a zip inside
#  it, a hard link to a jar. The image (tests/integration/
#  extract_nested_fixture.py + tests/tools/mkimage.py) carries a generated
#  fake token in each; the scan's JSON report must name exactly those paths,
#  and each is extracted by --layer/--path and by --finding (from --report
#  and from a fresh scan) to the original bytes. The refusals: a missing
#  member, an outer entry that is not an archive, the depth limit, a history
#  finding, an unknown or malformed fingerprint, a fingerprint two files
#  carry: exact one-line messages, exit 2, no output file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"

python3 "$SRC/tests/integration/extract_nested_fixture.py" "$WORK/fx" || { bad "fixture"; ls_test_finish "extract nested"; exit 1; }
python3 "$SRC/tests/tools/mkimage.py" "$WORK/fx/spec.json" "$WORK/img.tar" --format docker-archive ||
  { bad "mkimage"; ls_test_finish "extract nested"; exit 1; }
IMG=$WORK/img.tar

rc=0; "${LS[@]}" scan --format json "$IMG" >"$WORK/report.json" 2>"$WORK/scan.err" || rc=$?
expect_eq "scan: exit 1 (findings)" "$rc" 1
# the file findings the report names, sorted, against what the fixture planted
got=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for f in r["findings"]:
    if f["source"] == "file":
        print("%d\t%s" % (f["layer"], f["path"]))' "$WORK/report.json" | sort)
want=$(cut -f1,2 "$WORK/fx/expected.tsv" | sort)
expect_eq "scan: the nested paths the report names" "$got" "$want"
expect_eq "scan: one history finding" "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print([(f["source"], f["path"], f["layer"]) for f in r["findings"] if f["source"] != "file"])' "$WORK/report.json")" \
  "[('history', 'history[2].created_by', None)]"

# every file finding by --layer/--path: the original bytes, 0600, the summary line
n=0
while IFS=$'\t' read -r layer path orig; do
  n=$((n + 1))
  out=$WORK/x$n
  rc=0; "${LS[@]}" extract "$IMG" --layer "$layer" --path "$path" -o "$out" 2>"$WORK/x$n.err" || rc=$?
  expect_eq "extract $path: exit" "$rc" 0
  if cmp -s "$out" "$WORK/fx/$orig"; then ok "extract $path: the member's bytes"; else bad "extract $path: bytes differ"; fi
  expect_eq "extract $path: mode" "$(stat -c %a "$out" 2>/dev/null)" 600
  sum=$(sha256sum "$WORK/fx/$orig" | cut -d' ' -f1)
  size=$(stat -c %s "$WORK/fx/$orig")
  expect_eq "extract $path: stderr" "$(cat "$WORK/x$n.err")" "layerscan: layer $layer $path: $size bytes, sha256:$sum"
done <"$WORK/fx/expected.tsv"
expect_eq "every planted file tried" "$n" 11

# every file finding by --finding: from the report (-o) and from a fresh scan (stdout), unless
# its fingerprint is carried by another file too
python3 -c '
import json, sys, collections
r = json.load(open(sys.argv[1]))
files = collections.defaultdict(set)
for f in r["findings"]:
    files[f["fingerprint"]].add((f["layer"], f["path"]))
for f in r["findings"]:
    if f["source"] == "file" and len(files[f["fingerprint"]]) == 1:
        print("%s\t%d\t%s" % (f["fingerprint"], f["layer"], f["path"]))' "$WORK/report.json" >"$WORK/unique.tsv"
expect_eq "fingerprints of one file" "$(wc -l <"$WORK/unique.tsv")" 7
while IFS=$'\t' read -r fp layer path; do
  orig=$WORK/fx/$(awk -F'\t' -v l="$layer" -v p="$path" '$1 == l && $2 == p {print $3}' "$WORK/fx/expected.tsv")
  sum=$(sha256sum "$orig" | cut -d' ' -f1)
  size=$(stat -c %s "$orig")
  rc=0; "${LS[@]}" extract "$IMG" --finding "$fp" --report "$WORK/report.json" -o "$WORK/f-$fp" 2>"$WORK/f-$fp.err" || rc=$?
  expect_eq "--finding $fp --report: exit" "$rc" 0
  if cmp -s "$WORK/f-$fp" "$orig"; then ok "--finding $fp --report: bytes of $path"; else bad "--finding $fp --report: bytes differ"; fi
  expect_eq "--finding $fp --report: mode" "$(stat -c %a "$WORK/f-$fp" 2>/dev/null)" 600
  expect_eq "--finding $fp --report: stderr" "$(cat "$WORK/f-$fp.err")" \
    "layerscan: finding $fp: layer $layer $path
layerscan: layer $layer $path: $size bytes, sha256:$sum"
  rc=0; "${LS[@]}" extract "$IMG" --finding "$fp" >"$WORK/s-$fp" 2>"$WORK/s-$fp.err" || rc=$?
  expect_eq "--finding $fp (scan): exit" "$rc" 0
  if cmp -s "$WORK/s-$fp" "$orig"; then ok "--finding $fp (scan): bytes of $path"; else bad "--finding $fp (scan): bytes differ"; fi
  expect_eq "--finding $fp (scan): stderr" "$(cat "$WORK/s-$fp.err")" \
    "layerscan: finding $fp: layer $layer $path
layerscan: layer $layer $path: $size bytes, sha256:$sum"
done <"$WORK/unique.tsv"

# refused: exact message, exit 2, nothing written
# refused NAME WANT_STDERR ARGS...
refused() {
  local name=$1 want=$2 rc=0
  shift 2
  rm -f "$WORK/refused.out"
  "${LS[@]}" extract "$IMG" "$@" -o "$WORK/refused.out" >"$WORK/refused.stdout" 2>"$WORK/refused.err" || rc=$?
  expect_eq "$name: exit" "$rc" 2
  expect_eq "$name: message" "$(cat "$WORK/refused.err")" "$want"
  if [ ! -e "$WORK/refused.out" ] && [ ! -s "$WORK/refused.stdout" ]; then ok "$name: nothing written"; else bad "$name: output written"; fi
}
fp_of() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print([f["fingerprint"] for f in r["findings"] if f["path"] == sys.argv[2]][0])' "$WORK/report.json" "$1"; }

refused "missing member" \
  "layerscan: layer 1 has no entry /app/app.jar!/BOOT-INF/classes/missing.properties: /app/app.jar (zip) has no member BOOT-INF/classes/missing.properties" \
  --layer 1 --path '/app/app.jar!/BOOT-INF/classes/missing.properties'
refused "missing member two levels down" \
  "layerscan: layer 2 has no entry /opt/bundle.tar.gz!/inner.zip!/deep/none.txt: /opt/bundle.tar.gz!/inner.zip (zip) has no member deep/none.txt" \
  --layer 2 --path '/opt/bundle.tar.gz!/inner.zip!/deep/none.txt'
refused "missing outer file" \
  "layerscan: layer 1 has no entry /app/other.jar!/x (no file /app/other.jar in the layer)" \
  --layer 1 --path '/app/other.jar!/x'
refused "member of the wrong layer" \
  "layerscan: layer 2 has no entry /app/app.jar!/BOOT-INF/classes/application.properties (no file /app/app.jar in the layer)" \
  --layer 2 --path '/app/app.jar!/BOOT-INF/classes/application.properties'
refused "not an archive" \
  "layerscan: layer 3 has no entry /app/.env!/x: /app/.env is not an archive the scan opens" \
  --layer 3 --path '/app/.env!/x'
refused "single stream: the scan's member name only" \
  "layerscan: layer 2 has no entry /var/backups/env.gz!/env.gz: /var/backups/env.gz (gzip) has no member env.gz" \
  --layer 2 --path '/var/backups/env.gz!/env.gz'
refused "a directory is no archive" \
  "layerscan: layer 1: /app (of /app!/x) is a directory" \
  --layer 1 --path '/app!/x'
refused "deeper than --max-nested-depth" \
  "layerscan: layer 1 has no entry /app/app.jar!/BOOT-INF/lib/inner.jar!/config/secret.yml: /app/app.jar!/BOOT-INF/lib/inner.jar: nested archive exceeds depth 1 (--max-nested-depth): not opened" \
  --layer 1 --path '/app/app.jar!/BOOT-INF/lib/inner.jar!/config/secret.yml' --max-nested-depth 1
hist=$(fp_of 'history[2].created_by')
refused "history finding (report)" \
  "layerscan: finding $hist is in the image's history (history[2].created_by): no file to extract" \
  --finding "$hist" --report "$WORK/report.json"
refused "history finding (scan)" \
  "layerscan: finding $hist is in the image's history (history[2].created_by): no file to extract" \
  --finding "$hist"
refused "unknown fingerprint (report)" \
  "layerscan: no finding with fingerprint 0123456789abcdef0123456789abcdef in $WORK/report.json" \
  --finding 0123456789abcdef0123456789abcdef --report "$WORK/report.json"
refused "unknown fingerprint (scan)" \
  "layerscan: no finding with fingerprint 0123456789abcdef0123456789abcdef in a scan of $IMG" \
  --finding 0123456789abcdef0123456789abcdef
refused "malformed fingerprint" \
  "layerscan: --finding xyz: expected a fingerprint (32 hex digits)" \
  --finding xyz
shared=$(fp_of /srv/a.txt)
refused "fingerprint of two files" \
  "layerscan: fingerprint $shared names 2 files: layer 3 /srv/a.txt, layer 3 /srv/b.txt: pick one with --layer N --path /P" \
  --finding "$shared" --report "$WORK/report.json"
linked=$(fp_of '/app2/orig.jar!/secret.txt')
refused "fingerprint of a file and its hard link (scan)" \
  "layerscan: fingerprint $linked names 2 files: layer 4 /app2/link.jar!/secret.txt, layer 4 /app2/orig.jar!/secret.txt: pick one with --layer N --path /P" \
  --finding "$linked"
refused "--finding with --path" \
  "layerscan: extract takes --finding FINGERPRINT or --layer N --path /PATH, not both" \
  --finding "$shared" --layer 3 --path /srv/a.txt
refused "--report without --finding" \
  "layerscan: --report FILE goes with extract --finding" \
  --layer 3 --path /srv/a.txt --report "$WORK/report.json"
echo '{"report_version": 1}' >"$WORK/bogus.json"
refused "not a report" \
  "layerscan: $WORK/bogus.json: not a layerscan JSON report" \
  --finding "$shared" --report "$WORK/bogus.json"
mkfifo "$WORK/report.fifo"
refused "a FIFO as the report: refused without blocking" \
  "layerscan: $WORK/report.fifo: report: not a regular file of 1 byte to --max-json-size" \
  --finding "$shared" --report "$WORK/report.fifo"
refused "a missing report" \
  "layerscan: $WORK/none.json: report: no such file" \
  --finding "$shared" --report "$WORK/none.json"
# a report of another image: its layer's diff_id is not this image's
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
r["layers"][3]["diff_id"] = "sha256:" + "0" * 64
json.dump(r, open(sys.argv[2], "w"))' "$WORK/report.json" "$WORK/other.json"
env_fp=$(fp_of /app/.env)
refused "report of another image" \
  "layerscan: $WORK/other.json is not a report of $IMG: its layer 3 has diff_id sha256:$(printf '0%.0s' {1..64}), the image's is $(python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))["layers"][3]["diff_id"])' "$WORK/report.json")" \
  --finding "$env_fp" --report "$WORK/other.json"

ls_test_finish "extract nested"
