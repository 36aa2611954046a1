#!/usr/bin/env python3
"""gen_hostile.py OUTDIR - writes the hostile inputs of tests/integration/test_hostile.sh.

Every input is built here, deterministically, from the standard library: names that try to
escape or drive the terminal, bombs, broken links, archives whose manifests point outside
themselves, pathological JSON. The fake token below is made up for these tests.
"""
import gzip
import io
import json
import os
import subprocess
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


class Repeat(io.RawIOBase):
    """A file of `size` bytes: `unit` repeated, then `tail` (streamed, never held whole)."""

    def __init__(self, unit, size, tail=b""):
        self.unit, self.left, self.tail = unit * ((1 << 20) // len(unit)), size - len(tail), tail

    def readable(self):
        return True

    def read(self, n=-1):
        out = b""
        want = n if n > 0 else len(self.unit)
        while len(out) < want and (self.left > 0 or self.tail):
            if self.left > 0:
                k = min(want - len(out), len(self.unit), self.left)
                self.left -= k
                out += self.unit[:k]
            else:
                k = want - len(out)
                out, self.tail = out + self.tail[:k], self.tail[k:]
        return out


def streamed_member(t, name, size, unit, tail=b""):
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.mtime = 1700000000
    t.addfile(ti, Repeat(unit, size, tail))


def zstd_zeros(path, total):
    """A zstd frame of `total` zero bytes, through the zstd CLI (a bomb)."""
    with open(path, "wb") as f:
        p = subprocess.Popen(["zstd", "-q", "-3", "-c"], stdin=subprocess.PIPE, stdout=f)
        chunk = bytes(1 << 20)
        for _ in range(total >> 20):
            p.stdin.write(chunk)
        p.stdin.close()
        if p.wait() != 0:
            raise SystemExit("zstd failed")


def oci_layout(path, config, layers, symlink=None):
    """An OCI layout directory; `symlink` = ("config"|layer index, target) makes
    that blob a symlink to target instead of a file."""
    def blob(data):
        import hashlib
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(path, "blobs", "sha256", h), "wb") as f:
            f.write(data)
        return "sha256:" + h, len(data)
    os.makedirs(os.path.join(path, "blobs", "sha256"), exist_ok=True)
    cd, cs = blob(json.dumps(config).encode())
    ls = [blob(l) for l in layers]
    if symlink:
        which, target = symlink
        d = cd if which == "config" else ls[which][0]
        f = os.path.join(path, "blobs", "sha256", d[7:])
        os.unlink(f)
        os.symlink(target, f)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s}
                           for d, s in ls]}
    md, ms = blob(json.dumps(manifest).encode())
    with open(os.path.join(path, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": ms}]}, f)


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
    # 1 GiB of zeros in a few KiB of zstd
    zstd_zeros(os.path.join(out, "bomb.tar.zst"), 1 << 30)
    # a bare gzip layer whose CRC-32 is wrong: nothing else vouches for its bytes, so the
    # CRC is checked (an error) and the token before it is still found
    crc = bytearray(gzip.compress(good_layer, mtime=0))
    crc[-8] ^= 0x01
    with open(os.path.join(out, "badcrc.tar.gz"), "wb") as f:
        f.write(crc)
    # one line of 1 GiB with no newline, the token at its very end, in a gzip layer
    with gzip.open(os.path.join(out, "longline.tar.gz"), "wb", compresslevel=1) as g:
        with tarfile.open(fileobj=g, mode="w|", format=tarfile.PAX_FORMAT) as t:
            streamed_member(t, "var/log/one-line.log", 1 << 30, b"x", b" " + TOKEN)
    # a 100 MiB config (over the 64 MiB default JSON bound)
    with tarfile.open(os.path.join(out, "big-config.tar"), "w") as t:
        body = b'{"architecture":"amd64","os":"linux","Comment":"' + b"y" * (100 << 20) + b'"}'
        add(t, "config.json", body)
        add(t, "l0/layer.tar", good_layer)
        add(t, "manifest.json", json.dumps(
            [{"Config": "config.json", "RepoTags": ["h:1"], "Layers": ["l0/layer.tar"]}]).encode())
    # OCI layouts whose blobs are symlinks out of the layout: a layer, the config
    two = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []},
           "history": [{"created_by": "/bin/sh -c #(nop) ADD a /"}, {"created_by": "/bin/sh -c #(nop) ADD b /"}]}
    other = tar_bytes([("srv/other.conf", secret_file)])
    oci_layout(os.path.join(out, "symlink-layer"), two, [good_layer, other], (0, "/etc/passwd"))
    oci_layout(os.path.join(out, "symlink-config"), two, [good_layer, other], ("config", "/etc/passwd"))
    # a PAX path with a NUL inside: every extractor stops at the NUL, and so do we
    with tarfile.open(os.path.join(out, "nul-name.tar"), "w", format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo("plain")
        ti.pax_headers = {"path": "etc/a\x00b.conf"}
        ti.size = len(secret_file)
        t.addfile(ti, io.BytesIO(secret_file))
    # compressed files holding nothing (Debian ships a few such man pages), and a
    # truncated one: empty is not damage, truncation is
    empty_gz = gzip.compress(b"", mtime=0)
    layer(os.path.join(out, "empty-compressed.tar"), [
        ("usr/share/man/man1/tool.1.gz", empty_gz),
        ("opt/data/empty.json.gz", empty_gz),
        ("opt/data/cut.json.gz", gzip.compress(b'{"k": "' + b"v" * 4000 + b'"}', mtime=0)[:40]),
        ("real.txt", secret_file),
    ])
    # regexes against pathological input: a PEM header with 8 MiB of base64 and no END line,
    # "password=" followed by 8 MiB without a break, 2 MiB of token prefixes
    layer(os.path.join(out, "pathological.tar"), [
        ("p/pem.key", b"-----BEGIN RSA PRIVATE KEY-----\n" + b"QUJD" * (2 << 20)),
        ("p/pass.conf", b"password=" + b"Zq9" * ((8 << 20) // 3)),
        ("p/prefixes.txt", b"ghp_" * (512 << 10)),
        ("p/real.txt", secret_file),
    ])


if __name__ == "__main__":
    main(sys.argv[1])
