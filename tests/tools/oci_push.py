#!/usr/bin/env python3
"""oci_push.py - push an OCI image layout, with what is attached to its image,
to a registry over plain HTTP, laid out as BuildKit and cosign leave it there.

    python3 tests/tools/oci_push.py LAYOUT http://127.0.0.1:PORT REPO TAG

Python 3.11 standard library only; anonymous access (a test registry on
127.0.0.1). What goes where:
  - the image: its manifest under TAG; when index.json lists BuildKit
    attestation manifests (vnd.docker.reference.type=attestation-manifest),
    the image index BuildKit pushes instead: index.json's image and
    attestation entries (cosign's kind entries and OCI 1.1 artifacts left
    out), under TAG;
  - a manifest that index.json marks kind dev.cosignproject.cosign/sigs
    (/atts) under tag sha256-<image hex>.sig (.att), as cosign does;
  - every manifest in blobs/ (listed in index.json or not) with a "subject":
    pushed by digest, and for each subject an OCI index of them under tag
    sha256-<subject hex> (the referrers tag schema of OCI distribution 1.1,
    what cosign and oras write when the registry has no referrers API);
    its entries carry the manifest's artifactType (else its config's media
    type) and annotations.
Blobs are uploaded monolithically (POST, then PUT ?digest=), skipped when a
HEAD finds them; manifests are PUT by digest before the tags that name them,
with their own mediaType as Content-Type. Prints one line per tag pushed.
Exit 0 on success, 1 on any HTTP failure (with the registry's answer), 2 on
bad usage or a layout it cannot read.
"""

import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_TYPES = (MT_INDEX, "application/vnd.docker.distribution.manifest.list.v2+json")
KIND_SIGS = "dev.cosignproject.cosign/sigs"
KIND_ATTS = "dev.cosignproject.cosign/atts"
KIND_IMAGE = "dev.cosignproject.cosign/image"
MAX_SCAN = 4 << 20  # blobs larger than this are not looked at as manifests


def die(msg, code=2):
    print(f"oci_push: {msg}", file=sys.stderr)
    sys.exit(code)


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Registry:
    def __init__(self, base, repo):
        self.base = base.rstrip("/")
        self.repo = repo
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.pushed = set()

    def call(self, method, url, data=None, headers=None, ok=(200, 201, 202)):
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=30) as r:
                r.read()
                return r.status, r.headers
        except urllib.error.HTTPError as e:
            if e.code in ok:
                return e.code, e.headers
            body = e.read()[:400].decode(errors="replace")
            die(f"{method} {url}: HTTP {e.code} {body}", 1)
        except OSError as e:
            die(f"{method} {url}: {e}", 1)

    def has_blob(self, digest):
        st, _ = self.call("HEAD", f"{self.base}/v2/{self.repo}/blobs/{digest}", ok=(200, 404))
        return st == 200

    def put_blob(self, digest, data):
        if digest in self.pushed or self.has_blob(digest):
            self.pushed.add(digest)
            return
        _, h = self.call("POST", f"{self.base}/v2/{self.repo}/blobs/uploads/", data=b"")
        loc = urllib.parse.urljoin(self.base + "/", h["Location"])
        sep = "&" if "?" in loc else "?"
        self.call("PUT", f"{loc}{sep}digest={urllib.parse.quote(digest)}", data=data,
                  headers={"Content-Type": "application/octet-stream"})
        self.pushed.add(digest)

    def put_manifest(self, ref, data, media_type):
        self.call("PUT", f"{self.base}/v2/{self.repo}/manifests/{ref}", data=data,
                  headers={"Content-Type": media_type})


class Layout:
    def __init__(self, path):
        self.path = path
        try:
            with open(os.path.join(path, "index.json"), "rb") as f:
                self.index = json.load(f)
        except (OSError, ValueError) as e:
            die(f"{path}: index.json: {e}")

    def blob(self, digest):
        algo, _, hexd = digest.partition(":")
        try:
            with open(os.path.join(self.path, "blobs", algo, hexd), "rb") as f:
                return f.read()
        except OSError as e:
            die(f"{self.path}: blob {digest}: {e}")

    def manifests_with_subject(self):
        """(digest, manifest bytes, parsed) of every manifest in blobs/ that has a subject."""
        out = []
        d = os.path.join(self.path, "blobs", "sha256")
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.getsize(p) > MAX_SCAN:
                continue
            with open(p, "rb") as f:
                data = f.read()
            if not data.startswith(b"{"):
                continue
            try:
                m = json.loads(data)
            except ValueError:
                continue
            if isinstance(m, dict) and isinstance(m.get("subject"), dict) and "digest" in m["subject"] \
                    and ("layers" in m or "manifests" in m):
                out.append(("sha256:" + name, data, m))
        return out


def media_type(m, desc=None):
    return m.get("mediaType") or (desc or {}).get("mediaType") or MT_MANIFEST


def push_manifest(reg, lay, desc, ref=None):
    """Pushes what desc names (its blobs, or its children first) and the
    manifest itself by digest, then under ref when given."""
    data = lay.blob(desc["digest"])
    m = json.loads(data)
    mt = media_type(m, desc)
    if mt in INDEX_TYPES:
        for child in m.get("manifests", []):
            push_manifest(reg, lay, child)
    else:
        for b in [m.get("config")] + list(m.get("layers", [])):
            if b and b.get("digest"):
                reg.put_blob(b["digest"], lay.blob(b["digest"]))
    reg.put_manifest(desc["digest"], data, mt)
    if ref:
        reg.put_manifest(ref, data, mt)
        print(f"{reg.repo}:{ref} {desc['digest']}")


def main(argv):
    if len(argv) != 5:
        print("usage: oci_push.py LAYOUT http://HOST:PORT REPO TAG", file=sys.stderr)
        return 2
    path, base, repo, tag = argv[1:]
    if not base.startswith("http://"):
        die("only plain http:// registries")
    lay = Layout(path)
    reg = Registry(base, repo)
    referrers = lay.manifests_with_subject()
    artifacts = {d for d, _, _ in referrers}

    images, attest, cosign = [], [], []
    for e in lay.index.get("manifests", []):
        ann = e.get("annotations") or {}
        if ann.get("kind") in (KIND_SIGS, KIND_ATTS):
            cosign.append(e)
        elif ann.get("vnd.docker.reference.type") == "attestation-manifest":
            attest.append(e)
        elif e["digest"] in artifacts or e.get("artifactType"):
            continue
        else:
            images.append(e)
    if not images:
        die(f"{path}: index.json lists no image")
    image = next((e for e in images if (e.get("annotations") or {}).get("kind") == KIND_IMAGE), images[0])
    image_hex = image["digest"].split(":", 1)[1]

    if attest:
        entries = [e for e in lay.index["manifests"] if e in images or e in attest]
        for e in entries:
            push_manifest(reg, lay, e)
        idx = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": entries}
        data = jdump(idx)
        reg.put_manifest(tag, data, MT_INDEX)
        print(f"{repo}:{tag} sha256:{hashlib.sha256(data).hexdigest()}")
    else:
        push_manifest(reg, lay, image, tag)

    for e in cosign:
        suffix = ".sig" if e["annotations"]["kind"] == KIND_SIGS else ".att"
        push_manifest(reg, lay, e, f"sha256-{image_hex}{suffix}")

    by_subject = {}
    for digest, data, m in referrers:
        desc = {"mediaType": media_type(m), "digest": digest, "size": len(data)}
        at = m.get("artifactType") or (m.get("config") or {}).get("mediaType")
        if at:
            desc["artifactType"] = at
        if m.get("annotations"):
            desc["annotations"] = m["annotations"]
        push_manifest(reg, lay, desc)
        by_subject.setdefault(m["subject"]["digest"], []).append(desc)
    for subject, descs in sorted(by_subject.items()):
        data = jdump({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": descs})
        ref = subject.replace(":", "-", 1)
        reg.put_manifest(ref, data, MT_INDEX)
        print(f"{repo}:{ref} sha256:{hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
