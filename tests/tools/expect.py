#!/usr/bin/env python3
"""expect.py - check a layerscan JSON report against hand-written labels.

    python3 tests/tools/expect.py REPORT.json LABELS.json [--exit CODE]
                                  [--show-secrets] [--strict-order] [--quiet]

LABELS.json:
  {"exit": 1,                         # or a list of acceptable codes, e.g. [0, 2]
   "findings": [{"rule": .., "layer": .., "history": .., "instruction": ..,
                 "path": .., "line": .., "column": .., "status": ..,
                 "removed_in_layer": .., "secret": ..}],
   "errors": [{"layer": N, "contains": "substring", "path": "..",
               "if_compression": "gzip"}],
   "layers": [{"index": 0, "digest_verified": true, "entries": N, "whiteouts": N}],
   "image": {"os": "linux", ...},     # optional subset check of report.image
   "layer_count": N,                  # optional: len(report.layers)
   "errors_optional": true,           # optional: accept any errors
   "suppressed": [{... as findings, "suppressed_by": "vendor"}]}

Checks:
  * findings: the multiset of (rule, layer, path, line, column, status) of the
    report equals that of the labels, and each labeled finding is matched by a
    distinct report finding on EVERY field the label gives (a label value of
    null requires null or absence in the report). "secret" is compared only
    with --show-secrets (the report was made with --show-secrets).
  * errors: every labeled error matches a report error (layer equal when the
    label gives "layer", message containing "contains" case-insensitively,
    path equal when given); every report error must be covered by a labeled
    error with the same layer (or by a label without "layer"). Labels without
    "errors" mean: no errors. A label with "if_compression" applies only when
    the report's layer "layer" has that compression (a docker-archive stores
    layers uncompressed: no gzip CRC there), and is ignored otherwise.
  * suppressed: checked exactly as findings against the report's
    suppressed[] when the labels give "suppressed"; otherwise suppressed[]
    must be empty.
  * layers: the given fields of each labeled layer equal the report's.
  * --exit CODE: CODE is one of labels["exit"].
  * order: file findings sorted by (layer, path, offset), findings with
    layer null after the others, among them history (by index) before config;
    a warning unless --strict-order.
Exit 0 when everything holds, 1 otherwise (with a diff-like listing), 2 on
unreadable input.
"""

import argparse
import json
import sys

KEY = ("rule", "layer", "path", "line", "column", "status")


def load(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"expect: cannot read {what} {path}: {e}", file=sys.stderr)
        sys.exit(2)


def fmt(f):
    return json.dumps(f, ensure_ascii=False, sort_keys=False)


def short(f):
    return "(" + ", ".join(f"{k}={f.get(k)!r}" for k in KEY) + ")"


def key_of(f):
    return tuple(f.get(k) for k in KEY)


def field_diffs(label, finding, check_secret):
    out = []
    for k, v in label.items():
        if k.startswith("_"):
            continue  # notes
        if k == "secret" and not check_secret:
            continue
        got = finding.get(k)
        if (k == "instruction" and not check_secret and isinstance(v, str) and isinstance(got, str)
                and label.get("secret") and label["secret"] in v):
            # a report made without --show-secrets redacts the secret inside
            # the instruction too: compare up to where the secret starts
            if got.startswith(v.split(label["secret"])[0]) and got != v:
                continue
        if got != v:
            out.append((k, v, got))
    return out


def check_findings(report, labels, check_secret, problems):
    rep = list(report.get("findings") or [])
    lab = list(labels.get("findings") or [])
    unmatched_rep = list(range(len(rep)))
    missing = []
    mismatched = []
    # pass 1: exact match on all given fields
    pending = []
    for li, l in enumerate(lab):
        hit = None
        for ri in unmatched_rep:
            if not field_diffs(l, rep[ri], check_secret):
                hit = ri
                break
        if hit is None:
            pending.append(li)
        else:
            unmatched_rep.remove(hit)
    # pass 2: leftovers - pair by key to explain what differs
    for li in pending:
        l = lab[li]
        best, best_d = None, None
        for ri in unmatched_rep:
            d = field_diffs(l, rep[ri], check_secret)
            same_key = key_of(rep[ri]) == tuple(l.get(k) for k in KEY)
            score = (0 if same_key else 1, len(d))
            if best is None or score < best_d[0]:
                best, best_d = ri, (score, d)
        if best is not None and best_d[0][0] == 0:
            mismatched.append((l, rep[best], best_d[1]))
            unmatched_rep.remove(best)
        else:
            missing.append((l, None if best is None else (rep[best], best_d[1])))
    for l, f, diffs in mismatched:
        problems.append(f"MISMATCH finding {short(l)}:")
        for k, want, got in diffs:
            problems.append(f"    {k}: want {want!r}  got {got!r}")
    for l, near in missing:
        problems.append(f"- MISSING finding {fmt(l)}")
        if near is not None:
            f, diffs = near
            problems.append(f"    nearest report finding {short(f)} differs in: "
                            + ", ".join(f"{k} (want {w!r} got {g!r})" for k, w, g in diffs))
    for ri in unmatched_rep:
        f = dict(rep[ri])
        problems.append(f"+ UNEXPECTED finding {short(f)} secret={f.get('secret')!r} "
                        f"source={f.get('source')!r} history={f.get('history')!r}")


def check_errors(report, labels, problems):
    rep = list(report.get("errors") or [])
    lab = list(labels.get("errors") or [])
    layers = {l.get("index"): l for l in report.get("layers") or []}
    lab = [l for l in lab if "if_compression" not in l
           or layers.get(l.get("layer"), {}).get("compression") == l["if_compression"]]
    covered = [False] * len(rep)
    for l in lab:
        ok = False
        for i, e in enumerate(rep):
            if "layer" in l and e.get("layer") != l["layer"]:
                continue
            if "path" in l and e.get("path") != l["path"]:
                continue
            if "contains" in l and l["contains"].lower() not in str(e.get("message", "")).lower():
                continue
            ok = True
            covered[i] = True
        if not ok:
            problems.append(f"- MISSING error {fmt(l)}")
    for i, e in enumerate(rep):
        if covered[i]:
            continue
        # another error on a labeled layer is fine (one failure may be told twice)
        if any(("layer" not in l) or l["layer"] == e.get("layer") for l in lab):
            continue
        problems.append(f"+ UNEXPECTED error {fmt(e)}")


def check_layers(report, labels, problems):
    rl = report.get("layers") or []
    if "layer_count" in labels and len(rl) != labels["layer_count"]:
        problems.append(f"layer count: want {labels['layer_count']} got {len(rl)}")
    for l in labels.get("layers") or []:
        idx = l["index"]
        match = [x for x in rl if x.get("index") == idx]
        if not match:
            problems.append(f"- MISSING layer {idx} in report.layers")
            continue
        for k, v in l.items():
            if k.startswith("_"):
                continue
            if match[0].get(k) != v:
                problems.append(f"layer {idx}: {k}: want {v!r} got {match[0].get(k)!r}")


def check_image(report, labels, problems):
    img = report.get("image") or {}
    for k, v in (labels.get("image") or {}).items():
        if img.get(k) != v:
            problems.append(f"image.{k}: want {v!r} got {img.get(k)!r}")


def check_order(report, problems, warnings, strict):
    fs = report.get("findings") or []
    out = []
    seen_null = False
    last = None
    for i, f in enumerate(fs):
        if f.get("layer") is None:
            seen_null = True
            continue
        if seen_null:
            out.append(f"finding {i} {short(f)} (layer set) comes after a finding with layer null")
        if f.get("source") == "file":
            k = (f.get("layer"), f.get("path") or "", f.get("offset") or 0)
            if last is not None and k < last:
                out.append(f"finding {i} {short(f)} is out of (layer, path, offset) order")
            last = k
    # layer-null findings: history ones by index, then config ones
    meta = [f for f in fs if f.get("layer") is None]
    rank = {"history": 0, "config": 1}
    keys = [(rank.get(f.get("source"), 2), f.get("history") if f.get("source") == "history" else 0)
            for f in meta]
    if keys != sorted(keys):
        out.append("findings with layer null are not ordered history (by index) then config: "
                   + ", ".join(f"{f.get('path')}" for f in meta))
    (problems if strict else warnings).extend(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="check a layerscan report against labels")
    ap.add_argument("report")
    ap.add_argument("labels")
    ap.add_argument("--exit", type=int, default=None, dest="exit_code",
                    help="the exit code layerscan returned")
    ap.add_argument("--show-secrets", action="store_true",
                    help="the report was made with --show-secrets: compare 'secret'")
    ap.add_argument("--strict-order", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)

    labels = load(a.labels, "labels")
    problems, warnings = [], []
    if a.exit_code is not None and "exit" in labels:
        want = labels["exit"] if isinstance(labels["exit"], list) else [labels["exit"]]
        if a.exit_code not in want:
            problems.append(f"exit code: want {' or '.join(map(str, want))} got {a.exit_code}")
    if a.exit_code is not None and a.exit_code not in (0, 1, 2):
        problems.append(f"exit code {a.exit_code} is not 0, 1 or 2 (crash?)")

    report = load(a.report, "report")
    if not isinstance(report, dict):
        print(f"expect: {a.report}: not a JSON object", file=sys.stderr)
        return 1
    if report.get("report_version") != 1:
        problems.append(f"report_version: want 1 got {report.get('report_version')!r}")
    check_findings(report, labels, a.show_secrets, problems)
    sup = []
    check_findings({"findings": report.get("suppressed") or []},
                   {"findings": labels.get("suppressed") or []}, a.show_secrets, sup)
    problems.extend("suppressed: " + p for p in sup)
    if labels.get("errors_optional") and not labels.get("errors"):
        pass  # any errors accepted
    else:
        check_errors(report, labels, problems)
    check_layers(report, labels, problems)
    check_image(report, labels, problems)
    check_order(report, problems, warnings, a.strict_order)

    for w in warnings:
        print(f"  warning: {w}", file=sys.stderr)
    if problems:
        print(f"{a.labels}: {len(problems)} problem(s) with {a.report}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    if not a.quiet:
        n = len(labels.get("findings") or [])
        print(f"ok: {n} finding(s) as labeled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
