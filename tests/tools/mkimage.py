#!/usr/bin/env python3
"""mkimage.py - deterministic container image writer for layerscan tests.

    python3 tests/tools/mkimage.py SPEC.json OUT --format FORMAT
            [--platforms linux/amd64,linux/arm64] [--layer N]

FORMAT is one of:
  docker-archive  legacy `docker save` tar: manifest.json, <id>/layer.tar,
                  <hex>.json config, repositories
  docker-oci      Docker 25+ `docker save` tar: manifest.json whose Layers are
                  blobs/sha256/<hex>, index.json, oci-layout, uncompressed blobs
  oci             OCI image layout directory, layers compressed per spec
  oci-archive     the OCI image layout as a tar
  layer           only layer N's blob (compressed per spec) written to OUT
  raw             spec "raw_bytes" {"seed":S,"size":N} (or "raw_b64"): OUT gets
                  those bytes; for "this is not an image" cases

Only the Python 3.11 standard library plus the `zstd` command (for zstd
layers) are needed. The output is byte-for-byte identical on every run.

Spec (JSON), keys starting with "_" are ignored (test-runner options):
  {"name": "layerscan/test", "ref": "1.0", "os": "linux", "architecture": "amd64",
   "variant": null, "created": "2024-01-01T00:00:00Z",
   "config": {"Env": [...], "Labels": {...}, "Cmd": [...], "Entrypoint": [...]},
   "history": [{"created_by": "...", "empty_layer": true, "created": "...",
                "comment": "..."}, ...],
   "layers": [{"compression": "gzip"|"zstd"|"none",
               "name_style": "plain"|"dot",
               "tar_format": "pax"|"gnu"|"ustar",
               "entries": [
                 {"path": "etc/x", "type": "file", "content": "text", "mode": 420},
                 {"path": "etc/y", "type": "file", "content_b64": "..."},
                 {"path": "big", "type": "file", "repeat": {"content": "..", "times": N}},
                 {"path": "mix", "type": "file", "parts": [<content|content_b64|repeat>...]},
                 {"path": "b.zip", "type": "file", "zip_bomb": {"name": "z", "size": N}},
                 {"path": "a", "type": "dir"},
                 {"path": "l", "type": "symlink", "target": "/x"},
                 {"path": "h", "type": "hardlink", "target": "etc/x"}]}],
   "corrupt": {"layer": N, "kind": "truncate"|"flip"|"missing"|"bad_diff_id"|"bad_crc"},
   "raw_config": "{ malformed",
   "platform_config": {"linux/arm64": {"Env": [...]}},
   "platform_layers": {"linux/arm64": [<layer>...]},
   "platform_history": {"linux/arm64": [<history entry>...]},
   "attestation_for": "linux/amd64"}

With --platforms, "platform_layers" and "platform_history" replace "layers"
and "history" for the platforms they name (a layer spelled the same in two
platforms is the same blob: the platforms share it), and "attestation_for"
adds a BuildKit attestation manifest (platform unknown/unknown) about that
platform's image to the index.

Without "history", one entry per layer is generated. A history entry without
"empty_layer": true owns the next layer. Whiteouts are ordinary empty files
named .wh.NAME / .wh..wh..opq, exactly as real tools write them.
"""

import argparse
import base64
import copy
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import time
from datetime import datetime, timezone

DEFAULT_CREATED = "2024-01-01T00:00:00Z"

MT_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MT_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}


def die(msg):
    print(f"mkimage: {msg}", file=sys.stderr)
    sys.exit(2)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def jdump(obj):
    """Compact JSON, key order as built (deterministic)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_time(s):
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


# ---------------------------------------------------------------- content

def piece_bytes(p, where):
    if "content" in p:
        return p["content"].encode("utf-8")
    if "content_b64" in p:
        return base64.b64decode(p["content_b64"])
    if "repeat" in p:
        r = p["repeat"]
        unit = r["content"].encode("utf-8") if "content" in r else base64.b64decode(r["content_b64"])
        return unit * int(r["times"])
    if "parts" in p:
        return b"".join(piece_bytes(q, where) for q in p["parts"])
    if "zip_bomb" in p:  # {"zip_bomb": {"name": "zeros.bin", "size": N}}: see nested_gen.py
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import nested_gen
        return nested_gen.zip_bomb(p["zip_bomb"]["name"], int(p["zip_bomb"]["size"]))
    if "random" in p:  # {"random": {"seed": S, "size": N, "alphabet": "..."}}
        r = p["random"]
        rng = random.Random(r.get("seed", 0))
        alpha = r.get("alphabet")
        if alpha:
            return "".join(rng.choice(alpha) for _ in range(int(r["size"]))).encode()
        return bytes(rng.getrandbits(8) for _ in range(int(r["size"])))
    return b""


def entry_content(e, where):
    return piece_bytes(e, where)


# ---------------------------------------------------------------- tar writing

TAR_FORMATS = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT, "ustar": tarfile.USTAR_FORMAT}


class DetTar:
    """A deterministic tar writer on top of tarfile."""

    def __init__(self, fmt="pax", mtime=0):
        self.buf = io.BytesIO()
        self.tf = tarfile.open(fileobj=self.buf, mode="w", format=TAR_FORMATS[fmt], encoding="utf-8")
        self.mtime = mtime

    def _info(self, name, mode, mtime=None):
        ti = tarfile.TarInfo(name)
        ti.mode = mode
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        ti.mtime = self.mtime if mtime is None else mtime
        return ti

    def add_file(self, name, data, mode=0o644, mtime=None):
        ti = self._info(name, mode, mtime)
        ti.type = tarfile.REGTYPE
        ti.size = len(data)
        self.tf.addfile(ti, io.BytesIO(data))

    def add_dir(self, name, mode=0o755, mtime=None):
        ti = self._info(name, mode, mtime)
        ti.type = tarfile.DIRTYPE
        self.tf.addfile(ti)

    def add_symlink(self, name, target, mode=0o777, mtime=None):
        ti = self._info(name, mode, mtime)
        ti.type = tarfile.SYMTYPE
        ti.linkname = target
        self.tf.addfile(ti)

    def add_hardlink(self, name, target, mode=0o644, mtime=None):
        ti = self._info(name, mode, mtime)
        ti.type = tarfile.LNKTYPE
        ti.linkname = target
        self.tf.addfile(ti)

    def bytes(self):
        # Like Go's archive/tar (what Docker and buildah use): the archive ends
        # with two zero blocks, without padding to a 10 KiB record.
        end = self.tf.offset
        self.tf.close()
        return self.buf.getvalue()[: end + 2 * tarfile.BLOCKSIZE]


def styled(path, style):
    p = path.lstrip("/")
    while p.startswith("./"):
        p = p[2:]
    if style == "dot":
        return "./" + p
    if style == "abs":  # hostile: absolute names
        return "/" + p
    return p


def build_layer_tar(layer, mtime, where):
    style = layer.get("name_style", "plain")
    fmt = layer.get("tar_format", "pax")
    if fmt not in TAR_FORMATS:
        die(f"{where}: unknown tar_format {fmt!r}")
    t = DetTar(fmt, mtime)
    for i, e in enumerate(layer.get("entries", [])):
        w = f"{where}.entries[{i}]"
        kind = e.get("type", "file")
        name = styled(e["path"], e.get("name_style", style))
        em = e.get("mtime")
        if isinstance(em, str):
            em = parse_time(em)
        if kind == "file":
            t.add_file(name, entry_content(e, w), e.get("mode", 0o644), em)
        elif kind == "dir":
            t.add_dir(name, e.get("mode", 0o755), em)
        elif kind == "symlink":
            t.add_symlink(name, e["target"], e.get("mode", 0o777), em)
        elif kind == "hardlink":
            t.add_hardlink(name, styled(e["target"], e.get("name_style", style)), e.get("mode", 0o644), em)
        else:
            die(f"{w}: unknown entry type {kind!r}")
    return t.bytes()


def compress(data, kind, where):
    if kind == "none":
        return data
    if kind == "gzip":
        return gzip.compress(data, compresslevel=6, mtime=0)
    if kind == "zstd":
        if not shutil.which("zstd"):
            die("the zstd command is needed for zstd layers")
        r = subprocess.run(["zstd", "-q", "-c", "-3", "--no-progress"], input=data,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            die(f"{where}: zstd failed: {r.stderr.decode(errors='replace').strip()}")
        return r.stdout
    die(f"{where}: unknown compression {kind!r}")


def corrupt_bytes(data, kind):
    if kind == "truncate":
        return data[: len(data) // 2]
    if kind == "flip":
        b = bytearray(data)
        mid = len(b) // 2
        for k in range(mid, min(mid + 16, len(b))):
            b[k] ^= 0xA5
        return bytes(b)
    return data


# ---------------------------------------------------------------- image model

class Image:
    def __init__(self, spec, platform=None):
        self.spec = spec
        self.created = spec.get("created", DEFAULT_CREATED)
        self.mtime = parse_time(self.created)
        self.os = spec.get("os", "linux")
        self.arch = spec.get("architecture", "amd64")
        self.variant = spec.get("variant")
        if platform:
            parts = platform.split("/")
            self.os, self.arch = parts[0], parts[1]
            self.variant = parts[2] if len(parts) > 2 else None
        self.platform = platform
        self.corrupt = spec.get("corrupt") or {}
        self.layers = []  # dicts: tar, blob, compression, diff_id, digest
        layer_specs = spec.get("layers", [])
        if platform and platform in (spec.get("platform_layers") or {}):
            layer_specs = spec["platform_layers"][platform]
        for i, layer in enumerate(layer_specs):
            where = f"layers[{i}]"
            tar = build_layer_tar(layer, self.mtime, where)
            comp = layer.get("compression", "gzip")
            blob = compress(tar, comp, where)
            if self.corrupt.get("kind") == "bad_crc" and self.corrupt.get("layer") == i:
                if comp not in ("gzip", "zstd"):
                    die(f"{where}: bad_crc needs a gzip or zstd layer")
                # the member's CRC-32 (gzip) or the frame's XXH64 content
                # checksum (zstd, its last 4 bytes) is wrong but the blob is
                # what the manifest names: its digest is taken after the flip
                flipped = bytearray(blob)
                flipped[-8 if comp == "gzip" else -4] ^= 0x01
                blob = bytes(flipped)
            self.layers.append({
                "tar": tar, "blob": blob, "compression": comp,
                "diff_id": "sha256:" + sha256(tar),
                "digest": "sha256:" + sha256(blob),
                "tar_digest": "sha256:" + sha256(tar),
            })

    # the config
    def history(self):
        hist = self.spec.get("history")
        if self.platform and self.platform in (self.spec.get("platform_history") or {}):
            hist = self.spec["platform_history"][self.platform]
        if hist is not None:
            out = []
            for h in hist:
                e = {"created": h.get("created", self.created)}
                for k, v in h.items():
                    if k != "created":
                        e[k] = v
                out.append(e)
            return out
        return [{"created": self.created,
                 "created_by": f"/bin/sh -c #(nop) ADD file:{l['diff_id'][7:23]} in /"}
                for l in self.layers]

    def config_bytes(self):
        if "raw_config" in self.spec:
            return self.spec["raw_config"].encode("utf-8")
        diff_ids = [l["diff_id"] for l in self.layers]
        c = self.corrupt
        if c.get("kind") == "bad_diff_id":
            n = c["layer"]
            diff_ids[n] = "sha256:" + sha256(b"not the layer " + str(n).encode())
        cfg = {"architecture": self.arch}
        conf = copy.deepcopy(self.spec.get("config", {}))
        if self.platform:
            over = (self.spec.get("platform_config") or {}).get(self.platform) or {}
            conf.update(over)
        cfg["config"] = conf
        cfg["created"] = self.created
        hist = self.history()
        if hist is not None:
            cfg["history"] = hist
        cfg["os"] = self.os
        if self.variant:
            cfg["variant"] = self.variant
        cfg["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
        return jdump(cfg)

    def corrupted(self, i, data):
        c = self.corrupt
        if c and c.get("layer") == i and c.get("kind") in ("truncate", "flip"):
            return corrupt_bytes(data, c["kind"])
        return data

    def missing(self, i):
        c = self.corrupt
        return bool(c) and c.get("layer") == i and c.get("kind") == "missing"


# ---------------------------------------------------------------- writers

def platform_obj(img):
    p = {"architecture": img.arch, "os": img.os}
    if img.variant:
        p["variant"] = img.variant
    return p


class BlobStore:
    def __init__(self):
        self.blobs = {}  # hex -> bytes (may be corrupted)
        self.missing = set()

    def put(self, data, stored=None):
        h = sha256(data)
        if h not in self.blobs:
            self.blobs[h] = data if stored is None else stored
        elif stored is not None:
            self.blobs[h] = stored
        return h


def attestation_entry(store, subject_hex):
    """A BuildKit attestation manifest about the manifest subject_hex, as
    BuildKit lists it in the index: platform unknown/unknown."""
    stmt = jdump({"_type": "https://in-toto.io/Statement/v0.1",
                  "predicateType": "https://slsa.dev/provenance/v0.2",
                  "subject": [{"name": "pkg:docker/layerscan/test",
                               "digest": {"sha256": subject_hex}}],
                  "predicate": {"builder": {"id": "mkimage"}}})
    sh = store.put(stmt)
    cfg = jdump({"architecture": "unknown", "os": "unknown", "config": {},
                 "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sh]}})
    ch = store.put(cfg)
    man = jdump({"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
                 "config": {"mediaType": MT_OCI_CONFIG, "digest": "sha256:" + ch, "size": len(cfg)},
                 "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": "sha256:" + sh,
                             "size": len(stmt),
                             "annotations": {"in-toto.io/predicate-type":
                                             "https://slsa.dev/provenance/v0.2"}}]})
    mh = store.put(man)
    return {"mediaType": MT_OCI_MANIFEST, "digest": "sha256:" + mh, "size": len(man),
            "platform": {"architecture": "unknown", "os": "unknown"},
            "annotations": {"vnd.docker.reference.digest": "sha256:" + subject_hex,
                            "vnd.docker.reference.type": "attestation-manifest"}}


def build_layout(images, spec, uncompressed):
    """Returns (files: list of (relpath, bytes)), manifest info for docker-oci."""
    store = BlobStore()
    manifests = []
    for img in images:
        layers_desc = []
        for i, l in enumerate(img.layers):
            data = l["tar"] if uncompressed else l["blob"]
            h = sha256(data)
            store.put(data, img.corrupted(i, data))
            if img.missing(i):
                store.missing.add(h)
            layers_desc.append({
                "mediaType": MT_LAYER["none" if uncompressed else l["compression"]],
                "digest": "sha256:" + h, "size": len(data)})
        cfg = img.config_bytes()
        ch = store.put(cfg)
        man = {"schemaVersion": 2, "mediaType": MT_OCI_MANIFEST,
               "config": {"mediaType": MT_OCI_CONFIG, "digest": "sha256:" + ch, "size": len(cfg)},
               "layers": layers_desc}
        mb = jdump(man)
        mh = store.put(mb)
        manifests.append((img, mh, len(mb), ch, layers_desc))

    ref = spec.get("ref", "1.0")
    name = spec.get("name", "layerscan/test")
    ann = {"org.opencontainers.image.ref.name": ref}
    if uncompressed:  # Docker also names the image
        ann = {"io.containerd.image.name": f"docker.io/{name}:{ref}",
               "org.opencontainers.image.ref.name": ref}
    if len(manifests) == 1 and images[0].platform is None:
        img, mh, ms, _, _ = manifests[0]
        top = [{"mediaType": MT_OCI_MANIFEST, "digest": "sha256:" + mh, "size": ms,
                "annotations": ann}]
    else:
        nested = {"schemaVersion": 2, "mediaType": MT_OCI_INDEX,
                  "manifests": [{"mediaType": MT_OCI_MANIFEST, "digest": "sha256:" + mh,
                                 "size": ms, "platform": platform_obj(img)}
                                for img, mh, ms, _, _ in manifests]}
        about = [m for m in manifests if m[0].platform == spec.get("attestation_for")]
        if about:
            nested["manifests"].append(attestation_entry(store, about[0][1]))
        nb = jdump(nested)
        nh = store.put(nb)
        top = [{"mediaType": MT_OCI_INDEX, "digest": "sha256:" + nh, "size": len(nb),
                "annotations": ann}]
    index = {"schemaVersion": 2, "mediaType": MT_OCI_INDEX, "manifests": top}

    files = [("oci-layout", jdump({"imageLayoutVersion": "1.0.0"})),
             ("index.json", jdump(index))]
    if uncompressed:
        img, mh, ms, ch, layers_desc = manifests[0]
        dm = [{"Config": "blobs/sha256/" + ch, "RepoTags": [f"{name}:{ref}"],
               "Layers": ["blobs/sha256/" + d["digest"][7:] for d in layers_desc]}]
        files.insert(0, ("manifest.json", jdump(dm)))
        top_layer = layers_desc[-1]["digest"][7:] if layers_desc else ch
        files.append(("repositories", jdump({name: {ref: top_layer}})))
    for h in sorted(store.blobs):
        if h in store.missing:
            continue
        files.append(("blobs/sha256/" + h, store.blobs[h]))
    return files


def build_docker_legacy(img, spec):
    ref = spec.get("ref", "1.0")
    name = spec.get("name", "layerscan/test")
    cfg = img.config_bytes()
    ch = sha256(cfg)
    files = []
    layer_paths = []
    parent = ""
    for i, l in enumerate(img.layers):
        lid = sha256((parent + "\n" + l["diff_id"]).encode())
        meta = {"id": lid}
        if parent:
            meta["parent"] = parent
        meta["created"] = img.created
        meta["container_config"] = {"Hostname": "", "Domainname": "", "User": "", "Env": None, "Cmd": None}
        meta["os"] = img.os
        if spec.get("docker_layer_meta", False):  # <id>/VERSION and <id>/json, as old Docker wrote
            files.append((f"{lid}/VERSION", b"1.0"))
            files.append((f"{lid}/json", jdump(meta)))
        if not img.missing(i):
            files.append((f"{lid}/layer.tar", img.corrupted(i, l["tar"])))
        layer_paths.append(f"{lid}/layer.tar")
        parent = lid
    files.append((f"{ch}.json", cfg))
    files.append(("manifest.json", jdump([{"Config": f"{ch}.json", "RepoTags": [f"{name}:{ref}"],
                                           "Layers": layer_paths}])))
    files.append(("repositories", jdump({name: {ref: parent or ch}})))
    return files


def files_to_tar(files, mtime):
    t = DetTar("pax", mtime)
    seen_dirs = set()
    for rel, data in files:
        parts = rel.split("/")[:-1]
        for k in range(1, len(parts) + 1):
            d = "/".join(parts[:k])
            if d not in seen_dirs:
                seen_dirs.add(d)
                t.add_dir(d + "/")
        t.add_file(rel, data)
    return t.bytes()


def write_dir(files, out, mtime):
    if os.path.exists(out):
        if os.path.isdir(out) and not os.path.islink(out):
            shutil.rmtree(out)
        else:
            os.unlink(out)
    os.makedirs(out)
    for rel, data in files:
        p = os.path.join(out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (mtime, mtime))


def write_file(out, data):
    d = os.path.dirname(os.path.abspath(out))
    os.makedirs(d, exist_ok=True)
    if os.path.isdir(out) and not os.path.islink(out):
        shutil.rmtree(out)
    with open(out, "wb") as f:
        f.write(data)


def main(argv=None):
    ap = argparse.ArgumentParser(description="deterministic container image writer")
    ap.add_argument("spec")
    ap.add_argument("out")
    ap.add_argument("--format", required=True,
                    choices=["docker-archive", "docker-oci", "oci", "oci-archive", "layer", "raw"])
    ap.add_argument("--platforms", default=None,
                    help="comma-separated os/arch[/variant] list: write a multi-platform index")
    ap.add_argument("--layer", type=int, default=0, help="with --format layer: which layer")
    a = ap.parse_args(argv)

    try:
        with open(a.spec, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{a.spec}: {e}")

    if a.format == "raw":
        if "raw_b64" in spec:
            data = base64.b64decode(spec["raw_b64"])
        else:
            data = piece_bytes({"random": spec.get("raw_bytes", {"seed": 0, "size": 4096})}, "raw")
        write_file(a.out, data)
        return 0

    platforms = [p for p in (a.platforms or "").split(",") if p]
    if platforms and a.format in ("docker-archive", "layer"):
        die(f"--platforms does not apply to --format {a.format}")
    images = [Image(spec, p) for p in platforms] if platforms else [Image(spec)]
    img = images[0]

    if a.format == "layer":
        if not 0 <= a.layer < len(img.layers):
            die(f"--layer {a.layer}: the spec has {len(img.layers)} layers")
        write_file(a.out, img.corrupted(a.layer, img.layers[a.layer]["blob"]))
    elif a.format == "docker-archive":
        write_file(a.out, files_to_tar(build_docker_legacy(img, spec), img.mtime))
    elif a.format == "docker-oci":
        write_file(a.out, files_to_tar(build_layout(images, spec, True), img.mtime))
    elif a.format == "oci":
        write_dir(build_layout(images, spec, False), a.out, img.mtime)
    elif a.format == "oci-archive":
        write_file(a.out, files_to_tar(build_layout(images, spec, False), img.mtime))
    return 0


if __name__ == "__main__":
    sys.exit(main())
