#!/usr/bin/env bash
# test_html_report.sh LAYERSCAN SRCDIR WORKDIR
#
# `layerscan scan --format html`, rendered by a real browser (Debian's
# chromium, headless; CI installs it) and checked over the DOM it builds with
# tests/tools/html_check.py:
#   - the sample image, both forms: one findings-table row per finding of the
#     JSON report of the same scan (rule, path, line, layer, status, severity,
#     redacted secret, fate in words), one timeline row per layer, one bar per
#     file finding from data-from (the layer that added it) to data-to
#     (removed_in_layer, or the top layer when present), one metadata-band
#     chip per metadata finding, the Dockerfile section equal to `layerscan
#     history`; the page's script ran; -o FILE and standard output agree;
#     the screenshot is not blank and shows the four severity colours;
#   - with its script altered by one byte, the CSP blocks it and the page
#     still reads (every row shown, controls hidden): JS-off reading;
#   - the script sorts and filters (driven from a copy without the CSP);
#   - an image whose file names, ENV, history and labels are hostile markup
#     (and whose directory name is): the page's script ran, the title is not
#     PWNED, no element or attribute of the image's making, only "#..."
#     links, each hostile name shown as text; secrets redacted unless
#     --show-secrets.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
S=$SRC/samples
CHECK=$SRC/tests/tools/html_check.py

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  bad "chromium is not installed (.ci/install-deps --test installs it)"
  ls_test_finish html_report
  exit 1
fi
# Chromium spends seconds starting and stopping, mostly idle: every page is
# made first, then all renderings run at once (own profile each), then the
# checks read what they wrote.
chrome() { # NAME ARGS...: in the background, stderr to NAME.chrome.err
  local name=$1
  shift
  timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$WORK/profile-$name" \
    "$@" 2>"$WORK/$name.chrome.err" &
}
# dump NAME PAGE: NAME.dom is the DOM after the page's scripts ran;
# NAME.png its screenshot (1280x2000)
dump() { chrome "$1" --dump-dom --screenshot="$WORK/$1.png" --window-size=1280,2000 "file://$2" >"$WORK/$1.dom"; }
rendered() { [ -s "$WORK/$1.dom" ] || { bad "$1: chromium --dump-dom wrote nothing: $(tail -3 "$WORK/$1.chrome.err")"; false; }; }
report_check() { # NAME DOM JSON HISTORY --js|--nojs
  local name=$1
  shift
  if python3 "$CHECK" report "$@" >"$WORK/check.out" 2>&1; then ok "$name"; else
    bad "$name"
    head -20 "$WORK/check.out" | sed 's/^/    /'
  fi
}

# ---------------------------------------------------------------- the sample
for form in docker oci; do
  case $form in
    docker) img="docker-archive:$S/leaky-docker.tar" ;;
    oci) img="oci:$S/leaky-oci:1.0" ;;
  esac
  rc=0
  "${LS[@]}" scan --format html -o "$form.html" "$img" 2>"$form.err" || rc=$?
  if [ $rc -eq 1 ] && [ ! -s "$form.err" ]; then ok "$form: exit 1, nothing on stderr"; else bad "$form: exit $rc: $(cat "$form.err")"; fi
  "${LS[@]}" scan --format html "$img" >"$form.stdout.html" 2>/dev/null
  check "$form: -o FILE and standard output agree" cmp -s "$form.html" "$form.stdout.html"
  "${LS[@]}" scan --format json "$img" >"$form.json" 2>/dev/null
  "${LS[@]}" history "$img" >"$form.history" 2>/dev/null
done
expect_eq "sample: 12 findings in the JSON report" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' oci.json)" 12

# the OCI form with its script altered: the CSP must block it, the page must still read
sed "s/'data-script', 'ran'/'data-script', 'RAN'/" oci.html >oci-tampered.html
expect_eq "oci: the script altered" "$(grep -c "'RAN'" oci-tampered.html)" 1

# the script's sorting and filtering, driven by a second script on a copy
# whose CSP is removed (the report itself never allows a second script)
python3 - oci.html drive.html <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
page, n = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>\n', "", page)
assert n == 1
drive = """<script>
var sel = document.getElementById('filter-severity');
sel.value = 'high'; sel.dispatchEvent(new Event('change'));
var st = document.getElementById('filter-status');
st.value = 'deleted'; st.dispatchEvent(new Event('change'));
var a = Array.prototype.filter.call(document.querySelectorAll('#findings tbody tr'), function (tr) { return !tr.hidden; });
document.body.setAttribute('data-filtered', a.map(function (tr) { return tr.id; }).join(' ') + '|' + document.getElementById('shown').textContent);
st.value = 'all'; st.dispatchEvent(new Event('change'));
sel.value = 'all'; sel.dispatchEvent(new Event('change'));
var ly = document.getElementById('filter-layer');
ly.value = '4'; ly.dispatchEvent(new Event('change'));
a = Array.prototype.filter.call(document.querySelectorAll('#findings tbody tr'), function (tr) { return !tr.hidden; });
document.body.setAttribute('data-layer4', a.map(function (tr) { return tr.id; }).join(' '));
ly.value = 'all'; ly.dispatchEvent(new Event('change'));
document.querySelector('#findings th[data-sort="path"]').click();
document.body.setAttribute('data-sorted', Array.prototype.map.call(document.querySelectorAll('#findings tbody tr'), function (tr) { return tr.getAttribute('data-path'); }).join(' '));
document.querySelector('#findings th[data-sort="path"]').click();
document.body.setAttribute('data-reversed', Array.prototype.map.call(document.querySelectorAll('#findings tbody tr'), function (tr) { return tr.id; }).join(' '));
</script>
"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", drive + "</body>"))
PY

# ---------------------------------------------------------------- hostile names
HOSTILE_DIR="$WORK/h'\"><img src=x onerror=document.title='PWNED'>.oci"
python3 - "$WORK" <<'PY'
import json, random, string, sys, zlib
out = sys.argv[1]
R = random.Random()  # fresh fake secrets on every run
AL = string.ascii_letters + string.digits
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
rs = lambda n, al=AL: "".join(R.choice(al) for _ in range(n))
def ghp():
    body, v, s = rs(30), None, ""
    v = zlib.crc32(body.encode()) & 0xffffffff
    for _ in range(6):
        s, v = B62[v % 62] + s, v // 62
    return "ghp_" + body + s
S = "<script>document.title='PWNED'</script>"
IMG = "\"><img src=x onerror=document.title='PWNED'>"
STY = "</style><script>document.title='PWNED'</script>"
JS = "javascript:document.title='PWNED'"
gh1, gh2 = ghp(), ghp()
akia, aws = "AKIA" + rs(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), rs(40, AL + "/+")
stripe, glpat = "sk_live_" + rs(28), "glpat-" + rs(20)
layer0 = {"compression": "gzip", "entries": [
    {"path": "app", "type": "dir"},
    {"path": "app/" + S + ".env", "type": "file", "content": "GITHUB_TOKEN=%s\n" % gh1},
    {"path": "app/" + IMG + ".cfg", "type": "file",
     "content": "[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % (akia, aws)},
    {"path": "app/" + STY + ".txt", "type": "file", "content": "stripe: %s\n" % stripe},
    {"path": "app/" + JS, "type": "file", "content": "token: %s\n" % glpat}]}
layer1 = {"compression": "gzip", "entries": [
    {"path": "app", "type": "dir"},
    {"path": "app/.wh." + IMG + ".cfg", "type": "file", "content": ""},
    {"path": "app/" + JS, "type": "file", "content": "nothing here\n"}]}
spec = {"name": "html/hostile", "ref": "1.0", "os": "linux", "architecture": "amd64",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/bin", "HOSTILE=" + STY, "GH=" + gh2],
                   "Labels": {"org.hostile": IMG, "org.js": JS, "org.style": STY}},
        "history": [{"created_by": "/bin/sh -c #(nop) COPY dir:" + S + " in /app " + IMG},
                    {"created_by": "/bin/sh -c #(nop)  ENV HOSTILE=" + STY, "empty_layer": True},
                    {"created_by": "/bin/sh -c #(nop)  ENV GH=" + gh2, "empty_layer": True},
                    {"created_by": "/bin/sh -c #(nop)  LABEL org.hostile=" + IMG + " org.js=" + JS,
                     "empty_layer": True},
                    {"created_by": "/bin/sh -c rm -f '/app/" + IMG + ".cfg' # " + JS}],
        "layers": [layer0, layer1]}
json.dump(spec, open(out + "/hostile.json", "w"))
open(out + "/secrets", "w").write("\n".join([gh1, gh2, akia, aws, stripe, glpat]) + "\n")
PY
python3 "$SRC/tests/tools/mkimage.py" "$WORK/hostile.json" "$HOSTILE_DIR" --format oci || bad "mkimage hostile"
H="oci:$HOSTILE_DIR"
"${LS[@]}" scan --format html -o hostile.html "$H" 2>hostile.err
expect_eq "hostile: exit 1" "$?" 1
"${LS[@]}" scan --format json "$H" >hostile.json.out 2>/dev/null
"${LS[@]}" history "$H" >hostile.history 2>/dev/null
python3 - hostile.json.out >hostile.findings <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["rule"], f["status"], f["layer"], f["removed_in_layer"], f["path"])
PY
S1="<script>document.title='PWNED'</script>"
IMG1="\"><img src=x onerror=document.title='PWNED'>"
STY1="</style><script>document.title='PWNED'</script>"
JS1="javascript:document.title='PWNED'"
expect_eq "hostile: the findings" "$(sort hostile.findings)" "$(sort <<EOF
github-pat present 0 None /app/$S1.env
aws-access-key-id deleted 0 1 /app/$IMG1.cfg
aws-secret-access-key deleted 0 1 /app/$IMG1.cfg
stripe-secret-key present 0 None /app/$STY1.txt
gitlab-pat overwritten 0 1 /app/$JS1
github-pat metadata None None config.Env
github-pat metadata None None history[2].created_by
EOF
)"
# ---------------------------------------------------------------- render all
dump docker "$WORK/docker.html"
dump oci-tampered "$WORK/oci-tampered.html"
dump drive "$WORK/drive.html"
dump hostile "$WORK/hostile.html"
wait
# the PNG decoder is pure Python: both at once
for n in docker hostile; do [ -s $n.png ] && python3 "$CHECK" png $n.png >$n.colours & done
wait

if rendered docker; then
  report_check "docker: DOM against the JSON report (script on)" docker.dom docker.json docker.history --js
fi
if [ -s docker.png ]; then
  read -r colours sev <docker.colours
  if [ "${colours:-0}" -gt 50 ]; then ok "screenshot: $colours colours"; else bad "screenshot: ${colours:-no} colours (blank?)"; fi
  expect_eq "screenshot: the severity colours" "$sev" "critical high medium low"
else
  bad "screenshot: no PNG: $(tail -3 docker.chrome.err)"
fi
if rendered oci-tampered; then
  report_check "oci: script blocked by the CSP, the page reads without it" oci-tampered.dom oci.json oci.history --nojs
fi
if rendered drive; then
  python3 - drive.dom oci.json >drive.out <<'PY'
import json, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.a = dict(attrs)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
f = json.load(open(sys.argv[2], encoding="utf-8"))["findings"]
ids = lambda pred: " ".join("f%d" % (i + 1) for i, x in enumerate(f) if pred(x))
want = ids(lambda x: x["severity"] == "high" and x["status"] == "deleted")
print("filtered", p.a.get("data-filtered") == want + "|%d of %d findings shown" % (len(want.split()), len(f)), p.a.get("data-filtered"))
print("layer4", p.a.get("data-layer4") == ids(lambda x: x["layer"] == 4), p.a.get("data-layer4"))
order = sorted(range(len(f)), key=lambda i: (f[i]["path"], i))
print("sorted", p.a.get("data-sorted") == " ".join(f[i]["path"] for i in order), p.a.get("data-sorted"))
rev = sorted(range(len(f)), key=lambda i: (f[i]["path"], -i), reverse=True)
print("reversed", p.a.get("data-reversed") == " ".join("f%d" % (i + 1) for i in rev), p.a.get("data-reversed"))
PY
  while read -r what good rest; do
    if [ "$good" = True ]; then ok "script: $what"; else bad "script: $what: $rest"; fi
  done <drive.out
  expect_eq "script: four checks" "$(wc -l <drive.out)" 4
fi

if rendered hostile; then
  report_check "hostile: DOM against the JSON report" hostile.dom hostile.json.out hostile.history --js
  if python3 "$CHECK" hostile hostile.dom hostile.html "/app/$S1.env" "/app/$IMG1.cfg" "/app/$STY1.txt" \
    "/app/$JS1" "ENV HOSTILE=$STY1" "layerscan report: $HOSTILE_DIR" >hostile.out 2>&1; then
    ok "hostile: no markup, script or link of the image's making; the names shown as text"
  else
    bad "hostile: markup"
    head -20 hostile.out | sed 's/^/    /'
  fi
fi
if [ -s hostile.png ]; then
  read -r colours sev <hostile.colours
  if [ "${colours:-0}" -gt 50 ]; then ok "hostile: screenshot, $colours colours"; else bad "hostile: screenshot: ${colours:-no} colours"; fi
else
  bad "hostile: no screenshot: $(tail -3 hostile.chrome.err)"
fi

# secrets: redacted by default, whole with --show-secrets
leaked=0
while read -r s; do grep -qF -- "$s" hostile.html && leaked=$((leaked + 1)); done <secrets
expect_eq "hostile: no secret whole in the page" "$leaked" 0
"${LS[@]}" scan --format html --show-secrets "$H" >shown.html 2>/dev/null
shown=0
while read -r s; do grep -qF -- "$s" shown.html && shown=$((shown + 1)); done <secrets
expect_eq "hostile: --show-secrets shows all 6" "$shown" 6

# audit refuses html as its format; rules list too
rc=0
"${LS[@]}" audit --format html list.txt >/dev/null 2>audit.err || rc=$?
expect_eq "audit --format html: exit 2" "$rc" 2
expect_eq "audit --format html: message" "$(cat audit.err)" "layerscan: audit writes JSONL only (--format html)"
rc=0
"${LS[@]}" scan --format htm "$S/leaky-docker.tar" >/dev/null 2>fmt.err || rc=$?
expect_eq "--format htm: exit 2" "$rc" 2
expect_eq "--format htm: message" "$(cat fmt.err)" "layerscan: --format htm: expected text, json, jsonl, sarif or html"

ls_test_finish html_report
