#!/usr/bin/env python3
"""mock_layerscan.py - a tiny stand-in for `layerscan scan`, written from the
v1 report contract, used ONLY to self-test the interop harness
(tests/interop/report_check.py and the specs in tests/integration/
test_interop_*.sh) while the real CLI does not exist:

    bash tests/integration/test_interop_umoci.sh   tests/interop/mock_layerscan.py . /tmp/w
    bash tests/integration/test_interop_buildah.sh tests/interop/mock_layerscan.py . /tmp/w

It is not a reference implementation: six rules, no validation, no limits.
"""
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

RULES = [
    ("aws-access-key-id", "AWS access key ID", r"AKIA[A-Z2-7]{16}"),
    ("github-pat", "GitHub personal access token", r"ghp_[A-Za-z0-9]{36}"),
    ("npm-token", "npm access token", r"npm_[A-Za-z0-9]{36}"),
    ("slack-token", "Slack token", r"xoxb-[0-9]{12}-[0-9]{12}-[A-Za-z0-9]{24}"),
    ("stripe-secret-key", "Stripe secret key", r"sk_live_[A-Za-z0-9]{24}"),
    ("private-key", "Private key",
     r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
]


def clean(created_by):
    s = created_by or ""
    if s.endswith(" # buildkit"):
        s = s[: -len(" # buildkit")]
    if s.startswith("/bin/sh -c #(nop) "):
        return s[len("/bin/sh -c #(nop) "):]
    m = re.match(r"^\|\d+ .*? /bin/sh -c (.*)$", s, re.S)
    if m:
        return "RUN " + m.group(1)
    if s.startswith("/bin/sh -c "):
        return "RUN " + s[len("/bin/sh -c "):]
    return s


def decompress(b):
    if b[:2] == b"\x1f\x8b":
        return gzip.decompress(b)
    if b[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dc"], input=b, stdout=subprocess.PIPE, check=True).stdout
    return b


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def open_image(ref):
    """-> (transport, config dict, [(digest, media_type, raw bytes)], manifest_digest)"""
    m = re.match(r"^(docker-archive|oci-archive|oci):(.*)$", ref)
    if m:
        transport, rest = m.groups()
    else:
        rest = ref
        if os.path.isdir(ref):
            transport = "oci"
        else:
            with tarfile.open(ref) as tf:
                names = tf.getnames()
            transport = "docker-archive" if "manifest.json" in names else "oci-archive"
    tag = None
    if transport != "docker-archive" and ":" in rest:
        p, t = rest.rsplit(":", 1)
        if "/" not in t:
            rest, tag = p, t
    if transport == "docker-archive":
        with tarfile.open(rest) as tf:
            man = json.load(tf.extractfile("manifest.json"))[0]
            cfg = json.load(tf.extractfile(man["Config"]))
            layers = []
            for name in man["Layers"]:
                mem = tf.getmember(name)
                while mem.issym():
                    mem = tf.getmember(os.path.normpath(os.path.join(os.path.dirname(name), mem.linkname)))
                layers.append((None, None, tf.extractfile(mem).read()))
        return transport, cfg, layers, None
    d = rest
    if transport == "oci-archive":
        d = tempfile.mkdtemp()
        with tarfile.open(rest) as tf:
            tf.extractall(d)
    idx = json.load(open(os.path.join(d, "index.json")))
    mans = idx["manifests"]
    if tag:
        mans = [x for x in mans if (x.get("annotations") or {}).get("org.opencontainers.image.ref.name") == tag]
    blob = lambda dg: open(os.path.join(d, "blobs", *dg.split(":")), "rb").read()
    mb = blob(mans[0]["digest"])
    man = json.loads(mb)
    cfg = json.loads(blob(man["config"]["digest"]))
    layers = [(l["digest"], l["mediaType"], blob(l["digest"])) for l in man["layers"]]
    return transport, cfg, layers, sha(mb)


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    name = name.strip("/")
    return "/" + name if name and name != "." else "/"


def scan_text(text, line0=1):
    out = []
    for rid, title, rx in RULES:
        for m in re.finditer(rx, text):
            before = text[: m.start()]
            line = before.count("\n") + line0
            col = m.start() - (before.rfind("\n") + 1) + 1
            out.append((rid, title, m.group(0), line, col, m.start()))
    return out


def main(argv):
    args = argv[1:]
    if not args or args[0] != "scan":
        return 2
    fmt, show, ref = "text", False, None
    i = 1
    while i < len(args):
        if args[i] == "--format":
            fmt = args[i + 1]; i += 2; continue
        if args[i] == "--show-secrets":
            show = True; i += 1; continue
        ref = args[i]; i += 1
    try:
        transport, cfg, raw_layers, mdig = open_image(ref)
    except Exception as e:
        print("layerscan: %s: %s" % (ref, e), file=sys.stderr)
        return 2
    hist = cfg.get("history") or []
    owner, htable, li = {}, [], 0
    for hi, h in enumerate(hist):
        lay = None
        if not h.get("empty_layer"):
            lay = li; owner[li] = hi; li += 1
        htable.append({"index": hi, "created_by": h.get("created_by"),
                       "instruction": clean(h.get("created_by")),
                       "empty_layer": bool(h.get("empty_layer")), "layer": lay})
    # per layer: {path: ("file", hash) | ("dir",) | ("other",)}, whiteouts, opaques
    parsed, ltable, files = [], [], []
    for n, (dg, mt, raw) in enumerate(raw_layers):
        tar = decompress(raw)
        ents, wh, opq, count = {}, set(), set(), 0
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as tf:
            for m in tf:
                count += 1
                p = norm(m.name)
                base = p.rsplit("/", 1)[-1]
                parent = p.rsplit("/", 1)[0] or "/"
                if base == ".wh..wh..opq":
                    opq.add(parent)
                elif base.startswith(".wh."):
                    wh.add((parent.rstrip("/") + "/" + base[4:]) if parent != "/" else "/" + base[4:])
                elif m.isreg():
                    data = tf.extractfile(m).read()
                    ents[p] = ("file", hashlib.sha256(data).hexdigest())
                    files.append((n, p, data))
                else:
                    ents[p] = ("dir",) if m.isdir() else ("other",)
        parsed.append((ents, wh, opq))
        hi = owner.get(n)
        ltable.append({"index": n, "digest": dg, "diff_id": sha(tar), "media_type": mt,
                       "compressed_bytes": len(raw), "bytes": len(tar), "history": hi,
                       "instruction": htable[hi]["instruction"] if hi is not None else None,
                       "created": hist[hi].get("created") if hi is not None else None,
                       "entries": count, "whiteouts": len(wh) + len(opq), "digest_verified": dg is not None})

    def status(n, p, h):
        anc = []
        q = p
        while q != "/":
            q = q.rsplit("/", 1)[0] or "/"
            anc.append(q)
        for j in range(n + 1, len(parsed)):
            ents, wh, opq = parsed[j]
            if p in wh or any(a in wh for a in anc) or any(a in opq for a in anc):
                return "deleted", j
            if any(a in ents and ents[a][0] != "dir" for a in anc):
                return "deleted", j
            if p in ents:
                if ents[p] != ("file", h):
                    return "overwritten", j
        return "present", None

    findings = []

    def add(src, rid, title, secret, line, col, off, path, layer, hi, st, rem):
        fp = hashlib.sha256(("%s\0%s\0%s\0%s" % (rid, secret, path, layer)).encode()).hexdigest()[:32]
        findings.append({"rule": rid, "title": title, "severity": "high", "confidence": "high",
                         "source": src, "layer": layer, "history": hi,
                         "instruction": htable[hi]["instruction"] if hi is not None else None,
                         "path": path, "line": line, "column": col, "offset": off, "status": st,
                         "removed_in_layer": rem,
                         "secret": secret if show else secret[:4] + "*" * 8,
                         "fingerprint": fp, "validation": None})

    for n, p, data in files:
        text = data.decode("latin-1")
        for rid, title, sec, line, col, off in scan_text(text):
            st, rem = status(n, p, hashlib.sha256(data).hexdigest())
            add("file", rid, title, sec, line, col, off, p, n, owner.get(n), st, rem)
    for h in htable:
        for rid, title, sec, line, col, off in scan_text(h["created_by"] or ""):
            add("history", rid, title, sec, line, col, off, "history[%d].created_by" % h["index"],
                h["layer"], h["index"], "metadata", None)
    def setter(keyword, key):
        for h in reversed(htable):
            ins = h["instruction"]
            if ins.startswith(keyword + " ") and re.search(r"(^| )%s=" % re.escape(key), ins[len(keyword) + 1:]):
                return h["index"]
        return None
    ccfg = cfg.get("config") or {}
    labels = ["%s=%s" % kv for kv in sorted((ccfg.get("Labels") or {}).items())]
    for path, kw, lines in (("config.Env", "ENV", ccfg.get("Env") or []), ("config.Labels", "LABEL", labels)):
        for rid, title, sec, line, col, off in scan_text("\n".join(lines)):
            hi = setter(kw, lines[line - 1].split("=", 1)[0])
            add("config", rid, title, sec, line, col, off, path, None, None, "metadata", None)
            findings[-1]["history"] = hi

    rep = {"report_version": 1, "tool": {"name": "mock_layerscan"},
           "image": {"reference": ref, "transport": transport, "manifest_digest": mdig,
                     "config_digest": sha(json.dumps(cfg).encode()), "os": cfg.get("os"),
                     "architecture": cfg.get("architecture"), "created": cfg.get("created")},
           "layers": ltable, "history": htable, "findings": findings, "errors": [], "stats": {}}
    if fmt == "json":
        json.dump(rep, sys.stdout, indent=1)
    else:
        for f in findings:
            print("%s %s:%s layer %s %s" % (f["rule"], f["path"], f["line"], f["layer"], f["status"]))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
