#!/usr/bin/env python3
"""nested_gen.py - deterministic archives for the nested-content fixtures.

Library for tests/tools/gen_nested_corpus.py (which writes the corpus cases)
and tests/tools/mkimage.py (the "zip_bomb" content piece, built at image build
time so the multi-GB member is never stored or written to disk):

  zip_bytes([(name, data, "deflate"|"store")...], descriptor=False)
  tar_bytes([(name, data)...]), gzip_bytes(data), zstd_bytes(data)
  zip_bomb(name, size)  a zip whose one deflated member is `size` zero bytes,
                        compressed in O(1 MiB) memory: with Z_FULL_FLUSH every
                        1 MiB chunk of zeros deflates to the same bytes, so the
                        chunk is compressed once and repeated; the CRC-32 of
                        the zeros is computed with crc32_combine's algebra.
  jks_bytes(...), pkcs12_bytes(...)  fake Java keystore / PKCS#12 files with
                        random (fake) key material, in the real formats.
"""

import gzip
import io
import random
import struct
import subprocess
import tarfile
import zipfile
import zlib

FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def zip_bytes(members, descriptor=False):
    """members: [(name, bytes, "deflate"|"store")]. descriptor=True writes
    sizes after the data (bit 3), as the `jar` tool and streamed writers do."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method in members:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED if method == "deflate" else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    raw = buf.getvalue()
    if not descriptor:
        return raw
    return _with_descriptors(raw)


def _with_descriptors(raw):
    """Rewrites a zip so every deflated member has bit 3 set, zero sizes and
    CRC in its local header and a data descriptor after its data."""
    out = io.BytesIO()
    zin = zipfile.ZipFile(io.BytesIO(raw))
    central = []
    for info in zin.infolist():
        off = info.header_offset
        hdr = raw[off:off + 30]
        (sig, ver, flag, meth, mtime, mdate, crc, csize, usize, nlen, xlen) = struct.unpack("<IHHHHHIIIHH", hdr)
        name = raw[off + 30:off + 30 + nlen]
        data = raw[off + 30 + nlen + xlen:off + 30 + nlen + xlen + csize]
        new_off = out.tell()
        if meth == zipfile.ZIP_DEFLATED:
            flag |= 8
            out.write(struct.pack("<IHHHHHIIIHH", sig, ver, flag, meth, mtime, mdate, 0, 0, 0, nlen, 0))
            out.write(name + data)
            out.write(struct.pack("<IIII", 0x08074B50, crc, csize, usize))
        else:
            out.write(struct.pack("<IHHHHHIIIHH", sig, ver, flag, meth, mtime, mdate, crc, csize, usize, nlen, 0))
            out.write(name + data)
        central.append((info, flag, meth, mtime, mdate, crc, csize, usize, name, new_off))
    cd_off = out.tell()
    for info, flag, meth, mtime, mdate, crc, csize, usize, name, loff in central:
        out.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flag, meth, mtime, mdate, crc, csize,
                              usize, len(name), 0, 0, 0, 0, 0o644 << 16, loff))
        out.write(name)
    cd_len = out.tell() - cd_off
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), cd_len, cd_off, 0))
    return out.getvalue()


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 1704067200
            ti.mode = 0o644
            ti.uname = ti.gname = "root"
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def gzip_bytes(data, name=None):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", mode="wb", fileobj=buf, mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def zstd_bytes(data):
    return subprocess.run(["zstd", "-q", "-c", "--no-check", "-19"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


# ---------------------------------------------------------------- zip bomb

def _gf2_times(mat, vec):
    s = 0
    i = 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _gf2_square(mat):
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1, crc2, len2):
    """zlib's crc32_combine: the CRC of A+B from crc(A), crc(B), len(B)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def crc32_zeros(n):
    """CRC-32 of n zero bytes, by doubling."""
    crc, have = 0, 0  # crc of `have` zeros
    blk, blen = zlib.crc32(b"\0"), 1
    while n:
        if n & 1:
            crc = crc32_combine(crc, blk, blen) if have else blk
            have += blen
        n >>= 1
        if n:
            blk = crc32_combine(blk, blk, blen)
            blen *= 2
    return crc


def deflate_zeros(size, chunk=1 << 20):
    """Raw deflate of `size` zero bytes without materializing them."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    again = c2.compress(b"\0" * chunk) + c2.flush(zlib.Z_FULL_FLUSH)
    assert first == again
    n, rest = divmod(size, chunk)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = tail.compress(b"\0" * rest) + tail.flush(zlib.Z_FINISH)
    return first * n + last


def zip_bomb(name, size):
    if size >= 0xFFFFFFFF:
        raise ValueError("zip_bomb: size must stay below 4 GiB (no zip64)")
    data = deflate_zeros(size)
    crc = crc32_zeros(size)
    nb = name.encode()
    t, d = (0 << 11), ((2024 - 1980) << 9) | (1 << 5) | 1
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, t, d, crc, len(data), size, len(nb), 0) + nb
    cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, t, d, crc, len(data), size, len(nb),
                     0, 0, 0, 0, 0o644 << 16, 0) + nb
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), len(local) + len(data), 0)
    return local + data + cd + end


# ---------------------------------------------------------------- keystores

def _rand(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def jks_bytes(seed, keys=1, certs=0, magic=b"\xfe\xed\xfe\xed", version=2):
    """A JKS (or, with magic CECECECE, JCEKS) keystore with `keys` private-key
    entries and `certs` trusted certificates; fake random key and cert bytes,
    and a fake 20-byte integrity digest at the end."""
    rng = random.Random(seed)
    out = magic + struct.pack(">II", version, keys + certs)
    for i in range(keys):
        alias = b"key%d" % i
        out += struct.pack(">IH", 1, len(alias)) + alias + struct.pack(">Q", 1704067200000)
        key = _rand(rng, 96)
        out += struct.pack(">I", len(key)) + key + struct.pack(">I", 1)
        cert = _rand(rng, 64)
        out += (struct.pack(">H", 5) + b"X.509" if version == 2 else b"") + struct.pack(">I", len(cert)) + cert
    for i in range(certs):
        alias = b"ca%d" % i
        out += struct.pack(">IH", 2, len(alias)) + alias + struct.pack(">Q", 1704067200000)
        cert = _rand(rng, 64)
        out += (struct.pack(">H", 5) + b"X.509" if version == 2 else b"") + struct.pack(">I", len(cert)) + cert
    return out + _rand(rng, 20)


def _der(tag, body):
    n = len(body)
    if n < 128:
        ln = bytes([n])
    elif n < 256:
        ln = b"\x81" + bytes([n])
    elif n < 65536:
        ln = b"\x82" + struct.pack(">H", n)
    else:
        ln = b"\x83" + struct.pack(">I", n)[1:]
    return bytes([tag]) + ln + body


OID_DATA = bytes.fromhex("06092a864886f70d010701")
OID_SHROUDED_KEYBAG = bytes.fromhex("060b2a864886f70d010c0a0102")


def pkcs12_bytes(seed, key=True):
    """A PKCS#12 PFX: version 3, authSafe = data holding one SafeContents with
    a pkcs8ShroudedKeyBag (fake encrypted key bytes), and a fake MacData."""
    rng = random.Random(seed)
    bag = _der(0x30, OID_SHROUDED_KEYBAG + _der(0xA0, _der(0x30, _der(0x30, b"\x06\x03\x2a\x03\x04") +
                                                           _der(0x04, _rand(rng, 300)))))
    if not key:
        bag = _der(0x30, bytes.fromhex("060b2a864886f70d010c0a0103") + _der(0xA0, _der(0x04, _rand(rng, 300))))
    safe = _der(0x30, bag)
    auth_safe = _der(0x30, _der(0x30, OID_DATA + _der(0xA0, _der(0x04, safe))))
    content_info = _der(0x30, OID_DATA + _der(0xA0, _der(0x04, auth_safe)))
    mac = _der(0x30, _der(0x30, _der(0x30, b"\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00") + _der(0x04, _rand(rng, 20))) +
               _der(0x04, _rand(rng, 8)) + b"\x02\x02\x08\x00")
    return _der(0x30, b"\x02\x01\x03" + content_info + mac)
