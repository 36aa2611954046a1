#!/usr/bin/env bash
# test_vendor.sh LAYERSCAN SRCDIR WORKDIR
#
# Vendor content through every way a user meets it (the labeled corpus case
# tests/corpus/vendor-packages checks the findings themselves):
# - default: vendor findings in suppressed[] (suppressed_by "vendor", origin,
#   package), counted by the text report and by `layers`, SARIF suppressions;
#   a host key openssh-server's install made is "generated", one a later
#   layer put there is the image's;
# - --include-vendor: the same findings in findings[];
# - a release gate on an image whose only keys are vendor ones: exit 0 with
#   --fail-on critical, exit 1 with --include-vendor;
# - the layer cache keeps what verification needs: a warm run's report is the
#   cold run's (the digests and package databases are cached with the layer);
# - a registry: the library over 1 MiB is verified by fetching its layer again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
. "$SRC/tests/integration/registry_lib.sh"

run() { # NAME WANT_EXIT ARGS...
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else bad "$name: exit $rc, expected $want"; sed 's/^/    /' "$WORK/$name.err"; fi
}
# py NAME EXPR REPORT: a python expression over report r that must be true
py() {
  if python3 -c 'import json,sys; r=json.load(open(sys.argv[2])); sys.exit(0 if eval(sys.argv[1]) else 1)' "$2" "$3"; then
    ok "$1"
  else
    bad "$1"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); [print("    ", k, f["rule"], f["path"], f.get("origin"), f.get("package"), f.get("suppressed_by")) for k in ("findings","suppressed") for f in r[k]]' "$2" || true
  fi
}
same_report() {
  python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for r in (a, b):
    r.get("stats", {}).pop("seconds", None)
    r.get("image", {}).pop("reference", None)
    r.get("image", {}).pop("transport", None)
sys.exit(0 if a == b else 1)
PY
}

SPEC=$SRC/tests/corpus/vendor-packages/spec.json
python3 "$SRC/tests/tools/mkimage.py" "$SPEC" "$WORK/img.oci" --format oci
IMG=oci:$WORK/img.oci:1.0
VENDOR_PATHS="['/usr/lib/python3/dist-packages/fakecrypto/__pycache__/ecdsa_vectors.cpython-311.pyc', '/usr/lib/python3/dist-packages/fakecrypto/__pycache__/testkeys.cpython-311.pyc', '/usr/lib/python3/dist-packages/fakecrypto/testkeys.py', '/usr/lib/x86_64-linux-gnu/libfakebig.so.1', '/usr/lib/x86_64-linux-gnu/libfaketls.so.30.34.3', '/usr/lib/x86_64-linux-gnu/libfaketls.so.30.34.3', '/usr/local/lib/python3.11/site-packages/fakesdk/tests/data/client.pem', '/usr/share/fake-ssl/test.key']"

# ---------------------------------------------------------------- default
run default 1 scan --format json "$IMG"
py "default: vendor findings suppressed, by path" \
  "sorted(f['path'] for f in r['suppressed'] if f['origin'] == 'vendor') == $VENDOR_PATHS" "$WORK/default.out"
py "default: every suppressed vendor one says vendor, with its package" \
  "all(f['suppressed_by'] == 'vendor' and f['package']['manager'] in ('dpkg','apk','python') for f in r['suppressed'] if f['origin'] == 'vendor')" "$WORK/default.out"
py "default: the image's own findings stay, origin image" \
  "sorted((f['rule'], f['path'], f['layer'], f['origin'], f['package']) for f in r['findings']) == [('github-pat', '/etc/fake-tools/tools.conf', 1, 'image', None), ('github-pat', '/usr/bin/fake-tool', 0, 'image', None), ('npm-token', '/opt/broken/.npmrc', 0, 'image', None), ('package-file-modified', '/etc/fake-tools/tools.conf', 1, 'image', None), ('private-key', '/etc/ssh/ssh_host_rsa_key', 1, 'image', None)]" "$WORK/default.out"
# layer 1 appended a token to a file fake-tools installed: the file no longer has its package's bytes
rm -f "$WORK/tools.conf"
run extract-conf 0 extract "$IMG" --layer 1 --path /etc/fake-tools/tools.conf -o "$WORK/tools.conf"
py "default: the appended package file is package-file-modified, with both digests" \
  "[f['secret'] for f in r['findings'] if f['rule'] == 'package-file-modified'] == ['fake-tools: recorded md5 ' + __import__('hashlib').md5(b'# fake-tools configuration\\nverbose=0\\n').hexdigest() + ', actual md5 ' + __import__('hashlib').md5(open('$WORK/tools.conf', 'rb').read()).hexdigest()]" "$WORK/default.out"
py "default: the host key openssh-server's install made is generated" \
  "[(f['path'], f['suppressed_by'], f['origin'], f['package']) for f in r['suppressed'] if f['origin'] == 'generated'] == [('/etc/ssh/ssh_host_ecdsa_key', 'generated', 'generated', {'manager': 'dpkg', 'name': 'openssh-server', 'version': '1:9.2p1-2+deb12u3'})]" "$WORK/default.out"
py "default: stats count the suppressed" "r['stats']['suppressed'] == 9 and r['stats']['findings'] == 5" "$WORK/default.out"
py "default: the libgnutls-like key names its package" \
  "[f['package'] for f in r['suppressed'] if f['layer'] == 2] == [{'manager': 'dpkg', 'name': 'libfaketls30', 'version': '3.7.9-2+deb12u3'}]" "$WORK/default.out"

# ---------------------------------------------------------------- --include-vendor
run include 1 scan --format json --include-vendor "$IMG"
py "--include-vendor: vendor findings reported" \
  "sorted(f['path'] for f in r['findings'] if f['origin'] == 'vendor') == $VENDOR_PATHS and [f['path'] for f in r['findings'] if f['origin'] == 'generated'] == ['/etc/ssh/ssh_host_ecdsa_key'] and r['suppressed'] == []" "$WORK/include.out"

# ---------------------------------------------------------------- text, layers, SARIF
run text 1 scan "$IMG"
expect_eq "text: vendor line" "$(grep '^Vendor:' "$WORK/text.out")" \
  "Vendor: 8 findings in files whose bytes match their package database, 0 in dependencies' tests, fixtures, examples or docs (third-party)"
expect_eq "text: suppressed line" "$(grep '^Suppressed:' "$WORK/text.out")" \
  "Suppressed: 9 findings (vendor, third-party, baseline, allowlist or --min-confidence; listed in the JSON report)"
expect_eq "text: generated line" "$(grep '^Generated:' "$WORK/text.out")" \
  "Generated: 1 key made by package install scripts while the image was built (host keys, snakeoil certificates): every container of this image shares it"
run layers 0 layers "$IMG"
expect_eq "layers: vendor counts per layer" "$(grep 'vendor finding' "$WORK/layers.out")" \
  "layer 0: 7 vendor findings (package-verified files), 0 third-party
layer 2: 1 vendor finding (package-verified files), 0 third-party"
expect_eq "layers: generated keys per layer" "$(grep 'generated by package' "$WORK/layers.out")" \
  "layer 0: 1 key generated by package install scripts"
run sarif 1 scan --format sarif "$IMG"
py "sarif: 8 results suppressed with justification vendor, origin and package in properties" \
  "sum(1 for x in r['runs'][0]['results'] if x.get('suppressions') == [{'kind': 'external', 'justification': 'vendor'}] and x['properties']['origin'] == 'vendor' and x['properties']['package']['manager'] in ('dpkg','apk','python')) == 8" "$WORK/sarif.out"

# ---------------------------------------------------------------- release gate
python3 - "$SPEC" "$WORK/vendor-only.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
drop = {"usr/bin/fake-tool", "opt/broken/.npmrc", "var/lib/dpkg/info/broken-pkg.md5sums"}  # the image's own
s["layers"][0]["entries"] = [e for e in s["layers"][0]["entries"] if e["path"] not in drop]
del s["layers"][1]
del s["history"][1]
json.dump(s, open(sys.argv[2], "w"))
PY
python3 "$SRC/tests/tools/mkimage.py" "$WORK/vendor-only.json" "$WORK/vendor-only.tar" --format docker-archive
run gate 0 scan --fail-on critical "$WORK/vendor-only.tar"
expect_eq "gate: one clean line" "$(cat "$WORK/gate.out")" \
  "layerscan: $WORK/vendor-only.tar: 2 layers, no findings (9 suppressed)"
run gate-include 1 scan --fail-on critical --include-vendor "$WORK/vendor-only.tar"

# ---------------------------------------------------------------- layer cache
export XDG_CONFIG_HOME=$WORK/config
run cold 1 scan --cache "$WORK/cache" --format json "$IMG"
run warm 1 scan --cache "$WORK/cache" --format json "$IMG"
check "cache cold: same report as uncached" same_report "$WORK/cold.out" "$WORK/default.out"
check "cache warm: same report as uncached" same_report "$WORK/warm.out" "$WORK/default.out"
expect_eq "cache warm: no warning" "$(cat "$WORK/warm.err")" ""

# ---------------------------------------------------------------- registry: second read over HTTP
PORT=$(free_port)
start_registry R "$PORT" ""
push "oci:$WORK/img.oci:1.0" "docker://127.0.0.1:$PORT/vendor:1" --dest-tls-verify=false
run registry 1 scan --format json --tls-verify=false "docker://127.0.0.1:$PORT/vendor:1"
check "registry: same report as the OCI layout" same_report "$WORK/registry.out" "$WORK/default.out"

ls_test_finish "vendor"
