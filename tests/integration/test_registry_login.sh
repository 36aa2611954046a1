#!/usr/bin/env bash
# test_registry_login.sh LAYERSCAN SRCDIR WORKDIR
#
# Registry logins beyond --creds, against tests/tools/fake_registry.py on
# 127.0.0.1 with tests/tools/docker-credential-fake on PATH:
#   helper      a credHelpers entry: the scan succeeds only with the helper's
#               credentials (the registry wants Basic helperuser:SECRET), the
#               helper was asked for 127.0.0.1:PORT
#   none        the helper has no credentials: exit 2, one line at the 401
#   junk, fail  a helper printing junk or exiting non-zero: exit 2, one line
#               naming the helper and the registry, never its output
#   hang        a helper that never answers: killed at its limit
#               (LAYERSCAN_CREDHELPER_TIMEOUT_MS=1000), exit 2, one line, in time
#   token       a helper answering Username "<token>", and an auth file's
#               "identitytoken": the refresh-token grant is POSTed to the realm
#               (the registry gives its access token for nothing else)
#   secret      LAYERSCAN_DEBUG=1 traces: no secret on stderr in any case
#   certs.d     an https registry trusted through LAYERSCAN_CERTS_D's
#               ROOT/127.0.0.1:PORT/ca.crt (the first root that has the
#               directory), refused without it
set -euo pipefail

. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
TOOLS=$SRC/tests/tools
mkdir -p "$WORK/out" "$WORK/bin"
# hermetic HOME and XDG_RUNTIME_DIR, no proxy, background processes killed
. "$SRC/tests/integration/registry_lib.sh"

LEAKY=$SRC/samples/leaky-oci
SECRET=S3cr3t-helper-pw-7f3a
IDTOKEN=idtok-S3cr3t-91c2
BOUND=8 # seconds any one case may take (the hung helper's limit is 1 s)
# the helper is run from a PATH directory of its own (the tools directory
# holds more than helpers)
printf '#!/bin/sh\nexec sh "%s" "$@"\n' "$TOOLS/docker-credential-fake" >"$WORK/bin/docker-credential-fake"
chmod +x "$WORK/bin/docker-credential-fake"
export PATH=$WORK/bin:$PATH FAKE_HELPER_USER=helperuser FAKE_HELPER_SECRET=$SECRET
export FAKE_HELPER_LOG=$WORK/helper.log LAYERSCAN_CREDHELPER_TIMEOUT_MS=1000 LAYERSCAN_DEBUG=1
export LAYERSCAN_CERTS_D=$WORK/no-such-root
AUTH=$XDG_RUNTIME_DIR/containers/auth.json
mkdir -p "$(dirname "$AUTH")"

# run NAME ARGS...: keeps stdout, stderr, exit status and ms under out/NAME.*
run() {
  local name=$1 rc=0 t0 t1
  shift
  t0=$(date +%s%N)
  timeout 300 "${LS[@]}" "$@" >"$WORK/out/$name.json" 2>"$WORK/out/$name.err" || rc=$?
  t1=$(date +%s%N)
  echo "$rc" >"$WORK/out/$name.rc"
  echo $(((t1 - t0) / 1000000)) >"$WORK/out/$name.ms"
}
rc_of() { cat "$WORK/out/$1.rc"; }
# the stderr lines that are not LAYERSCAN_DEBUG traces
errors_of() { grep -v '^layerscan: registry: ' "$WORK/out/$1.err" || true; }

no_secret() { # NAME: neither secret anywhere on stderr
  if grep -qF -e "$SECRET" -e "$IDTOKEN" "$WORK/out/$1.err"; then
    bad "$1: a secret is on stderr"
  else
    ok "$1: no secret on stderr ($(grep -c '^layerscan: registry: ' "$WORK/out/$1.err") debug lines)"
  fi
}

expect_found() { # NAME: exit 1 (findings), the report's findings
  if [ "$(rc_of "$1")" = 1 ] && python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["findings"]' \
    "$WORK/out/$1.json" 2>/dev/null; then
    ok "$1: scanned, findings reported"
  else
    bad "$1: exit $(rc_of "$1"): $(errors_of "$1" | head -3)"
  fi
}

expect_exit2() { # NAME LINE: exit 2, exactly LINE besides the traces, within BOUND
  local want="layerscan: $2" ms
  ms=$(cat "$WORK/out/$1.ms")
  if [ "$(rc_of "$1")" = 2 ] && [ "$(errors_of "$1")" = "$want" ] && [ "$ms" -lt $((BOUND * 1000)) ]; then
    ok "$1: exit 2 in $ms ms: $2"
  else
    bad "$1: want exit 2 and \"$want\" within ${BOUND}s; got exit $(rc_of "$1") in $ms ms: $(errors_of "$1" | head -3)"
  fi
}


# ---- credential helpers -----------------------------------------------------
start_fake basic --basic "helperuser:$SECRET"
printf '{"credHelpers": {"127.0.0.1:%s": "fake"}, "auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' \
  "$P" "$P" "$(printf 'wrong:pw' | base64)" >"$AUTH"

FAKE_HELPER_MODE=ok run helper scan --format json --tls-verify=false "docker://$R"
expect_found helper
expect_eq "helper: asked for the registry" "$(sort -u "$FAKE_HELPER_LOG")" "127.0.0.1:$P"
no_secret helper

# an audit of three images of that registry: one client for all of them, so
# the helper runs once, /v2/ is probed once (https, then http: two GETs) and
# each image's Basic credentials come from that one answer
printf 'docker://127.0.0.1:%s/leaky:1\ndocker://127.0.0.1:%s/leaky:2\ndocker://127.0.0.1:%s/other/app:1\n' \
  "$P" "$P" "$P" >"$WORK/three.list"
: >"$FAKE_HELPER_LOG"
FAKE_HELPER_MODE=ok run helper-audit audit --tls-verify=false --no-cache --jobs 2 "$WORK/three.list"
expect_eq "helper-audit: exit, images, failed images" \
  "$(rc_of helper-audit) $(tail -1 "$WORK/out/helper-audit.json" | python3 -c 'import json,sys; s=json.load(sys.stdin)["summary"]; print(s["images"], s["failed_images"])')" \
  "1 3 0"
expect_eq "helper-audit: the helper ran once for the three images" "$(grep -c . "$FAKE_HELPER_LOG")" 1
expect_eq "helper-audit: /v2/ probed once (https, then http)" \
  "$(grep -c "^layerscan: registry: GET 127.0.0.1:$P/v2/ -> " "$WORK/out/helper-audit.err")" 2
no_secret helper-audit

# the same file without the helper: its auths entry is wrong, so the success
# above was the helper's
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s"}}}\n' "$P" "$(printf 'wrong:pw' | base64)" >"$WORK/nohelper.json"
run wrong scan --tls-verify=false --authfile "$WORK/nohelper.json" "docker://$R"
expect_exit2 wrong "$R: 401 Unauthorized (check the credentials for 127.0.0.1:$P in $WORK/nohelper.json)"

FAKE_HELPER_MODE=none run none scan --tls-verify=false "docker://$R"
expect_exit2 none "$R: 401 Unauthorized (credential helper docker-credential-fake has no credentials for 127.0.0.1:$P (named in $AUTH))"
no_secret none

FAKE_HELPER_MODE=junk run junk scan --tls-verify=false "docker://$R"
expect_exit2 junk "$R: 401 Unauthorized (credential helper docker-credential-fake for 127.0.0.1:$P: its answer is not JSON with Username and Secret (named in $AUTH))"
no_secret junk

FAKE_HELPER_MODE=fail run fail scan --tls-verify=false "docker://$R"
expect_exit2 fail "$R: 401 Unauthorized (credential helper docker-credential-fake for 127.0.0.1:$P: exited with status 3 (named in $AUTH))"
no_secret fail

FAKE_HELPER_MODE=hang run hang scan --tls-verify=false "docker://$R"
expect_exit2 hang "$R: 401 Unauthorized (credential helper docker-credential-fake for 127.0.0.1:$P: no answer within 1s (named in $AUTH))"
if pgrep -fx "sleep 29.7" >/dev/null; then
  bad "hang: the helper was left running"
else
  ok "hang: the helper does not outlive the run"
fi

# credsStore when the registry has no credHelpers entry
printf '{"credsStore": "fake"}\n' >"$AUTH"
FAKE_HELPER_MODE=ok run store scan --format json --tls-verify=false "docker://$R"
expect_found store

# ---- identity tokens: the OAuth2 refresh-token grant --------------------------
start_fake refresh --refresh-token "$IDTOKEN"
printf '{"credHelpers": {"127.0.0.1:%s": "fake"}}\n' "$P" >"$AUTH"
FAKE_HELPER_MODE=token FAKE_HELPER_SECRET=$IDTOKEN run token scan --format json --tls-verify=false "docker://$R"
expect_found token
no_secret token
printf '{"auths": {"127.0.0.1:%s": {"auth": "%s", "identitytoken": "%s"}}}\n' \
  "$P" "$(printf 'someone:' | base64)" "$IDTOKEN" >"$AUTH"
run idtoken scan --format json --tls-verify=false "docker://$R"
expect_found idtoken
no_secret idtoken
if grep -q "^layerscan: registry: POST 127.0.0.1:$P/token -> 200$" "$WORK/out/idtoken.err"; then
  ok "idtoken: the grant was POSTed to the realm"
else
  bad "idtoken: no POST to the realm: $(grep /token "$WORK/out/idtoken.err" | head -2)"
fi
printf '{"auths": {"127.0.0.1:%s": {"identitytoken": "not-the-token"}}}\n' "$P" >"$AUTH"
run idtoken-bad scan --tls-verify=false "docker://$R"
expect_exit2 idtoken-bad "$R: 401 Unauthorized (check the identity token for 127.0.0.1:$P in $AUTH)"
rm -f "$AUTH"

# ---- certs.d ------------------------------------------------------------------
PKI=$WORK/pki
mkdir -p "$PKI"
(
  cd "$PKI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=layerscan login test CA" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf 2>/dev/null
)
start_fake tls --tls "$PKI/server.crt" "$PKI/server.key"
mkdir -p "$WORK/certs.d/empty-root" "$WORK/certs.d/second/127.0.0.1:$P" "$WORK/certs.d/third/127.0.0.1:$P"
cp "$PKI/ca.crt" "$WORK/certs.d/second/127.0.0.1:$P/ca.crt"
# the first root with the directory wins: the third's (empty) is not read
LAYERSCAN_CERTS_D="$WORK/certs.d/empty-root:$WORK/certs.d/second:$WORK/certs.d/third" \
  run certsd scan --format json "docker://$R"
expect_found certsd
LAYERSCAN_CERTS_D="$WORK/certs.d/empty-root:$WORK/certs.d/third:$WORK/certs.d/second" \
  run certsd-first scan "docker://$R"
if [ "$(rc_of certsd-first)" = 2 ] && errors_of certsd-first | grep -q 'certificate'; then
  ok "certsd-first: only the first root's directory is read (its CAs do not include ours)"
else
  bad "certsd-first: exit $(rc_of certsd-first): $(errors_of certsd-first | head -2)"
fi
run certsd-none scan "docker://$R"
if [ "$(rc_of certsd-none)" = 2 ] && errors_of certsd-none | grep -q 'certificate'; then
  ok "certsd-none: without a certs.d directory the registry's CA is not trusted"
else
  bad "certsd-none: exit $(rc_of certsd-none): $(errors_of certsd-none | head -2)"
fi

ls_test_finish test_registry_login
