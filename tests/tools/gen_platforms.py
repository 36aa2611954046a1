#!/usr/bin/env python3
"""gen_platforms.py - the multi-platform fixture of test_platform_all.sh.

    python3 tests/tools/gen_platforms.py OUTDIR

Writes OUTDIR/spec.json, OUTDIR/keys.json ({"shared": ..., "amd": ...}) and,
with mkimage.py, OUTDIR/oci (an OCI layout) and OUTDIR/image.tar (the same
as an oci-archive): one index of linux/amd64 and linux/arm64/v8 plus a
BuildKit attestation manifest (unknown/unknown) about the amd64 image.

  amd64   L0 shared: /app/shared.env (github-pat)   h0 COPY shared.env /app/
          L1 /app/amd.ini (aws-access-key-id)       h1 COPY amd.ini /app/
  arm64   L0 the same blob                          h0 COPY shared.env /app/
          L1 deletes /app/shared.env, adds arm.txt  h1 RUN rm /app/shared.env ...

So the merged report's layers are amd64 0-1 and arm64 2-3; the shared
secret is present in amd64 (layer 0) and deleted in arm64 (layer 2, removed
in 3). Every key is FAKE, drawn from a seeded generator.
"""
import json
import os
import random
import subprocess
import sys

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def main():
    out = sys.argv[1]
    rng = random.Random(20261207)
    shared = "ghp_" + "".join(rng.choice(ALNUM) for _ in range(36))
    amd = "AKIA" + "".join(rng.choice(B32) for _ in range(16))
    l0 = {"entries": [{"path": "app", "type": "dir"},
                      {"path": "app/shared.env", "type": "file", "content": f"GITHUB_TOKEN={shared}\n"}]}
    spec = {
        "name": "layerscan/multi", "ref": "1.0", "layers": [l0],
        "platform_layers": {
            "linux/amd64": [l0, {"entries": [{"path": "app/amd.ini", "type": "file",
                                              "content": f"aws_access_key_id = {amd}\n"}]}],
            "linux/arm64/v8": [l0, {"entries": [{"path": "app/.wh.shared.env", "type": "file", "content": ""},
                                                {"path": "app/arm.txt", "type": "file", "content": "arm\n"}]}],
        },
        "platform_history": {
            "linux/amd64": [{"created_by": "COPY shared.env /app/ # buildkit"},
                            {"created_by": "COPY amd.ini /app/ # buildkit"}],
            "linux/arm64/v8": [{"created_by": "COPY shared.env /app/ # buildkit"},
                               {"created_by": "RUN /bin/sh -c rm /app/shared.env && echo arm > /app/arm.txt # buildkit"}],
        },
        "attestation_for": "linux/amd64",
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "spec.json"), "w") as f:
        json.dump(spec, f, indent=1)
    with open(os.path.join(out, "keys.json"), "w") as f:
        json.dump({"shared": shared, "amd": amd}, f)
    mk = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mkimage.py")
    for fmt, name in (("oci", "oci"), ("oci-archive", "image.tar")):
        subprocess.run([sys.executable, mk, os.path.join(out, "spec.json"), os.path.join(out, name),
                        "--format", fmt, "--platforms", "linux/amd64,linux/arm64/v8"], check=True)


if __name__ == "__main__":
    main()
