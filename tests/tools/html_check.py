#!/usr/bin/env python3
"""html_check.py - checks of `layerscan scan --format html` pages, for
tests/integration/test_html_report.sh. Standard library only.

    html_check.py report PAGE REPORT.json HISTORY.txt --js|--nojs
        PAGE is the DOM chromium dumped (--dump-dom) of the page for the scan
        whose JSON report is REPORT.json; HISTORY.txt is `layerscan history`
        of the same image. Checks, exactly: one findings-table row per
        finding, in order, with its rule, path, line, layer, status,
        severity, source and redacted secret; one timeline row per layer;
        one bar per file finding spanning its layers (data-from: the layer
        that added it; data-to: removed_in_layer, or the top layer for
        present); one metadata-band chip per metadata finding; the
        Dockerfile <pre> is the history text; the page's script ran (--js:
        <html data-script="ran">, controls shown) or did not (--nojs: no
        marker, controls hidden, every row shown).
    html_check.py hostile PAGE RAW.html MARKER...
        The page (dumped DOM, script on) made from an image whose names are
        hostile: the script ran, the title is not PWNED, one <script> (the
        page's own, allowed by the CSP hash computed here from RAW.html), no
        <img>, no on* attribute, no href but "#...", no src, and every MARKER
        string appears in the text.
    html_check.py png FILE
        Prints the number of distinct colours of the PNG's top 600 rows and
        which severity colours of the stylesheet are among them.

Prints one line per problem; exit status 1 if any.
"""
import base64
import hashlib
import json
import re
import struct
import sys
import zlib
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def classes(self):
        return (self.attrs.get("class") or "").split()


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not self.root and n.tag != tag:
            n = n.parent
        if n is not self.root:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(path):
    t = Tree()
    t.feed(open(path, encoding="utf-8").read())
    t.close()
    return t.root


problems = []


def expect(cond, msg):
    if not cond:
        problems.append(msg)


def by_id(root, ident):
    for n in root.walk():
        if n.attrs.get("id") == ident:
            return n
    return None


def layer_attr(v):
    return "" if v is None else str(v)


def check_report(page, report_path, history_path, js):
    root = parse(page)
    rep = json.load(open(report_path, encoding="utf-8"))
    findings, layers = rep["findings"], rep["layers"]
    html = next(n for n in root.walk() if n.tag == "html")
    if js:
        expect(html.attrs.get("data-script") == "ran", "the page's script did not run")
    else:
        expect("data-script" not in html.attrs, "a script ran with scripts off")
    controls = by_id(root, "controls")
    table = by_id(root, "findings")
    if not findings:
        expect(table is None, "a findings table for no findings")
    else:
        expect(controls is not None and (("hidden" in controls.attrs) != js),
               "filter controls %s" % ("hidden with the script" if js else "shown without the script"))
        rows = [n for n in table.walk() if n.tag == "tr" and n.parent.tag == "tbody"] if table else []
        expect(len(rows) == len(findings), "%d table rows for %d findings" % (len(rows), len(findings)))
        for i, (tr, f) in enumerate(zip(rows, findings)):
            a = tr.attrs
            got = (a.get("data-rule"), a.get("data-path"), a.get("data-line"), a.get("data-layer"),
                   a.get("data-status"), a.get("data-severity"), a.get("data-source"), a.get("id"), "hidden" in a)
            want = (f["rule"], f["path"], str(f["line"]), layer_attr(f["layer"]), f["status"], f["severity"],
                    f["source"], "f%d" % (i + 1), False)
            expect(got == want, "row %d: %r, expected %r" % (i + 1, got, want))
            cells = [c for c in tr.children if isinstance(c, Node) and c.tag == "td"]
            expect(len(cells) == 8, "row %d: %d cells" % (i + 1, len(cells)))
            if len(cells) == 8:
                loc = "%s:%d:%d" % (f["path"], f["line"], f["column"])
                expect(cells[3].text() == loc, "row %d location %r, expected %r" % (i + 1, cells[3].text(), loc))
                expect(cells[7].text() == (f["secret"] or ""), "row %d secret %r, expected the JSON's %r"
                       % (i + 1, cells[7].text(), f["secret"]))
                word = {"present": "present in the final image", "deleted": "deleted in layer %s" % f["removed_in_layer"],
                        "overwritten": "overwritten in layer %s" % f["removed_in_layer"],
                        "metadata": "in "}[f["status"]]
                expect(cells[5].text().startswith(word), "row %d status %r" % (i + 1, cells[5].text()))
                if f["status"] in ("deleted", "overwritten"):
                    expect(cells[5].text().endswith("the bytes are still in layer %d" % f["layer"]),
                           "row %d status %r" % (i + 1, cells[5].text()))
    # the timeline
    rows = [n for n in root.walk() if "tl-layer" in n.classes()]
    expect([r.attrs.get("data-layer") for r in rows] == [str(l["index"]) for l in layers],
           "timeline rows %r for %d layers" % ([r.attrs.get("data-layer") for r in rows], len(layers)))
    for r, l in zip(rows, layers):
        cells = [c for c in r.children if isinstance(c, Node) and "cell" in c.classes()]
        idx = str(l["index"]) + ("" if l["digest_verified"] else "\xa0!")
        expect(len(cells) == 4 and cells[0].text() == idx and cells[3].text() == (l["instruction"] or "unknown"),
               "timeline row %d: %r" % (l["index"], [c.text() for c in cells]))
    bars = [n for n in root.walk() if "bar" in n.classes()]
    files = [(i + 1, f) for i, f in enumerate(findings) if f["status"] != "metadata"]
    expect(len(bars) == len(files), "%d bars for %d file findings" % (len(bars), len(files)))
    for b, (n, f) in zip(bars, files):
        to = f["removed_in_layer"] if f["status"] != "present" else len(layers) - 1
        got = (b.attrs.get("data-n"), b.attrs.get("data-rule"), b.attrs.get("data-path"), b.attrs.get("data-status"),
               b.attrs.get("data-from"), b.attrs.get("data-to"), b.attrs.get("href"))
        want = (str(n), f["rule"], f["path"], f["status"], str(f["layer"]), str(to), "#f%d" % n)
        expect(got == want, "bar %r, expected %r" % (got, want))
        expect("sev-" + f["severity"] in b.classes(), "bar %d classes %r" % (n, b.classes()))
        area = re.search(r"grid-area:(\d+)/\d+/(\d+)/", b.attrs.get("style", ""))
        expect(area is not None and (int(area.group(1)), int(area.group(2))) == (f["layer"] + 2, to + 3),
               "bar %d spans %r" % (n, b.attrs.get("style")))
    band = by_id(root, "metadata-band")
    chips = sorted(int(c.attrs["data-n"]) for c in band.walk() if "chip" in c.classes()) if band else []
    meta = [i + 1 for i, f in enumerate(findings) if f["status"] == "metadata"]
    expect(chips == meta, "metadata band %r, expected %r" % (chips, meta))
    pre = by_id(root, "dockerfile")
    hist = open(history_path, encoding="utf-8").read()
    expect(pre is not None and pre.text() == hist, "the Dockerfile section is not `layerscan history`")
    # the image section
    img = by_id(root, "image")
    facts = dict(zip((n.text() for n in img.walk() if n.tag == "dt"), (n.text() for n in img.walk() if n.tag == "dd")))
    for key, field in (("Reference", "reference"), ("Transport", "transport"), ("Config digest", "config_digest"),
                       ("Manifest digest", "manifest_digest")):
        expect(facts.get(key) == (rep["image"][field] or "none"), "image %s: %r" % (key, facts.get(key)))


def check_hostile(page, raw_path, markers):
    root = parse(page)
    raw = open(raw_path, encoding="utf-8").read()
    html = next(n for n in root.walk() if n.tag == "html")
    expect(html.attrs.get("data-script") == "ran", "the page's script did not run")
    title = next((n.text() for n in root.walk() if n.tag == "title"), None)
    expect(title != "PWNED", "title %r: an injected script ran" % title)
    expect(title is not None and title.startswith("layerscan: "), "title %r" % title)
    scripts = [n for n in root.walk() if n.tag == "script"]
    expect(len(scripts) == 1, "%d <script> elements" % len(scripts))
    # the CSP allows exactly the page's script, by the hash of its text
    m = re.search(r"<script>(.*?)</script>", raw, re.S)
    csp = next((n.attrs.get("content", "") for n in root.walk()
                if n.tag == "meta" and n.attrs.get("http-equiv") == "Content-Security-Policy"), "")
    if m:
        h = base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode()
        expect(csp == "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-%s'; "
                      "base-uri 'none'; form-action 'none'" % h, "CSP %r" % csp)
    expect(raw.count("<script") == 1 and raw.count("<style") == 1, "raw page: extra <script or <style")
    expect("<img" not in raw and "</style><" not in raw, "raw page: markup of the image's making")
    # both as the browser built it and as the file says it
    for which, tree in (("DOM", root), ("file", parse(raw_path))):
        for n in tree.walk():
            expect(n.tag not in ("img", "iframe", "object", "embed", "base", "form", "link"),
                   "%s: a <%s> element" % (which, n.tag))
            for k, v in n.attrs.items():
                expect(not k.startswith("on"), "%s: an %s attribute on <%s>" % (which, k, n.tag))
                expect(k != "src", "%s: a src attribute on <%s>" % (which, n.tag))
                if k == "href":
                    expect(re.fullmatch(r"#[a-z0-9-]+", v or "") is not None, "%s: href %r" % (which, v))
    expect("http://" not in raw and "https://" not in raw, "raw page: an http(s) URL")
    text = root.text()
    for s in markers:
        expect(s in text, "%r not shown as text" % s)


def png_colours(path):
    data = open(path, "rb").read()
    expect(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                sys.exit("unsupported PNG: depth %d colour type %d" % (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride, prev, colours = w * bpp, bytearray(w * bpp), set()
    for y in range(min(h, 600)):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    sev = {"critical": b"\xb3\x26\x1e", "high": b"\xe8\x71\x0a", "medium": b"\xc9\x9a\x06", "low": b"\x1a\x73\xe8"}
    print(len(colours), " ".join(k for k, v in sev.items() if v in colours))


def main():
    mode = sys.argv[1]
    if mode == "report":
        check_report(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "--js")
    elif mode == "hostile":
        check_hostile(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif mode == "png":
        png_colours(sys.argv[2])
    else:
        sys.exit("usage: html_check.py report|hostile|png ...")
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
