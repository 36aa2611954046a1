#!/usr/bin/env python3
"""mksmall.py OUT.tar N - a deterministic layer of N small files (60-300 bytes
of config-like text each, in 1000-file directories), for the benchmark."""
import io, sys, tarfile

out, n = sys.argv[1], int(sys.argv[2])
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for i in range(n):
        if i % 1000 == 0:
            d = tarfile.TarInfo("srv/d%04d" % (i // 1000))
            d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 0
            t.addfile(d)
        body = ("name=item%d\nvalue=%s\nport=%d\n" % (i, "x" * (i * 7919 % 240), 1000 + i % 5000)).encode()
        ti = tarfile.TarInfo("srv/d%04d/f%07d.conf" % (i // 1000, i))
        ti.size, ti.mode, ti.mtime = len(body), 0o644, 0
        t.addfile(ti, io.BytesIO(body))
