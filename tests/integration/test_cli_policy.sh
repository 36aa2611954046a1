#!/usr/bin/env bash
# test_cli_policy.sh LAYERSCAN SRCDIR WORKDIR
#  The release-gate policy on the sample image: exit status with --fail-on,
#  --min-confidence (suppressed, counted, listed), baselines (from the image
#  and from a report, identical; --baseline suppresses every fingerprint and
#  the text output becomes one line), the config file (.layerscan.json in the
#  working directory or --config; options beat it; unknown keys exit 2).
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
IMG="docker-archive:$SRC/samples/leaky-docker.tar"
rm -rf "$WORK"
mkdir -p "$WORK/cwd"
cd "$WORK/cwd"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# run NAME WANT_EXIT ARGS...: stdout in $WORK/NAME.out, stderr in $WORK/NAME.err
run() {
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
# stats NAME: "findings suppressed [reasons...]" of a JSON report
stats() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["stats"]["findings"], d["stats"]["suppressed"], *[s["rule"]+":"+s["suppressed_by"] for s in d["suppressed"]])' "$WORK/$1.out"
}
expect_eq() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi
}

# severities on the sample: 9 critical, 2 high, 1 medium
run default 1 scan --format json "$IMG"
run fail-on-critical 1 scan --fail-on critical "$IMG"
run fail-on-bad 2 scan --fail-on urgent "$IMG"
expect_eq "fail-on-bad message" "$(cat "$WORK/fail-on-bad.err")" "layerscan: --fail-on urgent: expected critical, high, medium or low"

# --min-confidence: findings below high (per finding: rule confidence adjusted by validation,
# e.g. checksum-invalid tokens and unparsable keys) are suppressed, counted and listed
run min-conf 1 scan --format json --min-confidence high "$IMG"
expect_eq "min-confidence suppressed" "$(stats min-conf)" "6 6 private-key:min-confidence uri-credentials:min-confidence npm-token:min-confidence generic-password:min-confidence github-pat:min-confidence github-pat:min-confidence"
run min-conf-bad 2 scan --min-confidence sure "$IMG"

# without the critical rules, the rest is high and medium
cat >.layerscan.json <<'JSON'
{"disable_rules": ["private-key", "npm-token", "aws-secret-access-key", "github-pat", "stripe-secret-key", "gitlab-pat", "generic-secret"]}
JSON
run cfg-fail-critical 0 scan --fail-on critical "$IMG"
run cfg-fail-high 1 scan --fail-on high "$IMG"
run cfg-fail-high-json 1 scan --format json --fail-on high --min-confidence high "$IMG"
expect_eq "config disable_rules + min-confidence" "$(stats cfg-fail-high-json)" "1 2 uri-credentials:min-confidence generic-password:min-confidence"
# fail_on from the config; the command line beats it
cat >.layerscan.json <<'JSON'
{"disable_rules": ["private-key", "npm-token", "aws-secret-access-key", "github-pat", "stripe-secret-key", "gitlab-pat", "generic-secret"],
 "fail_on": "critical", "format": "json", "min_confidence": "low"}
JSON
run cfg-defaults 0 scan "$IMG"
expect_eq "config format json" "$(stats cfg-defaults)" "3 0"
run cfg-overridden 1 scan --fail-on medium --format text "$IMG"
expect_eq "command line beats config format" "$(head -c 10 "$WORK/cfg-overridden.out")" "layerscan "
rm .layerscan.json

# allowlists: paths (fnmatch, * crosses /) and fingerprints
cat >"$WORK/allow.json" <<'JSON'
{"allow_paths": ["/app/*", "config.*"], "allow_fingerprints": ["5969d995f66bbdb7eeb3cb47396fd740"]}
JSON
run allow 1 scan --format json --config "$WORK/allow.json" "$IMG"
expect_eq "allowlists" "$(stats allow)" "4 8 private-key:allowlist-fingerprint uri-credentials:allowlist-path aws-access-key-id:allowlist-path aws-secret-access-key:allowlist-path generic-password:allowlist-path github-pat:allowlist-path stripe-secret-key:allowlist-path gitlab-pat:allowlist-path"

# config errors: exit 2, one line naming the file
echo '{"fail_on": "high", "allow_path": []}' >"$WORK/typo.json"
run cfg-unknown 2 scan --config "$WORK/typo.json" "$IMG"
expect_eq "unknown key message" "$(cat "$WORK/cfg-unknown.err")" "layerscan: $WORK/typo.json: unknown key \"allow_path\" (expected allow_paths, disable_rules, allow_fingerprints, format, fail_on, min_confidence)"
echo '{"fail_on": "urgent"}' >"$WORK/badval.json"
run cfg-badval 2 scan --config "$WORK/badval.json" "$IMG"
expect_eq "bad value message" "$(cat "$WORK/cfg-badval.err")" "layerscan: $WORK/badval.json: \"fail_on\" must be one of critical, high, medium, low"
run cfg-missing 2 scan --config "$WORK/nope.json" "$IMG"
echo '{"disable_rules": ["no-such-rule"]}' >.layerscan.json
run cfg-norule 2 scan "$IMG"
expect_eq "unknown rule in config" "$(cat "$WORK/cfg-norule.err")" "layerscan: --disable-rule no-such-rule: no such rule"
rm .layerscan.json

# baselines
run baseline-image 0 baseline create "$IMG"
run report 1 scan --format json "$IMG"
run baseline-report 0 baseline create --from-report "$WORK/report.out"
if cmp -s "$WORK/baseline-image.out" "$WORK/baseline-report.out"; then ok "baseline from image = from report"; else bad "baselines differ"; fi
expect_eq "baseline entries" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["layerscan_baseline"], len(d["fingerprints"]), d["fingerprints"][0])' "$WORK/baseline-image.out")" \
  "1 9 {'fingerprint': '5969d995f66bbdb7eeb3cb47396fd740', 'rule': 'private-key', 'path': '/root/.ssh/id_rsa', 'layer': 1}"
run baseline-o 0 baseline create -o "$WORK/b.json" "$IMG"
if cmp -s "$WORK/b.json" "$WORK/baseline-image.out"; then ok "baseline -o"; else bad "baseline -o differs"; fi
run with-baseline 0 scan --baseline "$WORK/b.json" "$IMG"
expect_eq "clean text is one line" "$(cat "$WORK/with-baseline.out")" "layerscan: $SRC/samples/leaky-docker.tar: 8 layers, no findings (12 suppressed)"
run with-baseline-json 0 scan --format json --baseline "$WORK/b.json" "$IMG"
expect_eq "baseline suppressed counted" "$(stats with-baseline-json | cut -d' ' -f1-3)" "0 12 private-key:baseline"
# a baseline with one fingerprint dropped lets that finding through
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["fingerprints"]=[f for f in d["fingerprints"] if f["rule"]!="github-pat"]; json.dump(d,open(sys.argv[2],"w"))' "$WORK/b.json" "$WORK/b2.json"
run new-finding 1 scan --format json --baseline "$WORK/b2.json" "$IMG"
expect_eq "only the new fingerprint gates" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([f["path"] for f in d["findings"]], d["stats"]["suppressed"])' "$WORK/new-finding.out")" \
  "['/app/bin/deploy.sh', '/usr/local/bin/deploy'] 10"
# SARIF: suppressed findings are results with a suppression, checked field by field
run sarif-baseline 1 scan --format sarif --baseline "$WORK/b2.json" "$IMG"
if python3 "$SRC/tests/tools/check_formats.py" sarif "$WORK/sarif-baseline.out" "$WORK/new-finding.out" >"$WORK/sarif-baseline.check"; then
  ok "sarif suppressions field by field"
else
  bad "sarif suppressions"; sed 's/^/    /' "$WORK/sarif-baseline.check" | head
fi
expect_eq "sarif suppressions count" "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(len(r["results"]), sum(1 for x in r["results"] if x.get("suppressions")), r["properties"]["suppressed"])' "$WORK/sarif-baseline.out")" "12 10 10"
echo '[]' >"$WORK/notbaseline.json"
run bad-baseline 2 scan --baseline "$WORK/notbaseline.json" "$IMG"
expect_eq "bad baseline message" "$(cat "$WORK/bad-baseline.err")" "layerscan: $WORK/notbaseline.json: not a layerscan baseline (expected \"layerscan_baseline\" and \"fingerprints\")"
run baseline-usage 2 baseline create
run baseline-both 2 baseline create --from-report "$WORK/report.out" "$IMG"

echo "cli policy: $fails failure(s)"
[ "$fails" -eq 0 ]
