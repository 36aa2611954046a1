#!/usr/bin/env python3
"""precision_report.py OUT LABEL [BASELINE] - the report of tests/bench/precision.sh.

Reads the JSON reports under OUT/results/LABEL/{debian,npm}/, writes
OUT/results/LABEL/summary.json and findings.tsv, and prints Markdown: per corpus the
findings by severity x confidence, the findings per rule, every high-confidence
finding (path and rule), and, with BASELINE, the change in high-confidence findings
per rule and the high-confidence findings that appeared or went away."""
import json, os, sys

SEVS = ["critical", "high", "medium", "low"]
CONFS = ["high", "medium", "low"]
CORPORA = ["debian", "npm"]
LIST_CAP = 300  # high-confidence findings listed per corpus


def load(out, label):
    res = os.path.join(out, "results", label)
    corpora = {}
    for c in CORPORA:
        d = os.path.join(res, c)
        findings, errors, inputs = [], [], 0
        for name in sorted(os.listdir(d)):
            if not name.endswith(".json"):
                continue
            inputs += 1
            with open(os.path.join(d, name)) as f:
                r = json.load(f)
            src = name[:-5]
            for x in r.get("findings", []):
                findings.append({
                    "input": src, "path": x.get("path", ""), "rule": x.get("rule", ""),
                    "severity": x.get("severity", ""), "confidence": x.get("confidence", ""),
                    "line": x.get("line", 0), "validation": x.get("validation", ""),
                    "source": x.get("source", ""), "secret": x.get("secret", ""),
                })
            for e in r.get("errors", []):
                errors.append({"input": src, "error": e if isinstance(e, str) else json.dumps(e, sort_keys=True)})
        corpora[c] = {"inputs": inputs, "findings": findings, "errors": errors}
    meta = ""
    mp = os.path.join(res, "meta.txt")
    if os.path.exists(mp):
        meta = open(mp).read().strip()
    return {"label": label, "meta": meta, "corpora": corpora}


def key(f):
    return (f["input"], f["path"], f["rule"], f["line"])


def esc(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def report(s):
    print("## Precision run `%s`\n" % s["label"])
    for line in s["meta"].splitlines():
        print("- " + line)
    for c in CORPORA:
        co = s["corpora"][c]
        fs = co["findings"]
        print("\n### %s: %d inputs, %d findings, %d scan errors\n" % (c, co["inputs"], len(fs), len(co["errors"])))
        print("| severity \\ confidence | " + " | ".join(CONFS) + " | total |")
        print("|---|" + "---:|" * (len(CONFS) + 1))
        for sev in SEVS:
            row = [sum(1 for f in fs if f["severity"] == sev and f["confidence"] == cf) for cf in CONFS]
            print("| %s | %s | %d |" % (sev, " | ".join(map(str, row)), sum(row)))
        tot = [sum(1 for f in fs if f["confidence"] == cf) for cf in CONFS]
        print("| total | %s | %d |" % (" | ".join(map(str, tot)), sum(tot)))
        rules = sorted({f["rule"] for f in fs})
        if rules:
            print("\nFindings per rule (high / medium / low confidence):\n")
            print("| rule | high | medium | low |")
            print("|---|---:|---:|---:|")
            rows = []
            for r in rules:
                rows.append((r, [sum(1 for f in fs if f["rule"] == r and f["confidence"] == cf) for cf in CONFS]))
            rows.sort(key=lambda x: (-x[1][0], -sum(x[1]), x[0]))
            for r, n in rows:
                print("| %s | %s |" % (r, " | ".join(map(str, n))))
        hi = sorted((f for f in fs if f["confidence"] == "high"), key=key)
        if hi:
            print("\nEvery high-confidence finding%s:\n" % ("" if len(hi) <= LIST_CAP else " (the first %d of %d; all in findings.tsv)" % (LIST_CAP, len(hi))))
            print("| input | path | line | rule | severity | validation |")
            print("|---|---|---:|---|---|---|")
            for f in hi[:LIST_CAP]:
                print("| %s | %s | %s | %s | %s | %s |" % (esc(f["input"]), esc(f["path"]), f["line"], f["rule"], f["severity"], f["validation"]))
        if co["errors"]:
            print("\nScan errors:\n")
            for e in co["errors"][:20]:
                print("- %s: %s" % (esc(e["input"]), esc(e["error"])[:300]))


def compare(s, b):
    print("\n## `%s` against `%s`\n" % (s["label"], b["label"]))
    print("| corpus | findings %s → %s | high-confidence %s → %s | medium | low |" % (b["label"], s["label"], b["label"], s["label"]))
    print("|---|---:|---:|---:|---:|")
    for c in CORPORA:
        x, y = b["corpora"][c]["findings"], s["corpora"][c]["findings"]
        n = lambda fs, cf: sum(1 for f in fs if f["confidence"] == cf)
        print("| %s | %d → %d | %d → %d | %d → %d | %d → %d |" % (c, len(x), len(y), n(x, "high"), n(y, "high"), n(x, "medium"), n(y, "medium"), n(x, "low"), n(y, "low")))
    for c in CORPORA:
        x = [f for f in b["corpora"][c]["findings"] if f["confidence"] == "high"]
        y = [f for f in s["corpora"][c]["findings"] if f["confidence"] == "high"]
        rules = sorted({f["rule"] for f in x} | {f["rule"] for f in y})
        changed = []
        for r in rules:
            a, z = sum(1 for f in x if f["rule"] == r), sum(1 for f in y if f["rule"] == r)
            if a != z:
                changed.append((r, a, z))
        print("\n### %s: high-confidence findings per rule that changed\n" % c)
        if not changed:
            print("None: the same count for every rule (%d findings)." % len(y))
        else:
            print("| rule | %s | %s | Δ |" % (b["label"], s["label"]))
            print("|---|---:|---:|---:|")
            for r, a, z in sorted(changed, key=lambda t: (-(t[2] - t[1]), t[0])):
                print("| %s | %d | %d | %+d |" % (r, a, z, z - a))
        kx, ky = {key(f) for f in x}, {key(f) for f in y}
        new = sorted((f for f in y if key(f) not in kx), key=key)
        gone = sorted((f for f in x if key(f) not in ky), key=key)
        for title, lst in (("new in `%s`" % s["label"], new), ("gone since `%s`" % b["label"], gone)):
            if lst:
                print("\n%s high-confidence findings %s%s:\n" % (len(lst), title, "" if len(lst) <= LIST_CAP else " (first %d)" % LIST_CAP))
                print("| input | path | line | rule | severity |")
                print("|---|---|---:|---|---|")
                for f in lst[:LIST_CAP]:
                    print("| %s | %s | %s | %s | %s |" % (esc(f["input"]), esc(f["path"]), f["line"], f["rule"], f["severity"]))


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, label = sys.argv[1], sys.argv[2]
    s = load(out, label)
    res = os.path.join(out, "results", label)
    with open(os.path.join(res, "summary.json"), "w") as f:
        json.dump(s, f, indent=1, sort_keys=True)
    with open(os.path.join(res, "findings.tsv"), "w") as f:
        f.write("corpus\tinput\tpath\tline\trule\tseverity\tconfidence\tvalidation\tsecret\n")
        for c in CORPORA:
            for x in sorted(s["corpora"][c]["findings"], key=key):
                f.write("\t".join(str(v).replace("\t", " ").replace("\n", " ") for v in (c, x["input"], x["path"], x["line"], x["rule"], x["severity"], x["confidence"], x["validation"], x["secret"])) + "\n")
    report(s)
    if len(sys.argv) == 4:
        with open(os.path.join(out, "results", sys.argv[3], "summary.json")) as f:
            compare(s, json.load(f))


if __name__ == "__main__":
    main()
