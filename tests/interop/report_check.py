#!/usr/bin/env python3
"""report_check.py - assertions on layerscan JSON reports and on the images the
real tools wrote, for tests/integration/test_interop_*.sh.

Prints one line per check: "ok - ..." or "FAIL - ...". Exit status 1 when any
check failed, 2 on bad usage.

  report_check.py image LAYOUT REF SPEC FACTS
      Inspects an OCI layout written by a real tool (gzip, zstd or plain
      layers): checks SPEC's "image" section (layer count, members each layer
      must have / must lack, history created_by patterns) and writes FACTS, a
      JSON file with what was found (diff_ids, member counts, whiteouts), for
      the `expect` step.
  report_check.py expect REPORT SPEC LABEL [FACTS]
      Checks a layerscan report against SPEC's "report" section: exact
      findings (every expected finding present once with the given fields, no
      unexpected one, counts per rule), the history and layer tables, and the
      FACTS from the image when given.
  report_check.py same LABEL_A REPORT_A LABEL_B REPORT_B
      The two reports carry the same findings: compares the multisets of
      (rule, layer, path, line, column, status, removed_in_layer, fingerprint),
      plus the history indexes and instructions.
  report_check.py redacted REPORT_PLAIN REPORT_SHOWN
      The report made without --show-secrets does not print any finding's full
      secret (as given by the --show-secrets report) in a finding's "secret",
      and it has the same findings otherwise.

INTEROP_IGNORE_RULES="id,id" (environment) leaves those rules' findings out of
`expect` (a "#" line says how many); by default every finding must be expected.

SPEC values: a string field may be given as {"re": "PATTERN"} (full match);
"optional": true on a finding means it may be absent (but at most once).
"""
import collections
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile

FAILS = 0


def ok(msg):
    print("ok - " + msg)


def fail(msg):
    global FAILS
    FAILS += 1
    print("FAIL - " + msg)


def check(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        fail(msg + (": " + detail if detail else ""))
    return cond


def load(path):
    with open(path, "rb") as f:
        return json.load(f)


def matches(want, got):
    """want: literal, or {"re": pattern} matched against the whole string."""
    if isinstance(want, dict) and "re" in want:
        return isinstance(got, str) and re.fullmatch(want["re"], got, re.S) is not None
    return want == got


def show(v):
    if isinstance(v, dict) and "re" in v:
        return "/%s/" % v["re"]
    return json.dumps(v)


# ---------------------------------------------------------------- image

def read_blob(layout, digest):
    algo, hexd = digest.split(":", 1)
    with open("%s/blobs/%s/%s" % (layout, algo, hexd), "rb") as f:
        return f.read()


def decompress(data):
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return subprocess.run(["zstd", "-dc"], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    return data


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/").rstrip("/")
    return name or "."


def resolve_manifest(layout, ref):
    index = load(layout + "/index.json")
    mans = index.get("manifests", [])
    if ref:
        mans = [m for m in mans
                if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == ref]
    if len(mans) != 1:
        raise SystemExit("FAIL - %s:%s: want exactly one manifest, found %d" % (layout, ref, len(mans)))
    return json.loads(read_blob(layout, mans[0]["digest"]))


def cmd_image(layout, ref, spec_path, facts_path):
    spec = load(spec_path).get("image", {})
    man = resolve_manifest(layout, ref)
    cfg = json.loads(read_blob(layout, man["config"]["digest"]))
    facts = {"layers": [], "history": cfg.get("history", []),
             "diff_ids": cfg.get("rootfs", {}).get("diff_ids", []),
             "env": (cfg.get("config") or {}).get("Env") or [],
             "labels": (cfg.get("config") or {}).get("Labels") or {}}
    for i, l in enumerate(man["layers"]):
        tar = decompress(read_blob(layout, l["digest"]))
        members = []
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as tf:
            for m in tf:
                kind = ("dir" if m.isdir() else "file" if m.isreg() else "symlink" if m.issym()
                        else "hardlink" if m.islnk() else "other")
                members.append({"name": m.name, "type": kind, "size": m.size})
        base = [m["name"].rstrip("/").rsplit("/", 1)[-1] for m in members]
        facts["layers"].append({
            "index": i, "media_type": l.get("mediaType"), "compressed_bytes": l.get("size"),
            "bytes": len(tar), "entries": len(members),
            "whiteouts": sum(1 for b in base if b.startswith(".wh.") and b not in (".wh..wh..plnk",)
                             and not b.startswith(".wh..wh..plnk")),
            "members": members})
    with open(facts_path, "w") as f:
        json.dump(facts, f, indent=1)

    n = spec.get("layer_count")
    if n is not None:
        check(len(man["layers"]) == n, "image %s: %d layers" % (layout, n),
              "found %d" % len(man["layers"]))
        check(len(facts["diff_ids"]) == n, "image %s: %d diff_ids" % (layout, n),
              "found %d" % len(facts["diff_ids"]))
    for want in spec.get("layers", []):
        i = want["index"]
        if i >= len(facts["layers"]):
            fail("image layer %d missing" % i)
            continue
        lay = facts["layers"][i]
        names = {norm(m["name"]): m for m in lay["members"]}
        for h in want.get("has", []):
            name, _, kind = h.partition("@")
            m = names.get(name)
            check(m is not None and (not kind or m["type"] == kind),
                  "image layer %d has %s%s" % (i, name, " (" + kind + ")" if kind else ""),
                  "members: %s" % sorted(names))
        for h in want.get("lacks", []):
            check(h not in names, "image layer %d has no %s" % (i, h))
        if "within" in want:
            got = sorted(k for k in names if k != ".")
            extra = [k for k in got if k not in want["within"]]
            check(not extra, "image layer %d holds nothing outside %s" % (i, want["within"]),
                  "also found %s" % extra)
        if "only" in want:
            got = sorted(k for k in names if k != ".")
            check(got == sorted(want["only"]), "image layer %d holds exactly %s" % (i, want["only"]),
                  "found %s" % got)
    if "media_type" in spec:
        mts = sorted(set(l["media_type"] for l in facts["layers"]))
        check(mts == [spec["media_type"]], "image layers are all %s" % spec["media_type"], str(mts))
    hist = facts["history"]
    if "history" in spec:
        check(len(hist) == len(spec["history"]), "image history has %d entries" % len(spec["history"]),
              "found %d" % len(hist))
        for i, want in enumerate(spec["history"]):
            if i >= len(hist):
                break
            got = hist[i]
            check(matches(want["created_by"], got.get("created_by")) and
                  bool(got.get("empty_layer", False)) == want.get("empty_layer", False),
                  "image history[%d] created_by %s empty_layer=%s" % (
                      i, show(want["created_by"]), want.get("empty_layer", False)),
                  "found %s empty_layer=%s" % (json.dumps(got.get("created_by")), got.get("empty_layer")))
    if "env" in spec:
        check(facts["env"] == spec["env"], "image config.Env is %s" % spec["env"], str(facts["env"]))
    return 0


# ---------------------------------------------------------------- report

def describe(f):
    where = "layer %s" % f.get("layer") if f.get("source") == "file" else "history %s" % f.get("history")
    return "%s %s %s %s line %s" % (f.get("rule"), f.get("source"), f.get("path"), where, f.get("line"))


def generic_finding_checks(label, findings, report):
    problems = []
    nlayers = len(report.get("layers") or [])
    for f in findings:
        d = describe(f)
        if f.get("source") not in ("file", "history", "config"):
            problems.append("%s: bad source %r" % (d, f.get("source")))
        st = f.get("status")
        if st not in ("present", "deleted", "overwritten", "metadata"):
            problems.append("%s: bad status %r" % (d, st))
        if f.get("source") == "file":
            if st not in ("present", "deleted", "overwritten"):
                problems.append("%s: file finding with status %r" % (d, st))
            if not isinstance(f.get("layer"), int) or not 0 <= f["layer"] < nlayers:
                problems.append("%s: layer %r out of range" % (d, f.get("layer")))
        elif st != "metadata":
            problems.append("%s: %s finding with status %r" % (d, f.get("source"), st))
        r = f.get("removed_in_layer")
        if st in ("deleted", "overwritten"):
            if not isinstance(r, int) or not isinstance(f.get("layer"), int) or not f["layer"] < r < nlayers:
                problems.append("%s: removed_in_layer %r not after layer %r" % (d, r, f.get("layer")))
        elif r is not None:
            problems.append("%s: removed_in_layer %r with status %s" % (d, r, st))
        if not isinstance(f.get("secret"), str) or not f["secret"]:
            problems.append("%s: empty secret" % d)
        if not isinstance(f.get("fingerprint"), str) or not f["fingerprint"]:
            problems.append("%s: empty fingerprint" % d)
        if not isinstance(f.get("line"), int) or f["line"] < 1:
            problems.append("%s: line %r" % (d, f.get("line")))
    check(not problems, "%s: every finding is well formed (%d findings)" % (label, len(findings)),
          "; ".join(problems[:6]))


def cmd_expect(report_path, spec_path, label, facts_path=None):
    rep = load(report_path)
    spec = load(spec_path)["report"]
    facts = load(facts_path) if facts_path else None

    check(rep.get("report_version") == 1, "%s: report_version 1" % label, str(rep.get("report_version")))
    img = rep.get("image") or {}
    if "transport" in spec:
        check(img.get("transport") == spec["transport"], "%s: image.transport %s" % (label, spec["transport"]),
              str(img.get("transport")))
    for k in ("os", "architecture"):
        if k in spec:
            check(img.get(k) == spec[k], "%s: image.%s %s" % (label, k, spec[k]), str(img.get(k)))
    check(isinstance(img.get("config_digest"), str) and img["config_digest"].startswith("sha256:"),
          "%s: image.config_digest is a sha256 digest" % label, str(img.get("config_digest")))
    errs = rep.get("errors")
    check(errs == [], "%s: no errors" % label, json.dumps(errs)[:300])

    # --- layer table
    layers = rep.get("layers") or []
    if "layers" in spec:
        check(len(layers) == len(spec["layers"]), "%s: %d layers" % (label, len(spec["layers"])),
              "found %d" % len(layers))
        for want in spec["layers"]:
            i = want["index"]
            got = layers[i] if i < len(layers) else {}
            bad = [k for k, v in want.items() if not matches(v, got.get(k))]
            if facts:
                fl = facts["layers"][i]
                for k in ("entries", "whiteouts"):
                    if got.get(k) != fl[k]:
                        bad.append("%s=%r (image has %r)" % (k, got.get(k), fl[k]))
                if got.get("diff_id") != facts["diff_ids"][i]:
                    bad.append("diff_id %r != config %r" % (got.get("diff_id"), facts["diff_ids"][i]))
            check(not bad, "%s: layers[%d] history=%s instruction=%s%s" % (
                label, i, want.get("history"), show(want.get("instruction")),
                " entries/whiteouts/diff_id match the image" if facts else ""),
                "mismatch %s in %s" % (bad, json.dumps({k: got.get(k) for k in list(want) + ["entries", "whiteouts", "bytes", "diff_id"]})))

    # --- history table
    hist = rep.get("history") or []
    if "history" in spec:
        check(len(hist) == len(spec["history"]), "%s: %d history entries" % (label, len(spec["history"])),
              "found %d" % len(hist))
        for i, want in enumerate(spec["history"]):
            got = hist[i] if i < len(hist) else {}
            w = dict(want, index=i)
            bad = [k for k, v in w.items() if not matches(v, got.get(k))]
            check(not bad, "%s: history[%d] layer=%s empty_layer=%s instruction=%s" % (
                label, i, w.get("layer"), w.get("empty_layer"), show(w.get("instruction"))),
                "mismatch %s in %s" % (bad, json.dumps(got)[:400]))

    # --- findings, exactly
    findings = rep.get("findings") or []
    ignore = [r for r in os.environ.get("INTEROP_IGNORE_RULES", "").replace(",", " ").split() if r]
    if ignore:
        skipped = [f for f in findings if f.get("rule") in ignore]
        findings = [f for f in findings if f.get("rule") not in ignore]
        print("# %s: INTEROP_IGNORE_RULES=%s: ignoring %d findings" % (label, ",".join(ignore), len(skipped)))
    generic_finding_checks(label, findings, rep)
    pool = list(findings)
    want_counts = collections.Counter()
    for want in spec["findings"]:
        optional = want.get("optional", False)
        w = {k: v for k, v in want.items() if k not in ("optional", "note")}
        ident = ("rule", "source", "path") + {"file": ("layer",), "history": ("history",)}.get(
            w.get("source"), ("line",))
        cands = [f for f in pool if all(matches(w[k], f.get(k)) for k in ident if k in w)]
        what = "%s: finding %s %s %s%s%s" % (
            label, w.get("rule"), w.get("source"), w.get("path"),
            (" layer %s" % w["layer"]) if w.get("source") == "file" else (" history %s" % w.get("history")),
            " (optional)" if optional else "")
        if not cands:
            if optional:
                ok(what + " absent")
            else:
                fail(what + ": not reported")
            continue
        if len(cands) > 1:
            fail(what + ": reported %d times" % len(cands))
        f = cands[0]
        pool.remove(f)
        want_counts[w["rule"]] += 1
        bad = ["%s=%s (want %s)" % (k, json.dumps(f.get(k)), show(v)) for k, v in w.items()
               if not matches(v, f.get(k))]
        # a history finding's layer and instruction agree with the history table
        if f.get("source") == "history" and isinstance(f.get("history"), int) and f["history"] < len(hist):
            h = hist[f["history"]]
            if f.get("layer") != h.get("layer"):
                bad.append("layer %r != history table's %r" % (f.get("layer"), h.get("layer")))
            if f.get("instruction") != h.get("instruction"):
                bad.append("instruction differs from history table's")
        if f.get("source") == "file" and isinstance(f.get("layer"), int) and f["layer"] < len(layers):
            L = layers[f["layer"]]
            if f.get("history") != L.get("history") or f.get("instruction") != L.get("instruction"):
                bad.append("history/instruction differ from layers[%d]" % f["layer"])
        desc = ", ".join("%s=%s" % (k, show(w[k])) for k in
                         ("status", "removed_in_layer", "line", "instruction") if k in w)
        check(not bad, "%s present once [%s]" % (what, desc), "; ".join(bad))
    for f in pool:
        fail("%s: unexpected finding %s status=%s secret=%s" % (
            label, describe(f), f.get("status"), json.dumps(f.get("secret"))[:60]))
    got_counts = collections.Counter(f.get("rule") for f in findings)
    check(got_counts == want_counts, "%s: findings per rule %s" % (label, dict(sorted(want_counts.items()))),
          "report has %s" % dict(sorted(got_counts.items())))
    return 0


SAME_FIELDS = ("rule", "source", "layer", "history", "path", "line", "column", "status",
               "removed_in_layer", "fingerprint", "instruction")


def cmd_same(la, a, lb, b):
    ra, rb = load(a), load(b)
    fa = sorted(json.dumps([f.get(k) for k in SAME_FIELDS]) for f in ra.get("findings") or [])
    fb = sorted(json.dumps([f.get(k) for k in SAME_FIELDS]) for f in rb.get("findings") or [])
    diff = sorted((collections.Counter(fa) - collections.Counter(fb)).elements())
    diff2 = sorted((collections.Counter(fb) - collections.Counter(fa)).elements())
    check(fa == fb and len(fa) > 0, "%s and %s report the same %d findings" % (la, lb, len(fa)),
          "only in %s: %s; only in %s: %s" % (la, diff[:3], lb, diff2[:3]))
    ha = [(h.get("instruction"), h.get("layer"), h.get("empty_layer")) for h in ra.get("history") or []]
    hb = [(h.get("instruction"), h.get("layer"), h.get("empty_layer")) for h in rb.get("history") or []]
    check(ha == hb, "%s and %s have the same history table" % (la, lb))
    da = [(l.get("diff_id"), l.get("entries"), l.get("whiteouts"), l.get("bytes")) for l in ra.get("layers") or []]
    db = [(l.get("diff_id"), l.get("entries"), l.get("whiteouts"), l.get("bytes")) for l in rb.get("layers") or []]
    check(da == db, "%s and %s have the same layers (diff_id, entries, whiteouts, bytes)" % (la, lb),
          "%s vs %s" % (da[:2], db[:2]))
    return 0


def cmd_redacted(plain, shown):
    rp, rs = load(plain), load(shown)
    secrets = {f.get("fingerprint"): f.get("secret") for f in rs.get("findings") or []}
    leaks = []
    for f in rp.get("findings") or []:
        full = secrets.get(f.get("fingerprint"))
        if full and len(full) >= 8 and full in (f.get("secret") or ""):
            leaks.append(describe(f))
    check(not leaks, "default report does not print full secrets in findings[].secret",
          "; ".join(leaks[:4]))
    a = sorted(f.get("fingerprint") or "" for f in rp.get("findings") or [])
    b = sorted(f.get("fingerprint") or "" for f in rs.get("findings") or [])
    check(a == b, "default and --show-secrets reports have the same findings (%d)" % len(a))
    return 0


def main(argv):
    cmds = {"image": (cmd_image, 4), "expect": (cmd_expect, 3), "same": (cmd_same, 4),
            "redacted": (cmd_redacted, 2)}
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    fn, n = cmds[argv[1]]
    args = argv[2:]
    if len(args) < n:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        fn(*args)
    except SystemExit:
        raise
    except Exception as e:  # a malformed report is a failure, not a crash
        fail("%s %s: %s: %s" % (argv[1], " ".join(args[:1]), type(e).__name__, e))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
