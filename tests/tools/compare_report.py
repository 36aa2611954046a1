#!/usr/bin/env python3
"""compare_report.py [--portable] ACTUAL.json EXPECTED.json

Equal reports, ignoring stats.seconds and tool.version (and image.reference,
which names the path the image was scanned from). With --portable, also
ignores what depends on the image's container form (transport, manifest
digest, layer digests, media types and compressed sizes), so a docker-archive
report can be compared with one made from the OCI form of the same image.
Prints a unified diff of the normalized JSON; exit 1 when they differ."""
import difflib
import json
import sys


def norm(path, portable):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    r.get("stats", {}).pop("seconds", None)
    r.get("tool", {}).pop("version", None)
    r.get("image", {}).pop("reference", None)
    if portable:
        for k in ("transport", "manifest_digest"):
            r.get("image", {}).pop(k, None)
        for l in r.get("layers") or []:
            for k in ("digest", "media_type", "compressed_bytes", "compression"):
                l.pop(k, None)
    return json.dumps(r, indent=1, sort_keys=True, ensure_ascii=False).splitlines()


def main():
    args = sys.argv[1:]
    portable = "--portable" in args
    args = [a for a in args if a != "--portable"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = norm(args[0], portable), norm(args[1], portable)
    if a == b:
        return 0
    for line in difflib.unified_diff(b, a, args[1], args[0], lineterm="", n=2):
        print(line)
    return 1


if __name__ == "__main__":
    sys.exit(main())
