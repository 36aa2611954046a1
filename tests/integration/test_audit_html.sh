#!/usr/bin/env bash
# test_audit_html.sh LAYERSCAN SRCDIR WORKDIR
#
# `layerscan audit LIST -o FILE --html-summary PAGE` on images built by
# tests/tools/mkimage.py:
#   img-a = base + mid             base: a fake GitHub token in /root/.gitconfig
#   img-b = base + whiteout        (the token deleted in layer 1)
#   img-c = base + mid + billing   mid: a fake Stripe key at a hostile path
#                                  (markup and script in its name); img-c's
#                                  directory name is hostile markup too
#   and a missing image whose reference is hostile markup (an error line).
# Asserted over the page parsed with Python's html.parser: one images row per
# image with the exact counts of its JSONL line; the base layer with 3
# images and the mid layer with 2, each with its findings (rule, path,
# status, images); billing (one image) not listed; the error row names the
# failed reference; every hostile string only as text (no element or
# attribute of its making: one <script>, the page's own; no on* attribute;
# no <img>). Chromium (required: CI installs it) renders the page headless:
# the page's script ran and document.title is not PWNED. Also: a --resume
# run's page holds the images of the earlier run, a retried image once;
# --html-summary without a JSONL file, at a symlink, at the JSONL itself,
# a line that is not JSON, a line over 256 MiB: exit 2, exact messages,
# no page and no temporary file left.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"

# ---------------------------------------------------------------- fixtures
HOSTILE_DIR="$WORK/c'\"><img src=x onerror=document.title='PWNED'>.oci"
MISSING="$WORK/\"><img src=x onerror=document.title='PWNED'><script>document.title='PWNED'</script>.tar"
python3 - "$WORK" <<'PY'
import json, sys
out = sys.argv[1]
base = {"compression": "gzip", "entries": [
    {"path": "etc", "type": "dir"},
    {"path": "etc/os-release", "type": "file", "content": "NAME=\"Tiny\"\nID=tiny\n"},
    {"path": "root", "type": "dir"},
    {"path": "root/.gitconfig", "type": "file",
     "content": "[github]\n  user = deploy\n  pat = ghp_5uOWkLGHKqJYsOwTLn3TVo8KAHXkKj1svQsl\n"}]}
mid = {"compression": "gzip", "entries": [
    {"path": "opt", "type": "dir"},
    {"path": "opt/\"><img src=x onerror=document.title='PWNED'>", "type": "dir"},
    {"path": "opt/\"><img src=x onerror=document.title='PWNED'>/<script>document.title='PWNED'</script>",
     "type": "file", "content": "stripe: sk_live_vpf7a10UCpvUHRh7guPEXAOdV5ZP\n"}]}
rm = {"compression": "gzip", "entries": [
    {"path": "root", "type": "dir"}, {"path": "root/.wh..gitconfig", "type": "file", "content": ""}]}
billing = {"compression": "gzip", "entries": [
    {"path": "srv", "type": "dir"},
    {"path": "srv/keys.yml", "type": "file", "content": "stripe: sk_live_Q8fz3LmT2wXr9KpB7vNc4YdH\n"}]}

def spec(name, layers, cmds):
    return {"name": "html/" + name, "ref": "1.0", "os": "linux", "architecture": "amd64",
            "created": "2024-01-01T00:00:00Z", "config": {"Cmd": ["/bin/sh"]},
            "history": [{"created_by": "/bin/sh -c " + c} for c in cmds], "layers": layers}

ADD, MID = "#(nop) ADD file:base in /", "#(nop) COPY dir:opt in /opt"
specs = {"img-a": spec("a", [base, mid], [ADD, MID]),
         "img-b": spec("b", [base, rm], [ADD, "rm -f /root/.gitconfig"]),
         "img-c": spec("c", [base, mid, billing], [ADD, MID, "#(nop) COPY dir:srv in /srv"])}
for n, s in specs.items():
    with open(f"{out}/{n}.json", "w") as f:
        json.dump(s, f)
PY
for n in img-a img-b img-c; do
  python3 "$SRC/tests/tools/mkimage.py" "$WORK/$n.json" "$WORK/$n.oci" --format oci || bad "mkimage $n"
done
mv "$WORK/img-c.oci" "$HOSTILE_DIR"
A="oci:$WORK/img-a.oci" B="$WORK/img-b.oci" C="$HOSTILE_DIR"
printf '%s\n' "$A" "$B" "$C" "$MISSING" >list

# the page against the JSONL and the fixtures (see the file comment)
cat >check_page.py <<'PY'
import json, sys
from html.parser import HTMLParser

page, jsonl, want_images = sys.argv[1], sys.argv[2], int(sys.argv[3])
A, B, C, MISSING = sys.argv[4:8]
SEV = ["critical", "high", "medium", "low"]
fails = []

def expect(name, got, want):
    if got != want:
        fails.append(f"{name}: got {got!r}, expected {want!r}")

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.texts = [], [], {}
        self.images, self.layers, self.errors = [], [], []
        self.table, self.cell, self.row = None, None, None
        self.title = ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table" and a.get("id") in ("images", "layers", "errors"):
            self.table = a["id"]
        if tag == "tr" and self.table == "images" and "data-reference" in a:
            self.images.append(a)
        elif tag == "tr" and self.table == "layers" and "data-digest" in a:
            self.layers.append((a, []))
        elif tag == "tr" and self.table == "layers" and "data-rule" in a:
            self.layers[-1][1].append(a)
        elif tag == "tr" and self.table == "errors" and "data-reference" in a:
            self.errors.append(a)
        if tag == "tr":
            self.row = a
        if tag == "code" and self.row is not None:
            self.cell = []
        if tag == "title":
            self.cell = []
        self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag == "table" and self.stack.count("table") == 1:
            self.table = None
        if tag in ("code", "title") and self.cell is not None:
            text = "".join(self.cell)
            if tag == "title":
                self.title = text
            else:
                self.texts.setdefault(text, 0)
                self.texts[text] += 1
            self.cell = None
        while self.stack and self.stack.pop() != tag:
            pass
    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

p = Page()
p.feed(open(page, encoding="utf-8").read())
p.close()

# the JSONL: the last line of each reference
last = {}
for line in open(jsonl, encoding="utf-8"):
    if line.strip():
        o = json.loads(line)
        if "audit" in o:
            last[o["audit"]["reference"]] = o
expect("JSONL images", sorted(last), sorted([A, B, C, MISSING]))
expect("images rows", len(p.images), want_images)
expect("images rows: one per JSONL image", sorted(r["data-reference"] for r in p.images), sorted(last))
for r in p.images:
    o = last.get(r["data-reference"], {})
    n = {s: 0 for s in SEV}
    for f in o.get("findings", []):
        n[f["severity"]] += 1
    for s in SEV:
        expect(f"{r['data-reference']}: {s}", r.get(f"data-{s}"), str(n[s]))
    errs = 1 if "error" in o else len(o.get("errors", []))
    expect(f"{r['data-reference']}: errors", r.get("data-errors"), str(errs))
    expect(f"{r['data-reference']}: failed", r.get("data-failed"), "true" if "error" in o else "false")
# sorted: most critical first, then by reference
key = lambda r: tuple(-int(r[f"data-{s}"]) for s in SEV) + (r["data-reference"],)
expect("images sorted", [r["data-reference"] for r in p.images], [r["data-reference"] for r in sorted(p.images, key=key)])
if A in last:
    expect("img-a counts", [p.images[[r["data-reference"] for r in p.images].index(A)][f"data-{s}"] for s in SEV],
           ["2", "0", "0", "0"])
if C in last:
    expect("img-c counts (hostile reference)", [r for r in p.images if r["data-reference"] == C][0]["data-critical"], "3")

# the shared layers: base (3 images), mid (2 images); billing (1) not listed
a = last[A]
base, mid = a["layers"][0]["digest"], a["layers"][1]["digest"]
expect("shared layers", [(l["data-digest"], l["data-images"]) for l, _ in p.layers], [(base, "3"), (mid, "2")])
found = {l["data-digest"]: sorted((f["data-rule"], f["data-path"], f["data-status"], f["data-severity"], f["data-images"])
                                  for f in fs) for l, fs in p.layers}
expect("base layer findings", found.get(base),
       [("github-pat", "/root/.gitconfig", "deleted", "critical", "1"),
        ("github-pat", "/root/.gitconfig", "present", "critical", "2")])
HPATH = "/opt/\"><img src=x onerror=document.title='PWNED'>/<script>document.title='PWNED'</script>"
expect("mid layer findings", found.get(mid), [("stripe-secret-key", HPATH, "present", "critical", "2")])
# the redacted secret, as the JSONL holds it
sec = [f["secret"] for f in a["findings"] if f["layer"] == 1]
expect("mid secret shown as in the JSONL", sec and p.texts.get(sec[0], 0) >= 1, True)

# errors: the missing image, by its reference
expect("error rows", [(e["data-reference"], e.get("data-code")) for e in p.errors], [(MISSING, "io")])

# hostile strings: text only
scripts = [t for t, at in p.tags if t == "script"]
expect("one <script>, the page's own", len(scripts), 1)
expect("no <img>", [at for t, at in p.tags if t == "img"], [])
expect("no on* attribute", [(t, k) for t, at in p.tags for k in at if k.startswith("on")], [])
expect("hostile path as text", p.texts.get(HPATH, 0) >= 1, True)
expect("hostile reference as text", p.texts.get(C, 0) >= 1, True)
expect("hostile missing reference as text (images and errors)", p.texts.get(MISSING, 0), 2)
expect("title", p.title, "layerscan audit summary")
raw = open(page, encoding="utf-8").read()
expect("no raw hostile markup", [s for s in ("<img", "<script>document") if s in raw], [])
expect("no request of any kind", [s for s in ("http://", "https://", "src=\"", "href=\"http", "@import", "url(") if s in raw], [])
for f in fails:
    print(f)
sys.exit(1 if fails else 0)
PY

# ---------------------------------------------------------------- the page
rc=0
"${LS[@]}" audit list -o a.jsonl --html-summary a.html >out.txt 2>err.txt || rc=$?
expect_eq "audit: exit (findings)" "$rc" 1
expect_eq "audit: nothing on stdout" "$(cat out.txt)" ""
check "page matches the JSONL" python3 check_page.py a.html a.jsonl 4 "$A" "$B" "$C" "$MISSING"
expect_eq "page: mode 0600" "$(stat -c %a a.html)" 600
expect_eq "no temporary file left" "$(ls -A | grep -c 'layerscan-')" 0

# rendered: the page's script ran, the hostile ones did not
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  bad "chromium is not installed (.ci/install-deps installs it): the page was not rendered"
else
  timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chrome" \
    --dump-dom "file://$WORK/a.html" >dom.html 2>chrome.err || true
  grep -q '<html[^>]* data-script="ran"' dom.html && ok "chromium: the page's script ran" ||
    bad "chromium: the page's script did not run: $(head -c 300 dom.html) $(tail -3 chrome.err)"
  title=$(python3 -c 'import re,sys; m=re.search(r"<title>(.*?)</title>", open(sys.argv[1]).read(), re.S); print(m.group(1) if m else "")' dom.html)
  expect_eq "chromium: document.title" "$title" "layerscan audit summary"
  expect_eq "chromium: no <img> element" "$(grep -c '<img' dom.html)" 0
fi

# ---------------------------------------------------------------- --resume
# an earlier run held img-a and the missing image; the resumed run adds the
# others and retries the missing one (its error line twice in the file)
printf '%s\n' "$A" "$MISSING" >list-first
rc=0
"${LS[@]}" audit list-first -o r.jsonl >/dev/null 2>&1 || rc=$?
expect_eq "first run: exit" "$rc" 1
rc=0
"${LS[@]}" audit list --resume r.jsonl --html-summary r.html >/dev/null 2>err.txt || rc=$?
expect_eq "resumed run: exit" "$rc" 1
expect_eq "resumed run: the missing image's error line twice" "$(grep -c '"error":{' r.jsonl)" 2
check "resumed page: every image, the retried one once" python3 check_page.py r.html r.jsonl 4 "$A" "$B" "$C" "$MISSING"

# ---------------------------------------------------------------- refused
# err NAME WANT_MESSAGE ARGS...: exit 2, the message, no page, no JSONL
err() {
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" audit "$@" >"$name.out" 2>"$name.err" || rc=$?
  expect_eq "$name: exit" "$rc" 2
  expect_eq "$name: message" "$(tail -1 "$name.err")" "$want"
  expect_eq "$name: stdout" "$(cat "$name.out")" ""
}
err no-file "layerscan: --html-summary needs the audit's JSONL in a file (-o FILE or --resume FILE)" \
  --html-summary x.html list
[ ! -e x.html ] && ok "no-file: no page" || bad "no-file: a page was written"
ln -s "$WORK/elsewhere.html" link.html
err symlink "layerscan: link.html is a symlink: refusing to write through it" -o s.jsonl --html-summary link.html list
[ ! -e s.jsonl ] && [ ! -e elsewhere.html ] && ok "symlink: refused before the audit" || bad "symlink: the audit ran"
err same "layerscan: --html-summary ./a.jsonl: that is the audit's JSONL" -o a.jsonl --html-summary ./a.jsonl list
check "same: the JSONL untouched" python3 check_page.py a.html a.jsonl 4 "$A" "$B" "$C" "$MISSING"
mkdir ro && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
  rc=0
  "${LS[@]}" audit -o ro-ok.jsonl --html-summary ro/x.html list >/dev/null 2>ro.err || rc=$?
  expect_eq "unwritable directory: exit" "$rc" 2
  grep -q '^layerscan: ro/x.html: cannot create a temporary file beside it: ' ro.err && ok "unwritable directory: message" ||
    bad "unwritable directory: $(cat ro.err)"
  [ ! -e ro-ok.jsonl ] && ok "unwritable directory: refused before the audit" || bad "unwritable directory: the audit ran"
fi
rm -f elsewhere.html

# a line that is not JSON (--resume skips it; the page may not)
{ sed -n 1p a.jsonl; echo 'not json'; } >bad.jsonl
rc=0
"${LS[@]}" audit list --resume bad.jsonl --html-summary bad.html >/dev/null 2>bad.err || rc=$?
expect_eq "not JSON: exit" "$rc" 2
expect_eq "not JSON: message" "$(tail -1 bad.err | sed -E 's/ \(.*\)$//')" "layerscan: bad.jsonl:2: not JSON"
[ ! -e bad.html ] && ok "not JSON: no page" || bad "not JSON: a page was written"
expect_eq "not JSON: no temporary file left" "$(ls -A | grep -c 'layerscan-')" 0

# a line over 256 MiB, made sparse (NUL bytes, a hole: nothing written), the
# images' lines before it (a resume of it audits again only the missing one)
sed -n 1,4p a.jsonl >big.jsonl
truncate -s +$((256 * 1024 * 1024 + 1)) big.jsonl
echo >>big.jsonl
rc=0
"${LS[@]}" audit list --resume big.jsonl --html-summary big.html >/dev/null 2>big.err || rc=$?
expect_eq "long line: exit" "$rc" 2
expect_eq "long line: message" "$(tail -1 big.err)" "layerscan: big.jsonl:5: line longer than 256 MiB"
[ ! -e big.html ] && ok "long line: no page" || bad "long line: a page was written"
rm -f big.jsonl

# an option of audit only
rc=0
"${LS[@]}" scan --html-summary x.html img.tar >/dev/null 2>scan.err || rc=$?
expect_eq "scan --html-summary: exit" "$rc" 2
expect_eq "scan --html-summary: message" "$(cat scan.err)" "layerscan: --html-summary is an option of audit only"

ls_test_finish test_audit_html
