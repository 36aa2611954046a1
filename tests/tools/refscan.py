#!/usr/bin/env python3
"""refscan.py - a slow Python model of `layerscan scan` (report contract v1).

    python3 tests/tools/refscan.py scan [--format json] [--show-secrets]
                                   [--platform os/arch] IMAGE

It exists to check the test tooling itself: the corpus labels, expect.py and
the integration scripts can be run end to end before (and independently of)
the C implementation:

    tests/integration/test_corpus.sh "python3 tests/tools/refscan.py" . /tmp/w

It implements only what the corpus needs: a handful of rule regexes, the
image forms mkimage writes, whiteouts/opaque dirs/hard links, fates, history
attribution. It is NOT the reference for rule behavior: the C tool's rules
live in patterns/. Where the two disagree on a labeled case, the labels (and
the contract) decide.
"""

import gzip
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import tarfile
import zlib

RULES = [
    ("aws-access-key-id", "critical", r"(?<![A-Za-z0-9])(AKIA[A-Z2-7]{16})(?![A-Za-z0-9])"),
    ("aws-secret-access-key", "critical",
     r"(?i:aws_secret_access_key)\s*[=:]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])"),
    ("github-pat", "high", r"(?<![A-Za-z0-9_])(ghp_[A-Za-z0-9]{36})(?![A-Za-z0-9])"),
    ("gitlab-pat", "high", r"(?<![A-Za-z0-9_])(glpat-[A-Za-z0-9_-]{20})(?![A-Za-z0-9_-])"),
    ("slack-token", "high", r"(?<![A-Za-z0-9])(xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24})(?![A-Za-z0-9])"),
    ("stripe-secret-key", "critical", r"(?<![A-Za-z0-9])(sk_live_[A-Za-z0-9]{24,})(?![A-Za-z0-9])"),
    ("google-api-key", "high", r"(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
    ("npm-token", "high", r"(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])"),
    ("private-key", "critical",
     r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |)PRIVATE KEY-----\r?\n[A-Za-z0-9+/=]{64})"),
    ("uri-credentials", "high", r"[A-Za-z][A-Za-z0-9+.-]*://[^:/\s@]+:([^@/\s]{6,})@[A-Za-z0-9.-]"),
    ("generic-secret", "medium",
     r"(?i:secret|token|api[_-]?key|apikey|client[_-]?secret|access[_-]?token)[\"']?[ \t]{0,4}[:=][ \t]{0,4}[\"']?"
     r"([A-Za-z0-9_+/~.-][A-Za-z0-9_+/~.=-]{15,127})(?![A-Za-z0-9_+/~.=-])"),
    ("generic-password", "medium",
     r"(?i:[A-Za-z0-9_]*(?:password|passwd)[A-Za-z0-9_]*)\s*[=:]\s*[\"']?([^\s\"']{8,})"),
]
COMPILED = [(rid, sev, re.compile(rx.encode())) for rid, sev, rx in RULES]


class Unusable(Exception):
    pass


def entropy(b):
    if not b:
        return 0.0
    n = len(b)
    return -sum(c / n * math.log2(c / n) for c in (b.count(x) for x in set(b)))


def scan_bytes(data):
    out = []
    for rid, sev, rx in COMPILED:
        for m in rx.finditer(data):
            s, e = m.span(1)
            sec = data[s:e]
            if rid.startswith("generic-") and (entropy(sec) < 3.0 or sec.startswith(b"$")):
                continue
            line = data.count(b"\n", 0, s) + 1
            col = s - (data.rfind(b"\n", 0, s) + 1) + 1
            out.append({"rule": rid, "severity": sev, "offset": s, "line": line, "column": col,
                        "secret": sec.decode("utf-8", "replace")})
    return out


def clean(cb):
    if cb is None:
        return None
    s = cb
    if s.endswith(" # buildkit"):
        s = s[: -len(" # buildkit")]
    if s.startswith("/bin/sh -c #(nop) "):
        return s[len("/bin/sh -c #(nop) "):].strip()
    if s.startswith("|"):
        i = s.find(" /bin/sh -c ")
        if i >= 0:
            return "RUN " + s[i + len(" /bin/sh -c "):].strip()
    if s.startswith("/bin/sh -c "):
        return "RUN " + s[len("/bin/sh -c "):].strip()
    return s.strip()


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


# ------------------------------------------------------------ sources

class Files:
    """Random access to the files of an OCI dir or of a tar archive."""

    def __init__(self, path):
        self.path = path
        self.isdir = os.path.isdir(path)
        self.members = {}
        if not self.isdir:
            try:
                with tarfile.open(path, "r:") as tf:
                    for m in tf.getmembers():
                        if m.isfile():
                            self.members[m.name.lstrip("./")] = tf.extractfile(m).read()
            except (tarfile.TarError, OSError) as e:
                raise Unusable(f"{path}: not a tar archive ({e})")

    def get(self, name):
        if self.isdir:
            p = os.path.join(self.path, name)
            if not os.path.isfile(p):
                return None
            with open(p, "rb") as f:
                return f.read()
        return self.members.get(name)


def load_json(b, what):
    try:
        return json.loads(b)
    except (ValueError, TypeError) as e:
        raise Unusable(f"{what}: malformed JSON ({e})")


def open_oci(files, ref, platform, img):
    index = load_json(files.get("index.json"), f"{files.path}: index.json")
    mans = index.get("manifests") or []
    if ref:
        mans = [m for m in mans if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == ref]
    if not mans:
        raise Unusable(f"{files.path}: no image {ref or ''} in index.json")
    desc = mans[0]
    while desc.get("mediaType") == "application/vnd.oci.image.index.v1+json":
        sub = load_json(files.get("blobs/sha256/" + desc["digest"][7:]), "nested index")
        cands = sub.get("manifests") or []
        if platform:
            os_, arch = platform.split("/")[:2]
            cands = [m for m in cands if (m.get("platform") or {}).get("os") == os_
                     and (m.get("platform") or {}).get("architecture") == arch]
        if not cands:
            raise Unusable(f"{files.path}: no manifest for platform {platform}")
        desc = cands[0]
    mb = files.get("blobs/sha256/" + desc["digest"][7:])
    if mb is None:
        raise Unusable(f"{files.path}: manifest blob missing")
    man = load_json(mb, "manifest")
    img["manifest_digest"] = sha(mb)
    cd = man["config"]["digest"]
    cb = files.get("blobs/sha256/" + cd[7:])
    if cb is None:
        raise Unusable(f"{files.path}: config blob missing")
    img["config_digest"] = cd
    layers = [{"digest": l["digest"], "media_type": l.get("mediaType"),
               "blob": files.get("blobs/sha256/" + l["digest"][7:])} for l in man.get("layers") or []]
    return load_json(cb, f"{files.path}: config {cd}"), layers


def open_docker(files, img):
    mf = load_json(files.get("manifest.json"), f"{files.path}: manifest.json")
    m = mf[0]
    cb = files.get(m["Config"])
    if cb is None:
        raise Unusable(f"{files.path}: config {m['Config']} missing")
    img["config_digest"] = sha(cb)
    layers = []
    for p in m.get("Layers") or []:
        d = "sha256:" + p.split("/")[-1] if p.startswith("blobs/") else None
        layers.append({"digest": d, "media_type": None, "blob": files.get(p), "location": p})
    return load_json(cb, f"{files.path}: config"), layers


def open_image(ref, platform):
    img = {"reference": ref, "transport": None, "manifest_digest": None, "config_digest": None}
    tr, rest = None, ref
    for t in ("docker-archive:", "oci-archive:", "oci:"):
        if ref.startswith(t):
            tr, rest = t[:-1], ref[len(t):]
    tag = None
    if tr in ("oci", "oci-archive") and not os.path.exists(rest) and ":" in rest:
        rest, tag = rest.rsplit(":", 1)
    if not os.path.exists(rest):
        raise Unusable(f"{rest}: no such file or directory")
    img["reference"] = rest
    if tr is None:
        if os.path.isdir(rest):
            tr = "oci"
        else:
            try:
                with tarfile.open(rest, "r:") as tf:
                    names = {n.lstrip("./") for n in tf.getnames()}
            except (tarfile.TarError, OSError):
                names = set()
            tr = "docker-archive" if "manifest.json" in names else (
                "oci-archive" if "oci-layout" in names else "layer")
    img["transport"] = tr
    if tr == "layer":
        with open(rest, "rb") as f:
            blob = f.read()
        return img, None, [{"digest": None, "media_type": None, "blob": blob}]
    files = Files(rest)
    if tr == "docker-archive":
        cfg, layers = open_docker(files, img)
    else:
        cfg, layers = open_oci(files, tag, platform, img)
    if not isinstance(cfg, dict):
        raise Unusable(f"{rest}: config is not a JSON object")
    return img, cfg, layers


def decode(blob):
    if blob[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(blob)
        if not d.eof:
            raise ValueError("truncated gzip stream")
        return out
    if blob[:4] == b"\x28\xb5\x2f\xfd":
        r = subprocess.run(["zstd", "-d", "-c", "-q"], input=blob, capture_output=True)
        if r.returncode:
            raise ValueError("zstd: " + r.stderr.decode(errors="replace").strip())
        return r.stdout
    return blob


def norm(name):
    n = name
    while n.startswith("./"):
        n = n[2:]
    n = n.strip("/")
    return "/" + n if n else "/"


def read_tar(tarbytes):
    """[(path, kind, data_or_target)], error message or None."""
    out = []
    try:
        tf = tarfile.open(fileobj=io.BytesIO(tarbytes), mode="r:")
        for m in tf:
            p = norm(m.name)
            if m.isdir():
                out.append((p, "dir", None))
            elif m.issym():
                out.append((p, "symlink", m.linkname))
            elif m.islnk():
                out.append((p, "hardlink", norm(m.linkname)))
            elif m.isfile():
                out.append((p, "file", tf.extractfile(m).read()))
        return out, None
    except (tarfile.TarError, OSError, EOFError) as e:
        return out, f"tar: {e}"


def under(p, d):
    return p == d or p.startswith(d.rstrip("/") + "/")


def apply_layer(state, entries, li):
    """state: path -> (kind, content_hash, layer)."""
    for p, kind, _ in entries:
        base = os.path.basename(p)
        d = os.path.dirname(p)
        if base == ".wh..wh..opq":
            for q in [q for q in state if q != d and under(q, d)]:
                del state[q]
        elif base.startswith(".wh."):
            t = os.path.join(d, base[4:])
            for q in [q for q in state if under(q, t)]:
                del state[q]
    for p, kind, data in entries:
        if os.path.basename(p).startswith(".wh."):
            continue
        parts = p.split("/")
        for k in range(2, len(parts)):
            a = "/".join(parts[:k])
            if a in state and state[a][0] != "dir":
                del state[a]
        if kind != "dir":
            for q in [q for q in state if q != p and under(q, p)]:
                del state[q]
        state[p] = (kind, data, li)


def main(argv):
    args = argv[1:]
    if not args or args[0] != "scan":
        print("usage: refscan.py scan [--format json] [--show-secrets] [--platform P] IMAGE", file=sys.stderr)
        return 2
    args = args[1:]
    show = False
    platform = None
    image = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--format":
            i += 1
        elif a == "--show-secrets":
            show = True
        elif a == "--platform":
            i += 1
            platform = args[i]
        else:
            image = a
        i += 1
    try:
        img, cfg, layers = open_image(image, platform)
    except Unusable as e:
        print(f"layerscan: {e}", file=sys.stderr)
        return 2
    except (KeyError, IndexError, TypeError) as e:
        print(f"layerscan: {image}: unusable image ({e})", file=sys.stderr)
        return 2

    errors = []
    cfg = cfg or {}
    conf = cfg.get("config") or {}
    history = cfg.get("history") or []
    diff_ids = (cfg.get("rootfs") or {}).get("diff_ids") or []
    owners = [i for i, h in enumerate(history) if not h.get("empty_layer")]
    attributed = len(owners) == len(layers)
    if history and not attributed:
        errors.append({"layer": None, "path": None,
                       "message": f"history has {len(owners)} non-empty entries for {len(layers)} layers: no attribution"})

    rep_layers, layer_entries = [], []
    for li, l in enumerate(layers):
        h = owners[li] if attributed else None
        info = {"index": li, "digest": l["digest"], "diff_id": diff_ids[li] if li < len(diff_ids) else None,
                "media_type": l["media_type"], "compressed_bytes": None, "bytes": None,
                "history": h, "instruction": clean(history[h].get("created_by")) if h is not None else None,
                "created": history[h].get("created") if h is not None else None,
                "entries": 0, "whiteouts": 0, "digest_verified": False}
        ents = []
        if l["blob"] is None:
            errors.append({"layer": li, "path": None, "message": "layer blob missing"})
        else:
            info["compressed_bytes"] = len(l["blob"])
            ok = l["digest"] is None or sha(l["blob"]) == l["digest"]
            if not ok:
                errors.append({"layer": li, "path": None, "message": "blob digest mismatch"})
            try:
                tarb = decode(l["blob"])
            except (ValueError, OSError, zlib.error, EOFError) as e:
                errors.append({"layer": li, "path": None, "message": f"decompress: {e}"})
                tarb = None
            if tarb is not None:
                info["bytes"] = len(tarb)
                if info["diff_id"] is not None and sha(tarb) != info["diff_id"]:
                    ok = False
                    errors.append({"layer": li, "path": None, "message": "diff_id mismatch"})
                ents, err = read_tar(tarb)
                if err:
                    ok = False
                    errors.append({"layer": li, "path": None, "message": err})
                if cfg == {} and err:
                    pass
            else:
                ok = False
            info["digest_verified"] = ok
        info["entries"] = len(ents)
        info["whiteouts"] = sum(1 for p, _, _ in ents if os.path.basename(p).startswith(".wh."))
        rep_layers.append(info)
        layer_entries.append(ents)

    if img["transport"] == "layer" and layer_entries == [[]] and errors:
        print(f"layerscan: {image}: not an image and not a readable layer", file=sys.stderr)
        return 2

    # states after each layer
    states = []
    st = {}
    for li, ents in enumerate(layer_entries):
        apply_layer(st, ents, li)
        states.append(dict(st))

    findings = []
    for li, ents in enumerate(layer_entries):
        files = {}
        for p, kind, data in ents:
            if os.path.basename(p).startswith(".wh."):
                continue
            if kind == "file":
                files[p] = data
            elif kind == "hardlink":
                tgt = files.get(data)
                if tgt is None and li > 0 and data in states[li - 1] and states[li - 1][data][0] == "file":
                    tgt = states[li - 1][data][1]
                if tgt is not None:
                    files[p] = tgt
        h = owners[li] if attributed else None
        for p, data in files.items():
            for f in scan_bytes(data):
                status, removed = "present", None
                for m in range(li + 1, len(layer_entries)):
                    cur = states[m].get(p)
                    if removed is None and not (cur and cur[0] in ("file", "hardlink") and _content(cur, states[m], layer_entries[m]) == data):
                        removed = m
                final = states[-1].get(p)
                if final and final[0] in ("file", "hardlink") and _content(final, states[-1], layer_entries[final[2]]) == data:
                    status, removed = "present", None
                elif final:
                    status = "overwritten"
                elif removed is not None:
                    status = "deleted"
                f.update({"source": "file", "layer": li, "history": h,
                          "instruction": clean(history[h].get("created_by")) if h is not None else None,
                          "path": p, "status": status, "removed_in_layer": removed})
                findings.append(f)
    findings.sort(key=lambda f: (f["layer"], f["path"], f["offset"]))

    meta = []
    layer_of = {h: i for i, h in enumerate(owners)} if attributed else {}
    for hi, hent in enumerate(history):
        cb = hent.get("created_by") or ""
        for f in scan_bytes(cb.encode()):
            f.update({"source": "history", "layer": layer_of.get(hi), "history": hi,
                      "instruction": clean(cb), "path": f"history[{hi}].created_by",
                      "status": "metadata", "removed_in_layer": None})
            meta.append(f)
    env = conf.get("Env") or []
    fields = [("Env", "\n".join(env)),
              ("Labels", "\n".join(f"{k}={v}" for k, v in sorted((conf.get("Labels") or {}).items()))),
              ("Cmd", "\n".join(conf.get("Cmd") or [])),
              ("Entrypoint", "\n".join(conf.get("Entrypoint") or []))]
    for name, text in fields:
        for f in scan_bytes(text.encode()):
            h = None
            if name == "Env":
                key = env[f["line"] - 1].split("=", 1)[0]
                for hi, hent in enumerate(history):
                    ins = clean(hent.get("created_by") or "")
                    if ins.startswith("ENV ") and re.search(r"(^|\s)" + re.escape(key) + r"[= ]", ins[4:]):
                        h = hi
            f.update({"source": "config", "layer": None, "history": h,
                      "instruction": clean(history[h].get("created_by")) if h is not None else None,
                      "path": f"config.{name}", "status": "metadata", "removed_in_layer": None})
            meta.append(f)
    findings += [f for f in meta if f["layer"] is not None]
    findings += [f for f in meta if f["layer"] is None]

    out_f = []
    for f in findings:
        s = f["secret"]
        if not show:
            s = s[:4] + "…" + s[-4:] if len(s) > 12 else "…"
        out_f.append({"rule": f["rule"], "title": f["rule"], "severity": f["severity"], "confidence": "high",
                      "source": f["source"], "layer": f["layer"], "history": f["history"],
                      "instruction": f["instruction"], "path": f["path"], "line": f["line"],
                      "column": f["column"], "offset": f["offset"], "status": f["status"],
                      "removed_in_layer": f["removed_in_layer"], "secret": s,
                      "fingerprint": hashlib.sha256(f"{f['rule']}:{f['secret']}".encode()).hexdigest()[:16],
                      "validation": "none"})
    report = {"report_version": 1, "tool": {"name": "layerscan", "version": "refscan", "rules": len(RULES)},
              "image": {"reference": img["reference"], "transport": img["transport"],
                        "manifest_digest": img["manifest_digest"], "config_digest": img["config_digest"],
                        "os": cfg.get("os"), "architecture": cfg.get("architecture"), "created": cfg.get("created")},
              "layers": rep_layers,
              "history": [{"index": i, "created_by": h.get("created_by"), "instruction": clean(h.get("created_by")),
                           "empty_layer": bool(h.get("empty_layer")), "layer": layer_of.get(i)}
                          for i, h in enumerate(history)],
              "findings": out_f, "errors": errors,
              "stats": {"layers": len(layers), "entries": sum(len(e) for e in layer_entries),
                        "bytes_scanned": sum(l["bytes"] or 0 for l in rep_layers), "seconds": 0.0}}
    json.dump(report, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if out_f else 0


def _content(ent, state, entries):
    kind, data, li = ent
    if kind == "file":
        return data
    # hardlink: resolve within its layer
    for p, k, d in entries:
        if p == data and k == "file":
            return d
    t = state.get(data)
    return t[1] if t and t[0] == "file" else None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
