#!/usr/bin/env python3
"""check_formats.py sarif|jsonl OUTPUT REPORT.json

Checks a SARIF or JSONL output of `layerscan scan` field by field:

sarif: the required properties and types of the SARIF 2.1.0 schema for every
  object layerscan emits (sarifLog, run, tool, toolComponent,
  reportingDescriptor, multiformatMessageString, reportingConfiguration,
  result, message, location, physicalLocation, artifactLocation, region,
  suppression), then each result against the same finding of REPORT.json (the
  JSON report of the same scan): rule, level from severity, URI from layer and
  path, line, column, fingerprint, message naming the instruction and fate.
jsonl: one compact JSON object a line, each equal to REPORT.json's finding
  with the image object and the layer's digest and diff_id folded in.
Exit 1 with one line per problem."""
import json
import re
import sys
from urllib.parse import quote

errors = []


def fail(msg):
    errors.append(msg)


def need(obj, where, key, typ):
    if not isinstance(obj, dict):
        fail(f"{where}: not an object")
        return None
    if key not in obj:
        fail(f"{where}: missing required property {key}")
        return None
    v = obj[key]
    if typ is int and (isinstance(v, bool) or not isinstance(v, int)):
        fail(f"{where}.{key}: {v!r} is not an integer")
    elif typ is not int and not isinstance(v, typ):
        fail(f"{where}.{key}: {v!r} is not {typ.__name__}")
    return v


def opt(obj, where, key, typ):
    if isinstance(obj, dict) and key in obj:
        return need(obj, where, key, typ)
    return None


LEVELS = {"none", "note", "warning", "error"}
SEV_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}


def message_obj(m, where):
    # message: text or id required (we always emit text)
    need(m, where, "text", str)


def check_rule(rule, where):
    need(rule, where, "id", str)
    opt(rule, where, "name", str)
    for k in ("shortDescription", "fullDescription", "help"):
        v = opt(rule, where, k, dict)
        if v is not None:
            need(v, f"{where}.{k}", "text", str)
    cfg = opt(rule, where, "defaultConfiguration", dict)
    if cfg is not None:
        lvl = opt(cfg, f"{where}.defaultConfiguration", "level", str)
        if lvl is not None and lvl not in LEVELS:
            fail(f"{where}.defaultConfiguration.level: {lvl!r} not in {sorted(LEVELS)}")
    opt(rule, where, "properties", dict)


def check_result(res, where):
    message_obj(need(res, where, "message", dict), f"{where}.message")
    opt(res, where, "ruleId", str)
    idx = opt(res, where, "ruleIndex", int)
    if idx is not None and idx < -1:
        fail(f"{where}.ruleIndex: {idx} < -1")
    lvl = opt(res, where, "level", str)
    if lvl is not None and lvl not in LEVELS:
        fail(f"{where}.level: {lvl!r}")
    locs = opt(res, where, "locations", list) or []
    for i, loc in enumerate(locs):
        lw = f"{where}.locations[{i}]"
        phys = need(loc, lw, "physicalLocation", dict)
        if phys is None:
            continue
        art = need(phys, f"{lw}.physicalLocation", "artifactLocation", dict)
        if art is not None:
            uri = need(art, f"{lw}.physicalLocation.artifactLocation", "uri", str)
            if uri is not None and (uri.startswith("/") or ":" in uri or " " in uri):
                fail(f"{lw}: uri {uri!r} is not a relative URI reference")
        reg = opt(phys, f"{lw}.physicalLocation", "region", dict)
        if reg is not None:
            for k in ("startLine", "startColumn"):
                v = opt(reg, f"{lw}.physicalLocation.region", k, int)
                if v is not None and v < 1:
                    fail(f"{lw}.physicalLocation.region.{k}: {v} < 1")
    fps = opt(res, where, "partialFingerprints", dict) or {}
    for k, v in fps.items():
        if not isinstance(v, str):
            fail(f"{where}.partialFingerprints.{k}: not a string")
    for i, s in enumerate(opt(res, where, "suppressions", list) or []):
        kind = need(s, f"{where}.suppressions[{i}]", "kind", str)
        if kind not in ("inSource", "external"):
            fail(f"{where}.suppressions[{i}].kind: {kind!r}")
        opt(s, f"{where}.suppressions[{i}]", "justification", str)
    opt(res, where, "properties", dict)


def expected_uri(f):
    if f["source"] == "file":
        return f"layer/{f['layer']}/" + quote(f["path"].lstrip("/"), safe="/-._~")
    if f["source"] == "history":
        return "history/" + re.match(r"history\[(\d+)\]", f["path"]).group(1)
    return "config/" + quote(f["path"][len("config."):], safe="/-._~")


def check_sarif(path, report):
    with open(path, encoding="utf-8") as fh:
        log = json.load(fh)
    need(log, "sarifLog", "version", str)
    if log.get("version") != "2.1.0":
        fail(f"sarifLog.version: {log.get('version')!r}, expected '2.1.0'")
    opt(log, "sarifLog", "$schema", str)
    runs = need(log, "sarifLog", "runs", list) or []
    if len(runs) != 1:
        fail(f"sarifLog.runs: {len(runs)} runs, expected 1")
        return
    run = runs[0]
    tool = need(run, "runs[0]", "tool", dict)
    driver = need(tool, "runs[0].tool", "driver", dict)
    need(driver, "runs[0].tool.driver", "name", str)
    opt(driver, "runs[0].tool.driver", "version", str)
    rules = opt(driver, "runs[0].tool.driver", "rules", list) or []
    for i, r in enumerate(rules):
        check_rule(r, f"runs[0].tool.driver.rules[{i}]")
    results = opt(run, "runs[0]", "results", list) or []
    for i, r in enumerate(results):
        check_result(r, f"runs[0].results[{i}]")
    if errors:
        return
    # against the JSON report: findings then suppressed, in order
    findings = report["findings"] + report.get("suppressed", [])
    if len(results) != len(findings):
        fail(f"{len(results)} results for {len(findings)} findings")
        return
    ids = [r["id"] for r in rules]
    if len(set(ids)) != len(ids):
        fail(f"duplicate rule ids: {ids}")
    used = []
    for f in findings:
        if f["rule"] not in used:
            used.append(f["rule"])
    if ids != used:
        fail(f"rules {ids}, expected the rules used in order of first use {used}")
    for i, (res, f) in enumerate(zip(results, findings)):
        w = f"results[{i}]"
        rule = rules[res["ruleIndex"]]
        checks = [
            ("ruleId", res["ruleId"], f["rule"]),
            ("rules[ruleIndex].id", rule["id"], f["rule"]),
            ("rule shortDescription", rule["shortDescription"]["text"], f["title"]),
            ("rule level", rule["defaultConfiguration"]["level"], SEV_LEVEL[f["severity"]]),
            ("level", res["level"], SEV_LEVEL[f["severity"]]),
            ("uri", res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], expected_uri(f)),
            ("startLine", res["locations"][0]["physicalLocation"]["region"]["startLine"], f["line"]),
            ("startColumn", res["locations"][0]["physicalLocation"]["region"]["startColumn"], f["column"]),
            ("fingerprint", res["partialFingerprints"].get("layerscan/v1"), f["fingerprint"]),
            ("suppressed", [s["justification"] for s in res.get("suppressions", [])],
             [f["suppressed_by"]] if "suppressed_by" in f else []),
        ]
        for name, got, want in checks:
            if got != want:
                fail(f"{w}.{name}: {got!r}, expected {want!r}")
        text = res["message"]["text"]
        if f["instruction"] and f"Introduced by: {f['instruction']}" not in text:
            fail(f"{w}.message: {text!r} does not name the instruction {f['instruction']!r}")
        if f"Secret: {f['secret']}." not in text:
            fail(f"{w}.message: {text!r} does not show the (redacted) secret {f['secret']!r}")
        fate = {"present": "present in the final image", "metadata": "in the image metadata",
                "deleted": f"deleted in layer {f['removed_in_layer']}",
                "overwritten": f"overwritten in layer {f['removed_in_layer']}"}[f["status"]]
        if fate not in text:
            fail(f"{w}.message: {text!r} does not say {fate!r}")


def check_jsonl(path, report):
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        fail("output does not end with a newline")
    if len(lines) != len(report["findings"]):
        fail(f"{len(lines)} lines for {len(report['findings'])} findings")
        return
    for i, (line, f) in enumerate(zip(lines, report["findings"])):
        obj = json.loads(line)
        if json.dumps(obj, separators=(",", ":"), ensure_ascii=True) != line:
            fail(f"line {i + 1}: not compact JSON")
        want = dict(f)
        layer = report["layers"][f["layer"]] if f["layer"] is not None else None
        want["image"] = report["image"]
        want["layer_digest"] = layer["digest"] if layer else None
        want["layer_diff_id"] = layer["diff_id"] if layer else None
        if list(obj) != list(want):
            fail(f"line {i + 1}: keys {list(obj)}, expected {list(want)}")
        for k in want:
            if obj.get(k) != want[k]:
                fail(f"line {i + 1}: {k} = {obj.get(k)!r}, expected {want[k]!r}")


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("sarif", "jsonl"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[3], encoding="utf-8") as fh:
        report = json.load(fh)
    (check_sarif if sys.argv[1] == "sarif" else check_jsonl)(sys.argv[2], report)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
