#!/usr/bin/env python3
"""gen_detect_corpus.py LAYERSCAN [--check] - writes tests/corpus/detect-rules/.

One image whose second layer holds, for every shipped rule, a file
/app/secrets/<rule-id>.txt (or a path its path_include accepts) with that rule's first example (fake secrets from
patterns/*.json), and a file of look-alikes that must stay quiet (documented
example keys, placeholders, lookups, digests, code). Labels are the findings
the scanner reports, after checking that each secret file gives exactly its
own rule with the example's secret and that no look-alike fires; anything
else aborts, so the labels never encode a miss or a false positive.
With --check nothing is written: the run only says whether every rule's first
example gives exactly its own rule (the check a new rule file must pass). The
scan uses this tree's patterns/ (LAYERSCAN_PATTERNS), whatever the binary's default.
"""
import glob, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASE = os.path.join(ROOT, 'tests', 'corpus', 'detect-rules')

LOOKALIKES = """\
# documented example values and placeholders: none of these is a secret
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
password: ${DB_PASSWORD}
password = "$(cat /run/secrets/db)"
api_key: <your-api-key-here>
token = xxxxxxxxxxxxxxxxxxxxxxxx
DB_PASSWORD=changeme
password = os.environ["DB_PASSWORD"]
const token = process.env.API_TOKEN;
password = getpass.getpass(prompt)
"integrity": "sha512-Qm9vQmFyQmF6UXV4Q29yZ2VHcmF1bHRQbHVnaA=="
secret_key = self.settings.secret_key
postgres://user:password@localhost:5432/app
ssh_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHrandomlookingpublickeymaterial0123 user@host
request_id = 6f1ed002-ab5d-42de-a8e4-2d3e3f1b7c4a
"""

def main():
    ls = sys.argv[1]
    check_only = '--check' in sys.argv[2:]
    rules = []
    for f in sorted(glob.glob(os.path.join(ROOT, 'patterns', '*.json'))):
        rules += json.load(open(f))
    entries = [{'path': 'app', 'type': 'dir'}, {'path': 'app/secrets', 'type': 'dir'}]
    want = {}
    for r in rules:
        ex = r['examples'][0]
        p = 'app/secrets/%s.txt' % r['id']
        if r.get('path_include'):  # a path its first glob accepts, as the self-test does
            g = r['path_include'][0].replace('*', 'x').replace('?', 'x').lstrip('/')
            p = 'app/sensitive/%s/%s' % (r['id'], g)
        entries.append({'path': p, 'type': 'file', 'content': ex['text']})
        want['/' + p] = (r['id'], ex['secret'])
    entries.append({'path': 'app/lookalikes.conf', 'type': 'file', 'content': LOOKALIKES})
    spec = {
        'name': 'layerscan/corpus', 'ref': '1.0', 'os': 'linux', 'architecture': 'amd64',
        'created': '2024-01-01T00:00:00Z',
        'config': {'Env': ['PATH=/usr/bin:/bin'], 'Cmd': ['/bin/sh']},
        'history': [{'created_by': '/bin/sh -c #(nop) ADD file:9f86d081884c7d65 in /'},
                    {'created_by': '/bin/sh -c #(nop) COPY dir:7c4a8d09ca3762af in /app'}],
        'layers': [
            {'compression': 'gzip', 'entries': [{'path': 'bin', 'type': 'dir'},
                                                {'path': 'bin/sh', 'type': 'file', 'content': '#!fake\n', 'mode': 493}]},
            {'compression': 'gzip', 'entries': entries},
        ],
        '_test': {'forms': ['docker-archive', 'oci']},
    }
    with tempfile.TemporaryDirectory() as td:
        sp = os.path.join(td, 'spec.json'); img = os.path.join(td, 'img.tar')
        json.dump(spec, open(sp, 'w'))
        subprocess.run([sys.executable, os.path.join(ROOT, 'tests', 'tools', 'mkimage.py'), sp, img,
                        '--format', 'docker-archive'], check=True)
        env = dict(os.environ, LAYERSCAN_PATTERNS=os.path.join(ROOT, 'patterns'))
        out = subprocess.run([ls, 'scan', '--format', 'json', '--show-secrets', '--no-cache', img],
                             capture_output=True, text=True, env=env)
        rep = json.loads(out.stdout)
    got = {}
    bad = []
    for f in rep['findings']:
        got.setdefault(f['path'], []).append(f)
    for path, (rid, secret) in want.items():
        fs = got.pop(path, [])
        if len(fs) != 1 or fs[0]['rule'] != rid or fs[0]['secret'] != secret:
            bad.append('%s: want %s %r, got %s' % (path, rid, secret,
                       [(f['rule'], f['secret']) for f in fs]))
    for path, fs in got.items():
        bad.append('%s: unexpected %s' % (path, [(f['rule'], f['secret']) for f in fs]))
    if bad:
        print('\n'.join(bad), file=sys.stderr)
        sys.exit(1)
    if check_only:
        print('detect-rules: %d rules, each first example gives exactly its rule' % len(want))
        return
    keys = ['rule', 'source', 'layer', 'history', 'instruction', 'path', 'line', 'column',
            'offset', 'status', 'removed_in_layer', 'secret']
    labels = {'exit': 1,
              'findings': [{k: f[k] for k in keys} for f in rep['findings']],
              'layers': [{'index': l['index'], 'digest_verified': True, 'whiteouts': 0}
                         for l in rep['layers']]}
    os.makedirs(CASE, exist_ok=True)
    json.dump(spec, open(os.path.join(CASE, 'spec.json'), 'w'), indent=1)
    json.dump(labels, open(os.path.join(CASE, 'labels.json'), 'w'), indent=1)
    print('detect-rules: %d labeled findings' % len(labels['findings']))

main()
