#!/usr/bin/env python3
"""audit_check.py - assertions over `layerscan audit` JSONL output (test_audit.sh).

    audit_check.py summary OUT.jsonl key=value ...   the last line is the summary with these values
    audit_check.py refs OUT.jsonl                    audit.reference of each image line, in order
    audit_check.py same-as-scan OUT.jsonl MAP.tsv    each image line == its `scan --format json`
                                                     (MAP: reference TAB scan output file)
    audit_check.py same-lines A.jsonl B.jsonl        the image lines of A and B are identical
    audit_check.py same-as-layout OUT.jsonl MAP.tsv  each image line == the `scan --format json` of
                                                     the same image from another transport (an OCI
                                                     layout), image.reference/transport aside
    audit_check.py fate OUT.jsonl REF RULE STATUS REMOVED
    audit_check.py error OUT.jsonl REF CODE          REF has an error line with this code

Image lines are compared as text after dropping the timing (stats.seconds)
and, against a scan, the "audit" member the audit adds: key order counts.
Exit 1 with a message on the first failed assertion.
"""
import json
import sys

SUMMARY_KEYS = ["images", "layers", "unique_layers", "layers_scanned", "cache_hits",
                "bytes_fetched", "findings", "errors"]


def die(msg):
    print("audit_check: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text and not text.endswith("\n"):
        die(f"{path}: last line has no newline")
    lines = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            lines.append(json.loads(line))
        except ValueError as e:
            die(f"{path}:{n}: not JSON: {e}")
    return lines


def images(lines):
    return [l for l in lines if "summary" not in l]


def canon(obj, drop_audit, drop_origin=False):
    obj = json.loads(json.dumps(obj))
    if drop_audit:
        obj.pop("audit", None)
    if drop_origin and isinstance(obj.get("image"), dict):
        obj["image"].pop("reference", None)
        obj["image"].pop("transport", None)
    if isinstance(obj.get("stats"), dict):
        obj["stats"].pop("seconds", None)
    return json.dumps(obj)


def cmd_summary(path, *pairs):
    lines = load(path)
    if not lines or "summary" not in lines[-1]:
        die(f"{path}: the last line is not a summary")
    s = lines[-1]["summary"]
    if list(s.keys())[:len(SUMMARY_KEYS)] != SUMMARY_KEYS:
        die(f"{path}: summary keys {list(s.keys())}")
    if list(s["findings"].keys()) != ["critical", "high", "medium", "low"]:
        die(f"{path}: summary findings keys {list(s['findings'].keys())}")
    for p in pairs:
        k, v = p.split("=", 1)
        got = s
        for part in k.split("."):
            got = got[part]
        if str(got) != v:
            die(f"{path}: summary {k} = {got}, expected {v}")


def cmd_refs(path):
    for l in images(load(path)):
        print(l["audit"]["reference"])


def cmd_same_as_scan(path, map_path, drop_origin=False):
    scans = {}
    with open(map_path, encoding="utf-8") as f:
        for line in f:
            ref, out = line.rstrip("\n").split("\t")
            scans[ref] = out
    n = 0
    for l in images(load(path)):
        ref = l["audit"]["reference"]
        if "error" in l:
            continue
        with open(scans[ref], encoding="utf-8") as f:
            want = canon(json.load(f), True, drop_origin)
        if canon(l, True, drop_origin) != want:
            die(f"{path}: the line of {ref} differs from {'the layout' if drop_origin else 'its'} "
                f"scan report {scans[ref]}")
        n += 1
    if n == 0:
        die(f"{path}: no image line compared")


def cmd_same_as_layout(path, map_path):
    cmd_same_as_scan(path, map_path, True)


def cmd_same_lines(a, b):
    la = [canon(l, False) for l in images(load(a))]
    lb = [canon(l, False) for l in images(load(b))]
    if la != lb:
        for i, (x, y) in enumerate(zip(la, lb)):
            if x != y:
                die(f"{a} and {b} differ at image line {i + 1}")
        die(f"{a} has {len(la)} image lines, {b} has {len(lb)}")


def line_of(path, ref):
    for l in images(load(path)):
        if l["audit"]["reference"] == ref:
            return l
    die(f"{path}: no line for {ref}")


def cmd_fate(path, ref, rule, status, removed):
    l = line_of(path, ref)
    got = [(f["status"], str(f["removed_in_layer"]).lower().replace("none", "null"))
           for f in l["findings"] if f["rule"] == rule]
    if got != [(status, removed)]:
        die(f"{path}: {ref} {rule}: {got}, expected [({status}, {removed})]")


def cmd_error(path, ref, code):
    l = line_of(path, ref)
    if l.get("error", {}).get("code") != code or "message" not in l["error"] or l.get("report_version") != 1:
        die(f"{path}: {ref}: error line {l}")


def main():
    cmds = {"summary": cmd_summary, "refs": cmd_refs, "same-as-scan": cmd_same_as_scan,
            "same-lines": cmd_same_lines, "same-as-layout": cmd_same_as_layout, "fate": cmd_fate, "error": cmd_error}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        die(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
