#!/usr/bin/env python3
"""extract_nested_fixture.py OUTDIR - the image spec for test_extract_nested.sh.

Writes OUTDIR/spec.json (for tests/tools/mkimage.py) and, for every file
that carries a (fake, generated) secret, its original bytes in OUTDIR/orig/N
with OUTDIR/expected.tsv listing "layer<TAB>path<TAB>orig/N" as the scan must
name it: nested members as "/outer!/member", a single .gz/.zst stream as its
name without the suffix. Deterministic: fixed seeds and timestamps.
"""
import base64
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import zipfile
import zlib

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
rng = random.Random(17)


def token(prefix="ghp_"):
    """A fake GitHub-style token whose CRC32 checksum is right."""
    body = "".join(rng.choice(B62) for _ in range(30))
    v = zlib.crc32(body.encode())
    tail = ""
    for _ in range(6):
        tail = B62[v % 62] + tail
        v //= 62
    return prefix + body + tail


def zip_bytes(members, stored=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def tar_gz_bytes(members):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1704067200
            t.addfile(ti, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "orig"), exist_ok=True)
    expected = []

    def keep(layer, path, data):
        name = "orig/%d" % len(expected)
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        expected.append((layer, path, name))

    def entry(path, data):
        return {"path": path, "type": "file", "content_b64": base64.b64encode(data).decode()}

    props = b"spring.application.name=demo\ngithub.token=%s\n" % token().encode()
    inner_yml = b"deploy:\n  token: %s\n" % token().encode()
    inner_jar = zip_bytes([("config/secret.yml", inner_yml)])
    jar = zip_bytes([("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                     ("BOOT-INF/classes/application.properties", props),
                     ("BOOT-INF/lib/inner.jar", inner_jar)], stored={"BOOT-INF/lib/inner.jar"})
    keep(1, "/app/app.jar!/BOOT-INF/classes/application.properties", props)
    keep(1, "/app/app.jar!/BOOT-INF/lib/inner.jar!/config/secret.yml", inner_yml)

    env = b"GITHUB_TOKEN=%s\n" % token().encode()
    data = b"export NPM_TOKEN=%s\n" % token("npm_").encode()
    creds = b"[default]\npat = %s\n" % token().encode()
    notes = b"remember: %s\n" % token().encode()
    zst = subprocess.run(["zstd", "-q", "-c", "--no-check"], input=data, stdout=subprocess.PIPE, check=True).stdout
    bundle = tar_gz_bytes([("notes/plain.txt", notes),
                           ("inner.zip", zip_bytes([("deep/creds.txt", creds)]))])
    keep(2, "/var/backups/env.gz!/env", env)
    keep(2, "/opt/data.zst!/data", data)
    keep(2, "/opt/bundle.tar.gz!/notes/plain.txt", notes)
    keep(2, "/opt/bundle.tar.gz!/inner.zip!/deep/creds.txt", creds)

    shared = b"token=%s\n" % token().encode()
    dotenv = b"API_TOKEN=%s\n" % token().encode()
    keep(3, "/srv/a.txt", shared)
    keep(3, "/srv/b.txt", shared)
    keep(3, "/app/.env", dotenv)

    linked = b"key: %s\n" % token().encode()
    orig_jar = zip_bytes([("secret.txt", linked)])
    keep(4, "/app2/orig.jar!/secret.txt", linked)
    keep(4, "/app2/link.jar!/secret.txt", linked)

    history_token = token()
    spec = {
        "name": "layerscan/extract-nested", "ref": "1.0", "os": "linux", "architecture": "amd64",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh"]},
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:0a1b2c in /"},
            {"created_by": "/bin/sh -c #(nop) COPY file:1b2c3d in /app/app.jar"},
            {"created_by": "/bin/sh -c curl -H 'Authorization: token %s' https://example.com/x" % history_token,
             "empty_layer": True},
            {"created_by": "/bin/sh -c #(nop) COPY dir:2c3d4e in /"},
            {"created_by": "/bin/sh -c #(nop) COPY dir:3d4e5f in /"},
            {"created_by": "/bin/sh -c #(nop) COPY dir:4e5f6a in /"},
        ],
        "layers": [
            {"compression": "gzip", "entries": [
                {"path": "etc", "type": "dir"},
                entry("etc/os-release", b"NAME=\"Tiny Linux\"\nID=tiny\n")]},
            {"compression": "gzip", "entries": [
                {"path": "app", "type": "dir"}, entry("app/app.jar", jar)]},
            {"compression": "gzip", "entries": [
                {"path": "var/backups", "type": "dir"}, entry("var/backups/env.gz", gzip.compress(env, mtime=0)),
                {"path": "opt", "type": "dir"}, entry("opt/data.zst", zst), entry("opt/bundle.tar.gz", bundle)]},
            {"compression": "gzip", "entries": [
                entry("srv/a.txt", shared), entry("srv/b.txt", shared), entry("app/.env", dotenv)]},
            {"compression": "gzip", "entries": [
                {"path": "app2", "type": "dir"}, entry("app2/orig.jar", orig_jar),
                {"path": "app2/link.jar", "type": "hardlink", "target": "app2/orig.jar"}]},
        ],
    }
    with open(os.path.join(out, "spec.json"), "w") as f:
        json.dump(spec, f, indent=1)
    with open(os.path.join(out, "expected.tsv"), "w") as f:
        for layer, path, name in expected:
            f.write("%d\t%s\t%s\n" % (layer, path, name))


main()
