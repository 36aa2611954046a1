#!/usr/bin/env bash
# test_registry.sh LAYERSCAN SRCDIR WORKDIR
#
# The docker:// transport against real registries on 127.0.0.1, started here
# with configs of their own (Debian's docker-registry, distribution 2.8) and
# filled with skopeo:
#   A  plain http, anonymous: an OCI manifest, a Docker v2 manifest, a
#      two-platform index, pulls by tag and digest, 404s, catalog pages
#   B  TLS with a CA made here + htpasswd Basic auth: --cert-dir (the CA
#      only, never a key), --creds, --authfile, REGISTRY_AUTH_FILE, Docker's
#      config.json naming a credential helper that is not on PATH (the
#      helpers that are: test_registry_login.sh), wrong and missing credentials
#   C  TLS + the Bearer token flow, tokens from tests/tools/token_issuer.py
# and a fake registry (tests/tools/fake_registry.py) for what a real one
# never does on demand: a tampered blob, 503 with Retry-After, redirects of
# blobs to another origin (Authorization must not follow), a connection
# reset mid-blob (resumed with Range), tags in pages.
# Every registry scan must report what the OCI layout scan of the same image
# reports (minus image.reference/transport and timings); every failure is
# exit 2 with one line naming the reference; no password, token or presigned
# signature appears in any output, LAYERSCAN_DEBUG=1 included.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
TOOLS=$SRC/tests/tools
rm -rf "$WORK"
mkdir -p "$WORK/out"
export LAYERSCAN_TIMEOUT=${LAYERSCAN_TIMEOUT:-120}
# the registries are local: no proxy may be asked, no user auth file read;
# free_port, wait_port, start_registry, make_pki, push
. "$SRC/tests/integration/registry_lib.sh"

fails=0
passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# scan NAME ARGS... : runs layerscan, keeps stdout/stderr/exit under out/NAME.*
scan() {
  local name=$1
  shift
  local rc=0
  timeout "$LAYERSCAN_TIMEOUT" "${LS[@]}" "$@" >"$WORK/out/$name.json" 2>"$WORK/out/$name.err" || rc=$?
  echo "$rc" >"$WORK/out/$name.rc"
}
rc_of() { cat "$WORK/out/$1.rc"; }

# same_report NAME REF.json [portable]: equal reports minus reference,
# transport and timing; "portable" also ignores the manifest digest and the
# layer media types (a Docker v2 manifest of the same blobs).
same_report() {
  python3 - "$WORK/out/$1.json" "$2" "${3:-}" <<'EOF'
import json, sys, difflib
def norm(p, portable):
    r = json.load(open(p))
    r["image"].pop("reference"); r["image"].pop("transport")
    r["stats"].pop("seconds"); r["tool"].pop("version", None)
    if portable:
        r["image"].pop("manifest_digest")
        for l in r["layers"]:
            l.pop("media_type")
    return json.dumps(r, indent=1, sort_keys=True).splitlines()
a, b = norm(sys.argv[1], sys.argv[3]), norm(sys.argv[2], sys.argv[3])
if a != b:
    print("\n".join(list(difflib.unified_diff(b, a, "layout", "registry", lineterm="", n=1))[:60]))
    sys.exit(1)
EOF
}

# expect_scan NAME REF.json LABELS [portable]: exit 1, the labeled findings
# exactly (rule, layer, instruction, path, status...), the layout's report.
expect_scan() {
  local name=$1 ref=$2 labels=$3 portable=${4:-} rc
  rc=$(rc_of "$name")
  if [ "$rc" != 1 ]; then
    fail "$name: exit $rc (want 1): $(head -c 300 "$WORK/out/$name.err")"; return
  fi
  if ! python3 "$TOOLS/expect.py" "$WORK/out/$name.json" "$labels" --exit "$rc" --show-secrets --quiet \
      >"$WORK/out/$name.expect" 2>&1; then
    fail "$name: findings differ from $labels"; sed 's/^/    /' "$WORK/out/$name.expect" | head -30; return
  fi
  if ! same_report "$name" "$ref" "$portable" >"$WORK/out/$name.diff"; then
    fail "$name: report differs from the OCI layout's"; sed 's/^/    /' "$WORK/out/$name.diff"; return
  fi
  ok "$name: findings and report equal the OCI layout's"
}

# expect_error NAME SUBSTRING: exit 2 and exactly one line on stderr holding it
expect_error() {
  local name=$1 want=$2 rc lines
  rc=$(rc_of "$name")
  lines=$(grep -c . "$WORK/out/$name.err" || true)
  if [ "$rc" = 2 ] && [ "$lines" = 1 ] && grep -qF -- "$want" "$WORK/out/$name.err"; then
    ok "$name: exit 2: $(cat "$WORK/out/$name.err")"
  else
    fail "$name: want exit 2 and one line with \"$want\"; got exit $rc, $lines line(s):"
    sed 's/^/    /' "$WORK/out/$name.err" | head -10
  fi
}

json_get() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# ---- fixtures and their layout reports -------------------------------------
LEAKY=$SRC/samples/leaky-oci
LABELS=$SRC/samples/leaky.labels.json
scan layout-leaky scan --format json --show-secrets "oci:$LEAKY"
python3 "$TOOLS/mkimage.py" "$SRC/tests/corpus/multi-platform/spec.json" "$WORK/mp" --format oci \
  --platforms linux/amd64,linux/arm64 >/dev/null
MP_LABELS=$SRC/tests/corpus/multi-platform/labels.json
scan layout-mp-arm64 scan --format json --show-secrets --platform linux/arm64 "oci:$WORK/mp:1.0"
scan layout-mp-default scan --format json --show-secrets "oci:$WORK/mp:1.0"
for n in layout-leaky layout-mp-arm64 layout-mp-default; do
  if [ "$(rc_of $n)" != 1 ]; then echo "layout scan $n failed: $(cat "$WORK/out/$n.err")"; exit 1; fi
done

# ---- A: plain http, anonymous ----------------------------------------------
PA=$(free_port)
start_registry A "$PA" ""
A=127.0.0.1:$PA
push "oci:$LEAKY" "docker://$A/leaky:oci" --dest-tls-verify=false
push "oci:$LEAKY" "docker://$A/leaky:v2s2" --dest-tls-verify=false --format v2s2
push "oci:$WORK/mp:1.0" "docker://$A/mp:1" --dest-tls-verify=false --all

scan a-oci scan --format json --show-secrets --tls-verify=false --jobs 4 "docker://$A/leaky:oci"
expect_scan a-oci "$WORK/out/layout-leaky.json" "$LABELS"
if [ "$(json_get "$WORK/out/a-oci.json" 'r["image"]["transport"], r["image"]["reference"]')" = "('docker', '$A/leaky:oci')" ]; then
  ok "a-oci: image.transport docker, image.reference $A/leaky:oci"
else
  fail "a-oci: image is $(json_get "$WORK/out/a-oci.json" 'r["image"]')"
fi

scan a-v2s2 scan --format json --show-secrets --tls-verify=false "docker://$A/leaky:v2s2"
expect_scan a-v2s2 "$WORK/out/layout-leaky.json" "$LABELS" portable
mt=$(json_get "$WORK/out/a-v2s2.json" 'sorted(set(l["media_type"] for l in r["layers"]))')
if [ "$mt" = "['application/vnd.docker.image.rootfs.diff.tar.gzip']" ]; then
  ok "a-v2s2: the layers came from a Docker v2 manifest ($mt)"
else
  fail "a-v2s2: layer media types $mt"
fi

digest=$(json_get "$WORK/out/a-oci.json" 'r["image"]["manifest_digest"]')
scan a-digest scan --format json --show-secrets --tls-verify=false "docker://$A/leaky@$digest"
expect_scan a-digest "$WORK/out/layout-leaky.json" "$LABELS"
scan a-digest-missing scan --tls-verify=false "docker://$A/leaky@sha256:$(printf '0%.0s' $(seq 64))"
expect_error a-digest-missing "$A/leaky@sha256:0000000000000000000000000000000000000000000000000000000000000000: 404 manifest unknown"

scan a-mp-arm64 scan --format json --show-secrets --tls-verify=false --platform linux/arm64 "docker://$A/mp:1"
expect_scan a-mp-arm64 "$WORK/out/layout-mp-arm64.json" "$MP_LABELS"
scan a-mp-default scan --format json --show-secrets --tls-verify=false "docker://$A/mp:1"
if [ "$(rc_of a-mp-default)" = 1 ] && same_report a-mp-default "$WORK/out/layout-mp-default.json" >"$WORK/out/a-mp-default.diff" &&
   [ "$(json_get "$WORK/out/a-mp-default.json" 'r["image"]["architecture"]')" = amd64 ]; then
  ok "a-mp-default: without --platform the index gives linux/amd64, as the layout does"
else
  fail "a-mp-default: exit $(rc_of a-mp-default)"; sed 's/^/    /' "$WORK/out/a-mp-default.diff" "$WORK/out/a-mp-default.err" | head -20
fi
scan a-mp-missing scan --tls-verify=false --platform linux/s390x "docker://$A/mp:1"
expect_error a-mp-missing "$A/mp:1: platform linux/s390x not in image (available: linux/amd64, linux/arm64)"

scan a-404 scan --tls-verify=false "docker://$A/leaky:nope"
expect_error a-404 "$A/leaky:nope: 404 manifest unknown"
scan a-404-repo scan --tls-verify=false "docker://$A/nothing/here:1"
expect_error a-404-repo "$A/nothing/here:1: 404"
scan a-badref scan "docker://$A/Leaky:1"
expect_error a-badref "docker://$A/Leaky:1: repository name must be lowercase"
scan a-tls-on-http scan "docker://$A/leaky:oci"
expect_error a-tls-on-http "$A: TLS: "
scan a-refused scan --tls-verify=false "docker://127.0.0.1:$(free_port)/leaky:oci"
expect_error a-refused "Couldn't connect to server"

# the catalog in pages: 7 repositories, 2 a page -> 4 pages
for i in 1 2 3 4; do
  push "docker://$A/leaky:oci" "docker://$A/team/r$i:1" --src-tls-verify=false --dest-tls-verify=false
done
want_repos=$(printf '%s\n' leaky mp team/r1 team/r2 team/r3 team/r4 | sort)
scan a-catalog registry ls --tls-verify=false --page-size 2 --verbose "docker://$A"
if [ "$(rc_of a-catalog)" = 0 ] && [ "$(cat "$WORK/out/a-catalog.json")" = "$want_repos" ] &&
   grep -qF "6 repositories in 3 pages" "$WORK/out/a-catalog.err"; then
  ok "a-catalog: 6 repositories over 3 pages of 2, following Link"
else
  fail "a-catalog: exit $(rc_of a-catalog)"; sed 's/^/    /' "$WORK/out/a-catalog.json" "$WORK/out/a-catalog.err"
fi
scan a-catalog-one registry ls --tls-verify=false --page-size 100 --verbose "docker://$A"
if [ "$(cat "$WORK/out/a-catalog-one.json")" = "$want_repos" ] && grep -qF "in 1 page," "$WORK/out/a-catalog-one.err"; then
  ok "a-catalog-one: the same 6 repositories in one page"
else
  fail "a-catalog-one"; sed 's/^/    /' "$WORK/out/a-catalog-one.json" "$WORK/out/a-catalog-one.err"
fi
scan a-tags registry ls --tls-verify=false "docker://$A/leaky"
if [ "$(sort "$WORK/out/a-tags.json" | tr '\n' ' ')" = "oci v2s2 " ]; then
  ok "a-tags: the tags of leaky"
else
  fail "a-tags: $(cat "$WORK/out/a-tags.json" "$WORK/out/a-tags.err")"
fi

# ---- certificates for B and C ----------------------------------------------
make_pki
if [ "$(ls "$CERTS")" = ca.crt ] && ! grep -q "PRIVATE KEY" "$CERTS"/*; then
  ok "pki: the --cert-dir holds the CA certificate only"
else
  fail "pki: $CERTS holds $(ls "$CERTS")"
fi

# ---- B: TLS + htpasswd Basic -------------------------------------------------
BUSER=auditor
BPASS=Basic-pw-7c41e0f9d2
htpasswd -Bbn "$BUSER" "$BPASS" >"$WORK/htpasswd" 2>/dev/null
PB=$(free_port)
start_registry B "$PB" "$TLS_YAML
auth:
  htpasswd:
    realm: layerscan-test
    path: $WORK/htpasswd"
B=127.0.0.1:$PB
push "oci:$LEAKY" "docker://$B/leaky:1" --dest-tls-verify=false --dest-creds "$BUSER:$BPASS"

scan b-creds scan --format json --show-secrets --cert-dir "$CERTS" --creds "$BUSER:$BPASS" "docker://$B/leaky:1"
expect_scan b-creds "$WORK/out/layout-leaky.json" "$LABELS"
LAYERSCAN_DEBUG=1 scan b-debug scan --format json --show-secrets --cert-dir "$CERTS" --creds "$BUSER:$BPASS" "docker://$B/leaky:1"
expect_scan b-debug "$WORK/out/layout-leaky.json" "$LABELS"
if grep -q "registry: GET $B/v2/leaky/manifests/1 -> 200 (authorized)" "$WORK/out/b-debug.err"; then
  ok "b-debug: LAYERSCAN_DEBUG=1 traces the requests"
else
  fail "b-debug: no trace of the manifest request"; head -5 "$WORK/out/b-debug.err"
fi
scan b-wrong scan --cert-dir "$CERTS" --creds "$BUSER:not-the-password" "docker://$B/leaky:1"
expect_error b-wrong "$B/leaky:1: 401 Unauthorized (check --creds)"
scan b-none scan --cert-dir "$CERTS" "docker://$B/leaky:1"
expect_error b-none "$B/leaky:1: 401 Unauthorized (no credentials for $B: pass --creds or --authfile)"
scan b-no-ca scan --creds "$BUSER:$BPASS" "docker://$B/leaky:1"
expect_error b-no-ca "$B: TLS: SSL certificate problem"
scan b-insecure scan --format json --show-secrets --tls-verify=false --creds "$BUSER:$BPASS" "docker://$B/leaky:1"
expect_scan b-insecure "$WORK/out/layout-leaky.json" "$LABELS"

auth_b64=$(printf '%s' "$BUSER:$BPASS" | base64 -w0)
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$B" "$auth_b64" >"$WORK/auth.json"
scan b-authfile scan --format json --show-secrets --cert-dir "$CERTS" --authfile "$WORK/auth.json" "docker://$B/leaky:1"
expect_scan b-authfile "$WORK/out/layout-leaky.json" "$LABELS"
REGISTRY_AUTH_FILE=$WORK/auth.json scan b-envfile scan --format json --show-secrets --cert-dir "$CERTS" "docker://$B/leaky:1"
expect_scan b-envfile "$WORK/out/layout-leaky.json" "$LABELS"
mkdir -p "$XDG_RUNTIME_DIR/containers"
cp "$WORK/auth.json" "$XDG_RUNTIME_DIR/containers/auth.json"
scan b-xdg scan --format json --show-secrets --cert-dir "$CERTS" "docker://$B/leaky:1"
expect_scan b-xdg "$WORK/out/layout-leaky.json" "$LABELS"
rm "$XDG_RUNTIME_DIR/containers/auth.json"
mkdir -p "$HOME/.docker"
printf '{"auths": {"%s": {"username": "%s", "password": "%s"}}}\n' "$B" "$BUSER" "$BPASS" >"$HOME/.docker/config.json"
scan b-docker-config scan --format json --show-secrets --cert-dir "$CERTS" "docker://$B/leaky:1"
expect_scan b-docker-config "$WORK/out/layout-leaky.json" "$LABELS"
printf '{"auths": {"%s": {}}, "credsStore": "desktop"}\n' "$B" >"$HOME/.docker/config.json"
scan b-helper scan --cert-dir "$CERTS" "docker://$B/leaky:1"
expect_error b-helper "401 Unauthorized (credential helper docker-credential-desktop for $B: not found on PATH (named in $HOME/.docker/config.json))"
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$B" "$(printf 'x:wrong' | base64 -w0)" >"$WORK/auth-wrong.json"
scan b-authfile-wrong scan --cert-dir "$CERTS" --authfile "$WORK/auth-wrong.json" "docker://$B/leaky:1"
expect_error b-authfile-wrong "$B/leaky:1: 401 Unauthorized (check the credentials for $B in $WORK/auth-wrong.json)"
rm -f "$HOME/.docker/config.json"
scan b-catalog registry ls --cert-dir "$CERTS" --creds "$BUSER:$BPASS" "docker://$B"
if [ "$(cat "$WORK/out/b-catalog.json")" = leaky ]; then ok "b-catalog: listed with Basic auth"; else fail "b-catalog: $(cat "$WORK/out/b-catalog.err")"; fi

# ---- C: TLS + Bearer tokens --------------------------------------------------
CUSER=scanner
CPASS=Token-pw-5b9e21c07a
TOKENS=$WORK/tokens.log
: >"$TOKENS"
PT=$(free_port)
python3 "$TOOLS/token_issuer.py" --port "$PT" --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" \
  --sign-key "$PKI/sign.key" --sign-cert "$PKI/sign.crt" --service layerscan-test-registry \
  --issuer layerscan-test-issuer --user "$CUSER" --password "$CPASS" --log "$TOKENS" \
  >"$WORK/issuer.out" 2>"$WORK/issuer.err" &
pids+=($!)
if ! wait_port "$PT"; then echo "token issuer did not start:"; cat "$WORK/issuer.err"; exit 1; fi
PC=$(free_port)
start_registry C "$PC" "$TLS_YAML
auth:
  token:
    realm: https://127.0.0.1:$PT/token
    service: layerscan-test-registry
    issuer: layerscan-test-issuer
    rootcertbundle: $PKI/sign.crt"
C=127.0.0.1:$PC
push "oci:$LEAKY" "docker://$C/team/leaky:1" --dest-tls-verify=false --dest-creds "$CUSER:$CPASS"
push "oci:$WORK/mp:1.0" "docker://$C/mp:1" --dest-tls-verify=false --dest-creds "$CUSER:$CPASS" --all

LAYERSCAN_DEBUG=1 scan c-token scan --format json --show-secrets --cert-dir "$CERTS" --creds "$CUSER:$CPASS" --jobs 4 "docker://$C/team/leaky:1"
expect_scan c-token "$WORK/out/layout-leaky.json" "$LABELS"
if grep -q "registry: GET 127.0.0.1:$PT/token -> 200" "$WORK/out/c-token.err"; then
  ok "c-token: a token was fetched from the issuer"
else
  fail "c-token: no token request in the trace"; head -5 "$WORK/out/c-token.err"
fi
scan c-token-mp scan --format json --show-secrets --cert-dir "$CERTS" --creds "$CUSER:$CPASS" --platform linux/arm64 "docker://$C/mp:1"
expect_scan c-token-mp "$WORK/out/layout-mp-arm64.json" "$MP_LABELS"
scan c-wrong scan --cert-dir "$CERTS" --creds "$CUSER:nope" "docker://$C/team/leaky:1"
expect_error c-wrong "$C/team/leaky:1: 401 Unauthorized (check --creds)"
scan c-none scan --cert-dir "$CERTS" "docker://$C/team/leaky:1"
expect_error c-none "$C/team/leaky:1: 401 Unauthorized (no credentials for $C: pass --creds or --authfile)"
scan c-404 scan --cert-dir "$CERTS" --creds "$CUSER:$CPASS" "docker://$C/team/leaky:2"
expect_error c-404 "$C/team/leaky:2: 404 manifest unknown"
scan c-catalog registry ls --cert-dir "$CERTS" --creds "$CUSER:$CPASS" --page-size 1 --verbose "docker://$C"
if [ "$(cat "$WORK/out/c-catalog.json" | tr '\n' ' ')" = "mp team/leaky " ] && grep -qF "2 repositories in 2 pages" "$WORK/out/c-catalog.err"; then
  ok "c-catalog: the catalog with a registry:catalog:* token, in pages"
else
  fail "c-catalog: $(cat "$WORK/out/c-catalog.json" "$WORK/out/c-catalog.err")"
fi
if [ "$(grep -c . "$TOKENS")" -ge 2 ]; then ok "c: the issuer issued $(grep -c . "$TOKENS") tokens"; else fail "c: no tokens issued"; fi

# ---- F: a fake registry for the faults ---------------------------------------

start_fake f-tamper --tamper-layer 3
scan f-tamper scan --format json --show-secrets --tls-verify=false "docker://127.0.0.1:$P/leaky:1"
if python3 - "$WORK/out/f-tamper.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [e for e in r["errors"] if e["layer"] == 3 and "blob digest mismatch: manifest says" in e["message"]]
assert bad, r["errors"]
assert all(e["layer"] == 3 for e in r["errors"]), r["errors"]
assert [l["digest_verified"] for l in r["layers"]] == [True, True, True, False, True, True, True, True], r["layers"]
EOF
then ok "f-tamper: the tampered blob is a digest mismatch of layer 3 in errors; the others verify"
else fail "f-tamper: exit $(rc_of f-tamper)"; fi

start_fake f-manifest --tamper-manifest
digest=$(json_get "$WORK/out/layout-leaky.json" 'r["image"]["manifest_digest"]')
scan f-manifest-digest scan --tls-verify=false "docker://127.0.0.1:$P/leaky@$digest"
expect_error f-manifest-digest "127.0.0.1:$P/leaky@$digest: manifest digest mismatch: asked for $digest, the registry sent sha256:"
scan f-manifest-tag scan --format json --show-secrets --tls-verify=false "docker://127.0.0.1:$P/leaky:1"
if [ "$(rc_of f-manifest-tag)" = 1 ] && [ "$(json_get "$WORK/out/f-manifest-tag.json" 'r["image"]["manifest_digest"] != "'"$digest"'" and not r["errors"]')" = True ]; then
  ok "f-manifest-tag: by tag, the manifest digest is that of the bytes received"
else
  fail "f-manifest-tag: exit $(rc_of f-manifest-tag) $(head -c 300 "$WORK/out/f-manifest-tag.err")"
fi
start_fake f-config --tamper-config
scan f-config scan --tls-verify=false "docker://127.0.0.1:$P/leaky:1"
expect_error f-config "127.0.0.1:$P/leaky:1: config digest mismatch: asked for sha256:"

start_fake f-flaky --flaky 1
scan f-flaky scan --format json --show-secrets --tls-verify=false --jobs 4 "docker://127.0.0.1:$P/leaky:1"
expect_scan f-flaky "$WORK/out/layout-leaky.json" "$LABELS"
if python3 - "$WORK/f-flaky.log" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
m = [e["status"] for e in log if e["path"] == "/v2/leaky/manifests/1"]
assert m == [503, 200], m
blobs = {e["path"] for e in log if "/blobs/" in e["path"]}
for b in blobs:
    assert [e["status"] for e in log if e["path"] == b] == [503, 200], b
EOF
then ok "f-flaky: every 503 (Retry-After: 1) was retried once"
else fail "f-flaky: $(head -c 400 "$WORK/f-flaky.log")"; fi

start_fake f-down --flaky 10
scan f-down scan --tls-verify=false "docker://127.0.0.1:$P/leaky:1"
expect_error f-down "127.0.0.1:$P: 503 Service Unavailable: try again later"
if [ "$(grep -c '"/v2/"' "$WORK/f-down.log")" = 4 ]; then ok "f-down: gave up after 4 attempts"; else fail "f-down: $(grep -c '"/v2/"' "$WORK/f-down.log") attempts"; fi

start_fake f-redirect --redirect-blobs --basic "fakeuser:Fake-pw-93ad1c"
LAYERSCAN_DEBUG=1 scan f-redirect scan --format json --show-secrets --tls-verify=false --creds "fakeuser:Fake-pw-93ad1c" "docker://127.0.0.1:$P/leaky:1"
expect_scan f-redirect "$WORK/out/layout-leaky.json" "$LABELS"
if python3 - "$WORK/f-redirect.log" <<'EOF'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
storage = [e for e in log if e["path"].startswith("/_storage/")]
assert len(storage) == 9, storage  # the config and 8 layers
assert not any(e["auth"] for e in storage), "Authorization went to the storage origin"
assert any(e["auth"] for e in log if e["path"].startswith("/v2/leaky/blobs/"))
EOF
then ok "f-redirect: blobs followed to another origin without Authorization"
else fail "f-redirect: $(grep _storage "$WORK/f-redirect.log" | head -3)"; fi

start_fake f-reset --drop-blob-once
scan f-reset scan --format json --show-secrets --tls-verify=false --jobs 4 "docker://127.0.0.1:$P/leaky:1"
expect_scan f-reset "$WORK/out/layout-leaky.json" "$LABELS"
if [ "$(grep -c '"range": "bytes=' "$WORK/f-reset.log")" -ge 8 ]; then
  ok "f-reset: blobs cut mid-way were resumed with Range"
else
  fail "f-reset: $(grep -c '"range": "bytes=' "$WORK/f-reset.log") ranged requests"
fi

scan f-tags registry ls --tls-verify=false --page-size 3 --verbose "docker://127.0.0.1:$P/leaky"
if [ "$(tr '\n' ' ' <"$WORK/out/f-tags.json")" = "t0 t1 t2 t3 t4 t5 t6 " ] && grep -qF "7 tags in 3 pages" "$WORK/out/f-tags.err"; then
  ok "f-tags: 7 tags over 3 pages"
else
  fail "f-tags: $(cat "$WORK/out/f-tags.json" "$WORK/out/f-tags.err")"
fi

# ---- nothing secret in any output ------------------------------------------
leaks=0
secrets=("$BPASS" "$auth_b64" "$CPASS" "$(printf '%s' "$CUSER:$CPASS" | base64 -w0)" "Fake-pw-93ad1c"
         "$(printf '%s' 'fakeuser:Fake-pw-93ad1c' | base64 -w0)" "fakepresignedsignature")
while read -r tok; do [ -n "$tok" ] && secrets+=("${tok##*.}"); done <"$TOKENS"
for s in "${secrets[@]}"; do
  if grep -rlF -- "$s" "$WORK/out" >/dev/null; then
    fail "leak: a secret appears in $(grep -rlF -- "$s" "$WORK/out" | head -3 | tr '\n' ' ')"
    leaks=$((leaks + 1))
  fi
done
[ "$leaks" -eq 0 ] && ok "no password, token, credential or signature in any of $(ls "$WORK/out" | wc -l) outputs"

echo "registry: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
