#!/usr/bin/env python3
"""same_report.py FILE_REPORT STREAM_REPORT [--label PATH] [--ignore-transport]

Exit 0 when two `scan --format json` reports of one image say the same
(printing "N findings"), else print each differing top-level key and exit 1. Left out of the
comparison: image.reference and stats.seconds (the stream's reference is
"-"), and in error messages the image's label: PATH (the archive file) in
the first report reads "stdin" in the second.
"""
import json
import sys


def load(path, label):
    with open(path) as f:
        r = json.load(f)
    r["image"].pop("reference", None)
    if IGNORE_TRANSPORT:
        r["image"].pop("transport", None)
    r["stats"].pop("seconds", None)
    if label:
        for e in r.get("errors", []):
            e["message"] = e["message"].replace(label, "stdin")
    return r


IGNORE_TRANSPORT = False


def main():
    global IGNORE_TRANSPORT
    args = sys.argv[1:]
    if "--ignore-transport" in args:  # an engine's archive is docker save's, read as docker-daemon
        IGNORE_TRANSPORT = True
        args.remove("--ignore-transport")
    label = None
    if "--label" in args:
        i = args.index("--label")
        label = args[i + 1]
        del args[i:i + 2]
    a = load(args[0], label)
    b = load(args[1], None)
    if a == b:
        print(f"{len(b['findings'])} findings")
        return 0
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print(f"{k}: file {json.dumps(a.get(k))[:600]}")
            print(f"{' ' * len(k)}  stream {json.dumps(b.get(k))[:600]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
