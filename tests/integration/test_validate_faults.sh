#!/usr/bin/env bash
# test_validate_faults.sh LAYERSCAN SRCDIR WORKDIR
#
# The validators under allocation failure. A validator that runs out of memory
# half-way must say so, never hand back a verdict the secret judged in full
# would not get (a key whose parse failed for want of memory is not a broken
# key). tests/tools/validate_each judges every example secret of the bundled
# rules plus keys openssl makes on every run (RSA PKCS#8, EC SEC1, encrypted
# PKCS#8, a legacy DEK-Info key, the base64 of a PEM key, a broken key, the
# start of a key); the fault shim (LAYERSCAN_FAULT_SHIM) fails its Nth
# allocation (its own, OpenSSL's, jansson's) for many N (below), and
# tests/tools/fault_drive.py asks of each run: the normal output to the
# byte, or exit 2 with one "layerscan: ..." line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
: "${LAYERSCAN_FAULT_SHIM:?the shim library (set by tests/CMakeLists.txt)}"
: "${LAYERSCAN_VALIDATE_EACH:?the validate_each tool (set by tests/CMakeLists.txt)}"
command -v openssl >/dev/null || { echo "FAIL openssl is required"; exit 1; }

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out ec.pem 2>/dev/null
openssl pkcs8 -topk8 -in rsa.pem -passout pass:fake-passphrase -v2 aes-256-cbc -out enc.pem 2>/dev/null
openssl rsa -in rsa.pem -traditional -aes128 -passout pass:fake-passphrase -out dek.pem 2>/dev/null

python3 - "$SRC" >secrets.tsv <<'PY'
import base64, glob, json, sys
src = sys.argv[1]
def row(rule, secret):
    print(f"{rule}\t{secret.encode().hex()}")
# the keys first: their verdicts are asserted below
rsa = open("rsa.pem").read()
row("private-key", rsa)
row("private-key", open("ec.pem").read())
row("private-key", open("enc.pem").read())
row("private-key", open("dek.pem").read())
row("private-key-base64", base64.b64encode(rsa.encode()).decode())
body = rsa.splitlines()
broken = "\n".join(body[:3] + body[6:]) + "\n"  # three lines of the DER gone
row("private-key", broken)
row("private-key", "\n".join(body[:2]) + "\n")
for f in sorted(glob.glob(f"{src}/patterns/*.json")):
    d = json.load(open(f))
    for r in (d["rules"] if isinstance(d, dict) else d):
        for e in r.get("examples", []):
            row(r["id"], e["secret"])
PY

"$LAYERSCAN_VALIDATE_EACH" secrets.tsv >normal.out
expect_eq "one verdict per secret" "$(wc -l <normal.out)" "$(wc -l <secrets.tsv)"
expect_eq "RSA PKCS#8 key" "$(sed -n 1p normal.out)" "private-key structure-valid high"
expect_eq "EC SEC1 key" "$(sed -n 2p normal.out)" "private-key structure-valid high"
expect_eq "encrypted PKCS#8 key" "$(sed -n 3p normal.out)" "private-key structure-valid high"
expect_eq "DEK-Info key" "$(sed -n 4p normal.out)" "private-key structure-valid high"
expect_eq "base64 of a PEM key" "$(sed -n 5p normal.out)" "private-key-base64 structure-valid high"
expect_eq "broken key" "$(sed -n 6p normal.out)" "private-key none low"
expect_eq "start of a key" "$(sed -n 7p normal.out)" "private-key none medium"

# About 54,000 allocations (most of them OpenSSL's and jansson's): the first
# FIRST, then every STRIDE-th (a prime, so the sites a stride visits drift
# through the validators' own); under ASan, where each run is slower, fewer.
if [ -n "${ASAN_OPTIONS:-}" ]; then FIRST=100 STRIDE=211; else FIRST=300 STRIDE=53; fi
if python3 "$SRC/tests/tools/fault_drive.py" alloc validators report "$FIRST" "$STRIDE" -- \
  "$LAYERSCAN_VALIDATE_EACH" "$WORK/secrets.tsv"; then :; else fails=$((fails + 1)); fi

ls_test_finish "validate faults"
