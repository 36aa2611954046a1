#!/usr/bin/env python3
"""gen_hostile.py OUTDIR - writes the hostile inputs of tests/integration/test_hostile.sh.

Every input is built here, deterministically, from the standard library: names that try to
escape or drive the terminal, bombs, broken links, archives whose manifests point outside
themselves, pathological JSON. The fake token below is made up for these tests.
"""
import io
import json
import os
import sys
import tarfile
import zlib

TOKEN = b"ghp_Q7mZ2xKp9LwV4rT8nB3cY6hJ1dF5sG0aE2uR"  # fake, shape of a GitHub PAT


def add(t, name, data=b"", kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    ti.mtime = 1700000000
    t.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def layer(path, entries, fmt=tarfile.PAX_FORMAT):
    with tarfile.open(path, "w", format=fmt) as t:
        for e in entries:
            add(t, *e)


def gzip_zeros(path, total):
    """A gzip stream of `total` zero bytes, written in chunks (a decompression bomb)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    with open(path, "wb") as f:
        left = total
        while left:
            n = min(left, len(chunk))
            f.write(comp.compress(chunk[:n]))
            left -= n
        f.write(comp.flush())


def docker_archive(path, config, layers, layer_paths=None):
    """A legacy docker-archive tar: config + layer members + manifest.json."""
    with tarfile.open(path, "w") as t:
        cfg = json.dumps(config).encode() if isinstance(config, dict) else config
        add(t, "config.json", cfg)
        names = []
        for i, data in enumerate(layers):
            name = "l%d/layer.tar" % i
            add(t, name, data)
            names.append(name)
        manifest = [{"Config": "config.json", "RepoTags": ["h:1"], "Layers": layer_paths or names}]
        add(t, "manifest.json", json.dumps(manifest).encode())


def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            add(t, *e)
    return buf.getvalue()


def main(out):
    os.makedirs(out, exist_ok=True)
    secret_file = b"token: " + TOKEN + b"\n"
    # names: ANSI escapes, invalid UTF-8, a 64 KiB name, climbing out of the root
    layer(os.path.join(out, "names.tar"), [
        ("app/\x1b[31mred\x1b]0;title\x07.env", secret_file),
        ("bad\udcff\udcfe.txt", secret_file),
        ("deep/" + "n" * 65000, secret_file),
        ("../../etc/evil", secret_file),
        ("/abs/path", secret_file),
    ])
    # links: a symlink loop, a dangling symlink, a hard link to a missing target
    layer(os.path.join(out, "links.tar"), [
        ("a", b"", tarfile.SYMTYPE, "b"),
        ("b", b"", tarfile.SYMTYPE, "a"),
        ("dangling", b"", tarfile.SYMTYPE, "/nowhere"),
        ("hard", b"", tarfile.LNKTYPE, "missing/target"),
        ("real.txt", secret_file),
    ])
    # 1 GiB of zeros in about 1 MiB of gzip
    gzip_zeros(os.path.join(out, "bomb.tar.gz"), 1 << 30)
    # many empty entries
    with tarfile.open(os.path.join(out, "many.tar"), "w", format=tarfile.GNU_FORMAT) as t:
        for i in range(100000):
            add(t, "d%d/f%06d" % (i % 100, i))
    # images whose manifest points outside the archive or to nothing
    good_layer = tar_bytes([("etc/app.conf", secret_file)])
    cfg = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
           "history": [{"created_by": "/bin/sh -c #(nop) ADD x /"}]}
    docker_archive(os.path.join(out, "escape.tar"), cfg, [good_layer], ["../../etc/passwd"])
    # JSON nested 100,000 deep as the config
    docker_archive(os.path.join(out, "deep-json.tar"), b"[" * 100000 + b"]" * 100000, [good_layer])
    # a huge created_by (8 MiB) with the token at its end, history longer than the layers
    big = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
           "history": [{"created_by": "/bin/sh -c echo " + "x" * (8 << 20) + " " + TOKEN.decode()},
                       {"created_by": "/bin/sh -c true"}]}
    docker_archive(os.path.join(out, "big-history.tar"), big, [good_layer])
    # the same layer twice
    docker_archive(os.path.join(out, "dup-layers.tar"), cfg, [good_layer, good_layer])


if __name__ == "__main__":
    main(sys.argv[1])
