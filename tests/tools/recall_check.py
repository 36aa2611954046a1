#!/usr/bin/env python3
"""recall_check.py LAYERSCAN WORKDIR FILE... - the per-family recall corpus (tests/recall/).

Each FILE is {"family": NAME, "cases": [CASE...]}; a CASE is
  {"path": "/srv/app/.env", "content": "...", "expect": [{"rule": ID, "secret": S}, ...]}
where expect lists every finding the file must give, exactly (an empty list:
the file must stay quiet), and an optional "confidence" or "validation" per
expected finding is checked too. Contents are written from the providers'
documented formats (never copied from a rule's own examples), in the files
and syntaxes where such secrets live. All cases of all files go into one
plain layer tar; the scan must give, per path, exactly the expected
(rule, secret) pairs, every one present in layer 0, and no error.
Prints one line per family (cases, expected findings, misses, extras) and
every mismatch; exits 1 on any.
"""
import collections, io, json, os, shlex, subprocess, sys, tarfile

def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    ls, work, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(work, exist_ok=True)
    want, family_of, seen = {}, {}, set()
    layer = os.path.join(work, 'recall-layer.tar')
    with tarfile.open(layer, 'w', format=tarfile.PAX_FORMAT) as tf:
        dirs = set()
        for fn in files:
            doc = json.load(open(fn))
            fam = doc['family']
            for c in doc['cases']:
                p = c['path']
                if not p.startswith('/') or p in seen:
                    sys.exit('%s: case path %r: must be absolute and unique' % (fn, p))
                seen.add(p)
                for e in c['expect']:
                    if e['secret'] not in c['content']:
                        sys.exit('%s: %s: secret of %s not in the content' % (fn, p, e['rule']))
                parts = p.strip('/').split('/')
                for i in range(1, len(parts)):
                    d = '/'.join(parts[:i])
                    if d not in dirs:
                        dirs.add(d)
                        ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
                        tf.addfile(ti)
                data = c['content'].encode()
                ti = tarfile.TarInfo(p.strip('/')); ti.size = len(data); ti.mode = 0o644
                tf.addfile(ti, io.BytesIO(data))
                want[p] = c['expect']
                family_of[p] = fam
    env = dict(os.environ, LAYERSCAN_PATTERNS=os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "patterns"))
    out = subprocess.run(shlex.split(ls) + ["scan", "--format", "json", "--show-secrets", "--no-cache", layer], env=env,
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit('scan: exit %d: %s' % (out.returncode, out.stderr.strip()))
    rep = json.loads(out.stdout)
    got = collections.defaultdict(list)
    bad = []
    for f in rep['findings']:
        got[f['path']].append(f)
        if f['status'] != 'present' or f['layer'] != 0:
            bad.append('%s %s: status %s layer %s' % (f['path'], f['rule'], f['status'], f['layer']))
    stats = collections.defaultdict(lambda: [0, 0, 0, 0])
    for p, exp in want.items():
        st = stats[family_of[p]]
        st[0] += 1
        st[1] += len(exp)
        fs = got.pop(p, [])
        have = collections.Counter((f['rule'], f['secret']) for f in fs)
        need = collections.Counter((e['rule'], e['secret']) for e in exp)
        for (r, s), n in (need - have).items():
            st[2] += n
            bad.append('%s: missed %s %r (got %s)' % (p, r, s[:60], sorted(have)))
        for (r, s), n in (have - need).items():
            st[3] += n
            bad.append('%s: unexpected %s %r' % (p, r, s[:60]))
        for e in exp:
            for f in fs:
                if (f['rule'], f['secret']) != (e['rule'], e['secret']):
                    continue
                for k in ('confidence', 'validation', 'severity'):
                    if k in e and f.get(k) != e[k]:
                        bad.append('%s %s: %s %s, expected %s' % (p, e['rule'], k, f.get(k), e[k]))
    for p, fs in got.items():
        bad.append('%s: unexpected finding outside the corpus: %s' % (p, [f['rule'] for f in fs]))
    if rep.get('errors'):
        bad.append('errors: %r' % rep['errors'])
    for fam in sorted(stats):
        c, e, m, x = stats[fam]
        print('%-16s %4d files %4d expected  %d missed  %d unexpected' % (fam, c, e, m, x))
    tot = [sum(v[i] for v in stats.values()) for i in range(4)]
    print('%-16s %4d files %4d expected  %d missed  %d unexpected' % ('total', *tot))
    for b in bad:
        print('FAIL ' + b)
    sys.exit(1 if bad else 0)

main()
