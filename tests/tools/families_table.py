#!/usr/bin/env python3
"""families_table.py LISTING.json - the README's table of rule families, from
`layerscan rules list --format json`: per family the number of rules, by
severity, and how many have an offline validator (checksum or structure).
tests/integration/test_rules_list.sh checks the README holds exactly this
table between its `<!-- families:begin -->` and `<!-- families:end -->` lines.
"""
import collections, json, sys

def main():
    rules = json.load(open(sys.argv[1]))
    fam = collections.defaultdict(list)
    for r in rules:
        fam[r['family']].append(r)
    print('| family | rules | critical | high | medium | low | validated offline |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for name in sorted(fam):
        rs = fam[name]
        sev = collections.Counter(r['severity'] for r in rs)
        print('| %s | %d | %d | %d | %d | %d | %d |' % (
            name, len(rs), sev['critical'], sev['high'], sev['medium'], sev['low'],
            sum(1 for r in rs if r['validation'])))
    sev = collections.Counter(r['severity'] for r in rules)
    print('| **all** | **%d** | %d | %d | %d | %d | %d |' % (
        len(rules), sev['critical'], sev['high'], sev['medium'], sev['low'],
        sum(1 for r in rules if r['validation'])))

main()
