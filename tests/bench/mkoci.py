#!/usr/bin/env python3
"""mkoci.py OUT_DIR LAYER... - a minimal OCI image layout over existing layer
blobs (tar, tar.gz or tar.zst), for the benchmark. diff_ids are computed by
decompressing each layer with the gzip/zstd command line tools."""
import hashlib, json, os, shutil, subprocess, sys

def sha_file(path, cmd=None):
    h = hashlib.sha256()
    if cmd:
        p = subprocess.Popen(cmd + [path], stdout=subprocess.PIPE)
        f = p.stdout
    else:
        f = open(path, "rb")
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    if cmd:
        p.wait()
    return "sha256:" + h.hexdigest()

def main():
    out, layers = sys.argv[1], sys.argv[2:]
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    descs, diff_ids, history = [], [], []
    for i, l in enumerate(layers):
        cmd = ["gzip", "-dc"] if l.endswith(".gz") else ["zstd", "-dcq"] if l.endswith(".zst") else None
        mt = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if l.endswith(".gz") else "+zstd" if l.endswith(".zst") else "")
        d = sha_file(l)
        dst = os.path.join(blobs, d[7:])
        if not os.path.exists(dst):
            try:
                os.link(l, dst)
            except OSError:
                shutil.copyfile(l, dst)
        descs.append({"mediaType": mt, "digest": d, "size": os.path.getsize(l)})
        diff_ids.append(sha_file(l, cmd) if cmd else d)
        history.append({"created": "2024-01-01T00:00:00Z", "created_by": "COPY layer%d /" % i})
    def put(obj):
        b = json.dumps(obj, sort_keys=True).encode()
        d = hashlib.sha256(b).hexdigest()
        open(os.path.join(blobs, d), "wb").write(b)
        return {"digest": "sha256:" + d, "size": len(b)}
    cfg = put({"architecture": "amd64", "os": "linux", "config": {},
               "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": history})
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    man = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": cfg, "layers": descs})
    man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    json.dump({"schemaVersion": 2, "manifests": [man]}, open(os.path.join(out, "index.json"), "w"))
    open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')

main()
