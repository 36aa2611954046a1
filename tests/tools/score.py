#!/usr/bin/env python3
"""score.py CASE_DIR... - recall and precision of layerscan over labeled cases.

Each CASE_DIR holds labels.json (what must be found) and report.json (what
layerscan reported, --show-secrets). A finding counts as found when rule,
path, secret, layer and status all match a label; every unmatched reported
finding is a false positive. Prints per-case and total counts and exits 1
when recall or precision falls below --min (default 0.98).
"""
import argparse, json, os, sys
from collections import Counter

KEY = ('rule', 'path', 'secret', 'layer', 'status')

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('cases', nargs='+')
    ap.add_argument('--min', type=float, default=0.98)
    a = ap.parse_args()
    tp = fn = fp = 0
    for d in a.cases:
        labels = json.load(open(os.path.join(d, 'labels.json'))).get('findings', [])
        try:
            rep = json.load(open(os.path.join(d, 'report.json'))).get('findings', [])
        except (OSError, ValueError):
            rep = []
        want = Counter(tuple(f.get(k) for k in KEY) for f in labels)
        got = Counter(tuple(f.get(k) for k in KEY) for f in rep)
        t = sum((want & got).values())
        tp += t; fn += sum(want.values()) - t; fp += sum(got.values()) - t
        if sum(want.values()) != t or sum(got.values()) != t:
            print('  %s: %d labeled, %d reported, %d matched' % (os.path.basename(d.rstrip('/')),
                  sum(want.values()), sum(got.values()), t))
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    print('score: %d cases, %d labeled, tp %d, fn %d, fp %d, recall %.4f, precision %.4f'
          % (len(a.cases), tp + fn, tp, fn, fp, recall, precision))
    sys.exit(0 if recall >= a.min and precision >= a.min else 1)

main()
