#!/usr/bin/env bash
# test_cli_formats.sh LAYERSCAN SRCDIR WORKDIR
#  --format jsonl and --format sarif on the sample image (both forms), checked
#  field by field against the JSON report of the same scan
#  (tests/tools/check_formats.py: SARIF 2.1.0 required properties and types,
#  then every result/line against its finding), plus exact expected values of
#  the sample's SARIF rules and results; -o FILE writes the same bytes as
#  standard output; a bad --format is exit 2.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
S=$SRC/samples
rm -rf "$WORK"
mkdir -p "$WORK"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

for form in docker-archive oci; do
  case $form in
    docker-archive) img="docker-archive:$S/leaky-docker.tar" ;;
    oci) img="oci:$S/leaky-oci:1.0" ;;
  esac
  for fmt in json jsonl sarif; do
    rc=0
    "${LS[@]}" scan --format $fmt "$img" >"$WORK/$form.$fmt" 2>"$WORK/$form.$fmt.err" || rc=$?
    if [ $rc -eq 1 ] && [ ! -s "$WORK/$form.$fmt.err" ]; then ok "$form $fmt: exit 1, nothing on stderr"; else bad "$form $fmt: exit $rc"; cat "$WORK/$form.$fmt.err"; fi
  done
  for fmt in jsonl sarif; do
    if python3 "$SRC/tests/tools/check_formats.py" $fmt "$WORK/$form.$fmt" "$WORK/$form.json" >"$WORK/$form.$fmt.check"; then
      ok "$form $fmt field by field"
    else
      bad "$form $fmt field by field"
      sed 's/^/    /' "$WORK/$form.$fmt.check" | head -20
    fi
  done
done

# exact values on the sample (the OCI form)
python3 - "$WORK/oci.sarif" >"$WORK/sarif.summary" <<'PY'
import json, sys
log = json.load(open(sys.argv[1], encoding="utf-8"))
print(log["$schema"], log["version"], len(log["runs"]))
run = log["runs"][0]
d = run["tool"]["driver"]
print(d["name"], d["version"])
for r in d["rules"]:
    print("rule", r["id"], r["name"], r["defaultConfiguration"]["level"], r["properties"]["security-severity"],
          "|", r["shortDescription"]["text"])
for r in run["results"]:
    l = r["locations"][0]["physicalLocation"]
    print("result", r["ruleIndex"], r["ruleId"], r["level"], l["artifactLocation"]["uri"],
          l["region"]["startLine"], l["region"]["startColumn"], r["partialFingerprints"]["layerscan/v1"])
print("message", run["results"][0]["message"]["text"])
print("properties", json.dumps(run["properties"]["image"]["config_digest"]), run["properties"]["suppressed"])
PY
cat >"$WORK/sarif.expected" <<'EOF2'
https://json.schemastore.org/sarif-2.1.0.json 2.1.0 1
layerscan 0.1.0
rule private-key PrivateKey error 9.5 | PEM or OpenSSH private key
rule uri-credentials UriCredentials error 8.0 | Password in a connection URI
rule npm-token NpmToken error 9.5 | npm access token
rule aws-access-key-id AwsAccessKeyId error 8.0 | AWS access key ID
rule aws-secret-access-key AwsSecretAccessKey error 9.5 | AWS secret access key
rule generic-password GenericPassword warning 5.5 | Password assigned in configuration
rule github-pat GithubPat error 9.5 | GitHub personal access token (classic)
rule stripe-secret-key StripeSecretKey error 9.5 | Stripe live secret key
rule gitlab-pat GitlabPat error 9.5 | GitLab personal access token
result 0 private-key error layer/1/root/.ssh/id_rsa 1 1 5969d995f66bbdb7eeb3cb47396fd740
result 1 uri-credentials error layer/2/app/config/database.yml 3 23 44d41b346e302835bd50df63198625aa
result 2 npm-token error history/6 1 14 1b969afd023e44b9630159c3f16dc81b
result 3 aws-access-key-id error layer/4/app/.env 2 19 7cd2c1d58a8ee8bb5d6e34098185af3c
result 4 aws-secret-access-key error layer/4/app/.env 3 25 28b1a068ab925b4350380cab3888efa1
result 5 generic-password warning layer/4/app/.env 4 13 f8a5c10cb32ed482a0f1e924babcead7
result 6 github-pat error layer/7/app/bin/deploy.sh 4 37 2749aabd2ec7ae8a26d4ffa6a7bb53a9
result 6 github-pat error layer/7/usr/local/bin/deploy 4 37 2749aabd2ec7ae8a26d4ffa6a7bb53a9
result 7 stripe-secret-key error config/Env 3 13 f74f5faf1178953afda8de6b2db57716
result 8 gitlab-pat error config/Labels 1 23 cf284621e4f34b66591735dabc63023d
result 7 stripe-secret-key error history/3 1 35 f74f5faf1178953afda8de6b2db57716
result 8 gitlab-pat error history/8 1 47 cf284621e4f34b66591735dabc63023d
message PEM or OpenSSH private key in layer 1 /root/.ssh/id_rsa:1:1, deleted in layer 5. Introduced by: COPY file:0c8f4ae1b7d2e3a95f6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f in /root/.ssh/id_rsa. Secret: -----BEGIN RSA PRIVATE KEY-----….
properties "sha256:ebf24abcfa2ab2ffc8866dce5be8dc6ec45d986ada807d96873a308a9af33e40" 0
EOF2
if diff -u "$WORK/sarif.expected" "$WORK/sarif.summary" >"$WORK/sarif.diff"; then ok "sarif exact values"; else bad "sarif exact values"; sed 's/^/    /' "$WORK/sarif.diff"; fi

# JSONL: exact first line's context, and one line per finding
first=$(head -1 "$WORK/oci.jsonl" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(d["rule"], d["layer"], d["path"], d["image"]["transport"], d["image"]["config_digest"], d["layer_digest"], d["layer_diff_id"])')
want="private-key 1 /root/.ssh/id_rsa oci sha256:ebf24abcfa2ab2ffc8866dce5be8dc6ec45d986ada807d96873a308a9af33e40 sha256:4bb6ae71f09cfdb4fecd289c1a68deccd226a5f3e130cd826da40d67f75d2c2c sha256:3689fc2076baf6f2a44f0dc0de4ef76a6b7815aa79fdced9a8ec8f89474fd0b5"
if [ "$first" = "$want" ]; then ok "jsonl first line context"; else bad "jsonl first line: $first"; fi
if [ "$(wc -l <"$WORK/oci.jsonl")" -eq 12 ]; then ok "jsonl 12 lines"; else bad "jsonl lines: $(wc -l <"$WORK/oci.jsonl")"; fi

# -o FILE: same bytes as standard output (ignoring stats.seconds in json)
for fmt in jsonl sarif text; do
  rc=0
  "${LS[@]}" scan --format $fmt -o "$WORK/out.$fmt" "oci:$S/leaky-oci:1.0" >"$WORK/o.stdout" || rc=$?
  "${LS[@]}" scan --format $fmt "oci:$S/leaky-oci:1.0" >"$WORK/o.$fmt" || true
  if [ $rc -eq 1 ] && [ ! -s "$WORK/o.stdout" ] && cmp -s "$WORK/out.$fmt" "$WORK/o.$fmt"; then ok "-o $fmt"; else bad "-o $fmt (exit $rc)"; fi
done

rc=0
"${LS[@]}" scan --format xml "oci:$S/leaky-oci:1.0" >/dev/null 2>"$WORK/xml.err" || rc=$?
if [ $rc -eq 2 ] && [ "$(cat "$WORK/xml.err")" = "layerscan: --format xml: expected text, json, jsonl, sarif or html" ]; then ok "--format xml: exit 2"; else bad "--format xml: exit $rc: $(cat "$WORK/xml.err")"; fi

echo "cli formats: $fails failure(s)"
[ "$fails" -eq 0 ]
