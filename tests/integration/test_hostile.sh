#!/usr/bin/env bash
# test_hostile.sh LAYERSCAN SRCDIR WORKDIR
# Hostile inputs (tests/tools/gen_hostile.py) with their exact expected outcome:
# exit status, findings (rule, path, status), errors, a one-line message for
# unusable input, JSON that parses, and text output with no control byte an
# image could use to drive the terminal. `timeout` only guards against a hang.
set -euo pipefail
LS=$1
SRC=$2
WORK=$3
rm -rf "$WORK"
mkdir -p "$WORK"
python3 "$SRC/tests/tools/gen_hostile.py" "$WORK/in"
fails=0

# check NAME EXIT EXPECTED_FINDINGS EXPECTED_ERROR_SUBSTRING|-
#   EXPECTED_FINDINGS: "rule path status;..." sorted as the report orders them
check() {
  local name=$1 want_exit=$2 want_findings=$3 want_error=$4 rc=0 got
  timeout 300 "$LS" scan --format json "$WORK/in/$name" >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" != "$want_exit" ]; then
    echo "FAIL $name: exit $rc, expected $want_exit"; sed 's/^/    /' "$WORK/$name.err"; fails=$((fails + 1)); return
  fi
  if [ "$want_exit" = 2 ]; then
    if [ "$(wc -l <"$WORK/$name.err")" != 1 ] || ! grep -qF -- "$want_error" "$WORK/$name.err"; then
      echo "FAIL $name: expected one stderr line containing '$want_error', got:"; sed 's/^/    /' "$WORK/$name.err"
      fails=$((fails + 1)); return
    fi
    echo "ok   $name (exit 2: $(cat "$WORK/$name.err"))"; return
  fi
  got=$(python3 - "$WORK/$name.json" "$want_error" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = ";".join("%s %s %s" % (x["rule"], x["path"], x["status"]) for x in d["findings"])
errs = [e["message"] for e in d["errors"]]
want = sys.argv[2]
if want != "-" and not any(want in m for m in errs):
    print("MISSING-ERROR " + repr(errs))
elif want == "-" and errs:
    print("UNEXPECTED-ERRORS " + repr(errs))
else:
    print(f)
PY
)
  if [ "$got" != "$want_findings" ]; then
    echo "FAIL $name: findings"; echo "    got:      $got"; echo "    expected: $want_findings"
    fails=$((fails + 1)); return
  fi
  timeout 300 "$LS" scan "$WORK/in/$name" >"$WORK/$name.txt" 2>&1 || true
  if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$name.txt"; then
    echo "FAIL $name: text output holds a control byte"; fails=$((fails + 1)); return
  fi
  echo "ok   $name"
}

long="/deep/$(printf 'n%.0s' $(seq 1 65000))"
check names.tar 1 "github-pat /abs/path present;github-pat /app/"$'\x1b'"[31mred"$'\x1b'"]0;title"$'\x07'".env present;github-pat /bad\\xff\\xfe.txt present;github-pat $long present;github-pat /etc/evil present" -
# a path that is not UTF-8: readable "\xNN" text plus its exact bytes in path_base64
if python3 - "$WORK/names.tar.json" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
raw = [base64.b64decode(f["path_base64"]) for f in d["findings"] if "path_base64" in f]
sys.exit(0 if raw == [b"/bad\xff\xfe.txt"] else 1)
PY
then echo "ok   names.tar path_base64"; else echo "FAIL names.tar: path_base64 missing or wrong"; fails=$((fails + 1)); fi
check links.tar 1 "github-pat /real.txt present" "hard link target /missing/target is not a regular file"
check bomb.tar.gz 0 "" -
check many.tar 0 "" -
check big-history.tar 1 "github-pat /etc/app.conf present;github-pat history[0].created_by metadata" "history has 2 entries that create layers but the image has 1 layers"
check dup-layers.tar 1 "github-pat /etc/app.conf present;github-pat /etc/app.conf present" "history has 1 entries that create layers but the image has 2 layers"
check escape.tar 2 "" "../../etc/passwd escapes the image"
check deep-json.tar 2 "" "config.json: invalid JSON at line 1: maximum parsing depth"
check bomb.tar.zst 0 "" -
# one 1 GiB line without a newline: found at its end, in bounded memory
check badcrc.tar.gz 1 "github-pat /etc/app.conf present" "incorrect data check"
check longline.tar.gz 1 "github-pat /var/log/one-line.log present" -
if python3 - "$WORK/longline.tar.gz.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["findings"][0]
sys.exit(0 if (f["line"], f["column"], f["offset"]) == (1, (1 << 30) - 39, (1 << 30) - 40) else 1)
PY
then echo "ok   longline.tar.gz position"; else echo "FAIL longline.tar.gz: line/column/offset"; fails=$((fails + 1)); fi
check big-config.tar 2 "" "big-config.tar: config.json is larger than 67108864 bytes"
check symlink-layer 1 "github-pat /srv/other.conf present" "is a symlink (refused)"
check symlink-config 2 "" "is a symlink (refused)"
check empty-compressed.tar 1 "github-pat /real.txt present" "/opt/data/cut.json.gz: "
if python3 - "$WORK/empty-compressed.tar.json" <<'PY'
import json, sys
errs = [e["path"] for e in json.load(open(sys.argv[1]))["errors"]]
sys.exit(0 if errs == ["/opt/data/cut.json.gz"] else 1)
PY
then echo "ok   empty-compressed.tar: only the truncated file is an error"; else echo "FAIL empty-compressed.tar: errors"; fails=$((fails + 1)); fi
check nul-name.tar 1 "github-pat /etc/a present" -
# a PEM header over 8 MiB of base64 with no END line: reported once, as a low-confidence key
check pathological.tar 1 "private-key /p/pem.key present;github-pat /p/real.txt present" -
if python3 - "$WORK/pathological.tar.json" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["findings"][0]
sys.exit(0 if f["confidence"] == "low" and len(f["secret"]) < 100 else 1)
PY
then echo "ok   pathological.tar truncated key is low confidence"; else echo "FAIL pathological.tar: key confidence"; fails=$((fails + 1)); fi

echo "hostile: $fails failure(s)"
exit $((fails > 0))
