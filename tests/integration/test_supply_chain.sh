#!/usr/bin/env bash
# test_supply_chain.sh LAYERSCAN SRCDIR WORKDIR
#
# What is attached to an image: BuildKit attestations scanned for secrets,
# cosign signatures found and verified (--verify-key, --require-signature).
# The fixtures are tests/tools/gen_supply.py's labelled layouts (keys made
# fresh by openssl on every run; expected.json holds every digest):
#   attest-index    the older form (vnd.docker.reference annotations)
#   attest-cleaned  the same on an image whose history has no build arg
#   attest-subject  the current form (subject), listed in index.json
#   attest-blobs    the current form, only in blobs/
#   attest-cosign   cosign attest + save: a DSSE envelope (kind .../atts)
#   signed-legacy   cosign save: simple signing, P-256  (signed-rsa: RSA)
#   signed-bundle   Sigstore bundle v0.3 referrer, Ed25519 (signed-p384: P-384)
#   bad-digest      the payload names another image
#   bad-sig         one byte of the signature flipped
#   unsigned        nothing attached
#   all             attest-index + legacy signature + bundle: still one image
# Every layout's image has history h2 "|1 NPM_TOKEN=<token> /bin/sh -c npm
# ci" (the cleaned one "/bin/sh -c npm ci") and the provenance records
# build-arg:NPM_TOKEN=<token>, so the report must hold exactly:
#   npm-token  history      history[2].created_by                 layer 1, h2
#   npm-token  attestation  attestation[https://slsa.dev/provenance/v0.2]
#                           /predicate/invocation/parameters/args/build-arg:NPM_TOKEN
#                           layer null, h2 (null on the cleaned image)
# and image.attestations / image.signatures exactly as labelled. Then the
# same images pushed to Debian's docker-registry (distribution 2.8: no
# referrers API, so the referrers tag schema) with tests/tools/oci_push.py
# must report the same.
set -euo pipefail

# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
# shellcheck source=SCRIPTDIR/registry_lib.sh
. "$SRC/tests/integration/registry_lib.sh"

# the interpreter itself: a version manager's shim costs most of a second a call
PY=$(python3 -c 'import sys; print(sys.executable)')
FX=$WORK/fx
mkdir -p "$WORK/out"
if ! "$PY" "$SRC/tests/tools/gen_supply.py" "$FX" 2>"$WORK/gen.err"; then
  bad "gen_supply.py: $(cat "$WORK/gen.err")"
  ls_test_finish supply-chain
  exit 1
fi
KEY_P256=$FX/keys/cosign-p256.pub
KEY_ED=$FX/keys/ed25519.pub
KEY_P384=$FX/keys/p384.pub
KEY_RSA=$FX/keys/rsa.pub
KEY_OTHER=$FX/keys/other-p256.pub

# scan NAME WANT_EXIT ARGS... : layerscan ARGS (a full command line after
# the program), stdout/stderr into out/NAME.{out,err}
scan() {
  local name=$1 want=$2 rc=0
  shift 2
  timeout 300 "${LS[@]}" "$@" >"$WORK/out/$name.out" 2>"$WORK/out/$name.err" || rc=$?
  if [ "$rc" = "$want" ]; then
    ok "$name: exit $rc"
  else
    bad "$name: exit $rc, want $want: $(head -c 400 "$WORK/out/$name.err" | tr '\n' ' ')"
  fi
}

# The report against the labels: python3 check.py REPORT LAYOUT [options]
#   --key NAME        a key given to --verify-key, in order (names of expected.json's keys)
#   --shown           --show-secrets was given
#   --no-npm          --disable-rule npm-token was given
#   --require WHAT    missing | invalid: the provenance finding --require-signature adds
#   --legacy-source S where a legacy signature is reported found (default tag)
cat >"$WORK/check.py" <<'EOF'
import argparse, json, os, sys
ap = argparse.ArgumentParser()
ap.add_argument("report"); ap.add_argument("layout")
ap.add_argument("--key", action="append", default=[])
ap.add_argument("--shown", action="store_true"); ap.add_argument("--no-npm", action="store_true")
ap.add_argument("--require", choices=["missing", "invalid"])
ap.add_argument("--legacy-source", default="tag")
a = ap.parse_args()
fx = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "fx")
E = json.load(open(fx + "/expected.json"))
L = E["layouts"][a.layout]
try:
    r = json.load(open(a.report))
except ValueError as e:
    print("no JSON report:", e); sys.exit(1)
problems = []
def want(what, got, exp):
    if got != exp:
        problems.append("%s:\n   got  %r\n   want %r" % (what, got, exp))

want("errors", r["errors"], [])
want("image manifest", r["image"]["manifest_digest"], L["image"])
tok = E["npm_token"]
secret = tok if a.shown else tok[:4] + "\u2026" + tok[-4:]
hist = E["images"][L["base"]]["build_arg_history"]
exp = []
if not a.no_npm:
    if hist is not None:
        exp.append(("npm-token", "secret", "critical", "history", "history[2].created_by", 1, 2,
                    "RUN npm ci", "metadata", secret))
    if any(s["predicate_type"] == "https://slsa.dev/provenance/v0.2" for s in L["attestations"]):
        exp.append(("npm-token", "secret", "critical", "attestation",
                    "attestation[https://slsa.dev/provenance/v0.2]/predicate/invocation/parameters/args/build-arg:NPM_TOKEN",
                    None, hist, "RUN npm ci" if hist is not None else None, "metadata", secret))
if a.require:
    exp.append(("signature-" + a.require, "provenance", "critical", "signature", "image.signatures",
                None, None, None, "metadata", L["image"]))
got = [(f["rule"], f["category"], f["severity"], f["source"], f["path"], f["layer"], f["history"],
        f["instruction"], f["status"], f["secret"]) for f in r["findings"]]
want("findings", sorted(got, key=repr), sorted(exp, key=repr))

atts = r["image"].get("attestations")
if not isinstance(atts, list) or not all(isinstance(x.get("strings"), int) and x["strings"] > 0 for x in atts):
    problems.append("attestations: no list, or an entry without strings > 0: %r" % (atts,))
else:
    keys = ("manifest", "digest", "media_type", "predicate_type", "source")
    exp = [{k: x[k] for k in keys} for x in L["attestations"]]
    want("attestations", sorted(({k: x.get(k) for k in keys} for x in atts), key=repr),
         sorted(exp, key=repr))

paths = [fx + "/" + E["keys"][k]["public"] for k in a.key]
exp = []
for s in L["signatures"]:
    e = {"kind": "cosign", "source": a.legacy_source if s["source"] == "tag" else s["source"],
         "digest": s["digest"], "verified": None, "key": None, "error": None}
    # a payload naming another image fails before any key is tried: no key,
    # and the error (naming that digest) even when no key was given
    if s["defect"] == "digest":
        e["verified"] = False if a.key else None
        e["error"] = "payload names %s, not this image" % s["claims"]
    elif a.key:
        if s["valid"] and s["key"] in a.key:
            e["verified"], e["key"] = True, paths[a.key.index(s["key"])]
        else:  # the first key tried, and why it failed
            e["verified"], e["key"] = False, paths[0]
            e["error"] = "signature does not verify with " + paths[0]
            if len(paths) == 2:
                e["error"] += " or 1 other key"
    exp.append(e)
sigs = r["image"].get("signatures")
got = [{k: x.get(k) for k in ("kind", "source", "digest", "verified", "key", "error")}
       for x in (sigs if isinstance(sigs, list) else [])]
want("signatures", sorted(got, key=repr), sorted(exp, key=repr))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
EOF

# check NAME LAYOUT [check.py options]: out/NAME.out against the labels
check_report() {
  local name=$1 layout=$2
  shift 2
  if "$PY" "$WORK/check.py" "$WORK/out/$name.out" "$layout" "$@" >"$WORK/out/$name.check" 2>&1; then
    ok "$name: findings, attestations and signatures as labelled"
  else
    bad "$name: report differs from the labels"
    sed 's/^/#   /' "$WORK/out/$name.check"
  fi
}

# ---- every layout, no key: signatures found, not checked; statements scanned
for l in unsigned attest-index attest-cleaned attest-subject attest-blobs attest-cosign signed-legacy signed-rsa \
         signed-bundle signed-p384 bad-digest bad-sig all; do
  scan "$l" 1 scan --format json "oci:$FX/$l"
  check_report "$l" "$l"
done
scan shown 1 scan --format json --show-secrets "oci:$FX/all"
check_report shown all --shown

# ---- --verify-key
scan legacy-key 1 scan --format json --verify-key "$KEY_P256" "oci:$FX/signed-legacy"
check_report legacy-key signed-legacy --key p256
scan legacy-wrong 1 scan --format json --verify-key "$KEY_OTHER" "oci:$FX/signed-legacy"
check_report legacy-wrong signed-legacy --key other
scan legacy-two 1 scan --format json --verify-key "$KEY_OTHER" --verify-key "$KEY_P256" "oci:$FX/signed-legacy"
check_report legacy-two signed-legacy --key other --key p256
scan rsa-key 1 scan --format json --verify-key "$KEY_RSA" "oci:$FX/signed-rsa"
check_report rsa-key signed-rsa --key rsa
scan bundle-key 1 scan --format json --verify-key "$KEY_ED" "oci:$FX/signed-bundle"
check_report bundle-key signed-bundle --key ed25519
scan bundle-wrong 1 scan --format json --verify-key "$KEY_P256" "oci:$FX/signed-bundle"
check_report bundle-wrong signed-bundle --key p256
scan p384-key 1 scan --format json --verify-key "$KEY_P384" "oci:$FX/signed-p384"
check_report p384-key signed-p384 --key p384
scan bad-digest-key 1 scan --format json --verify-key "$KEY_P256" "oci:$FX/bad-digest"
check_report bad-digest-key bad-digest --key p256
scan bad-sig-key 1 scan --format json --verify-key "$KEY_P256" "oci:$FX/bad-sig"
check_report bad-sig-key bad-sig --key p256
scan all-keys 1 scan --format json --verify-key "$KEY_P256" --verify-key "$KEY_ED" "oci:$FX/all"
check_report all-keys all --key p256 --key ed25519

# ---- --require-signature (npm-token and generic-secret, which would take the token then, disabled:
# the gate alone decides the exit)
GATE=(scan --format json --fail-on critical --disable-rule npm-token --disable-rule generic-secret --require-signature)
scan require-nokey 2 scan --format json --require-signature "oci:$FX/signed-legacy"
if grep -q -- '--verify-key' "$WORK/out/require-nokey.err"; then
  ok "--require-signature without --verify-key: the message names --verify-key"
else
  bad "--require-signature without --verify-key: $(head -c 300 "$WORK/out/require-nokey.err")"
fi
scan require-unsigned 1 "${GATE[@]}" --verify-key "$KEY_P256" "oci:$FX/unsigned"
check_report require-unsigned unsigned --key p256 --no-npm --require missing
scan require-bad-sig 1 "${GATE[@]}" --verify-key "$KEY_P256" "oci:$FX/bad-sig"
check_report require-bad-sig bad-sig --key p256 --no-npm --require invalid
scan require-wrong-key 1 "${GATE[@]}" --verify-key "$KEY_OTHER" "oci:$FX/signed-bundle"
check_report require-wrong-key signed-bundle --key other --no-npm --require invalid
scan require-valid 0 "${GATE[@]}" --verify-key "$KEY_P256" "oci:$FX/signed-legacy"
check_report require-valid signed-legacy --key p256 --no-npm
scan require-all 0 "${GATE[@]}" --verify-key "$KEY_OTHER" --verify-key "$KEY_ED" "oci:$FX/all"
check_report require-all all --key other --key ed25519 --no-npm

# ---- the text report and `layerscan layers`: what is attached, after the
# layers (strings counted as the JSON report of the same image counts them)
scan text 1 scan --format text --verify-key "$KEY_P256" "oci:$FX/all"
scan layers 0 layers "oci:$FX/all"
if "$PY" - "$FX" "$WORK/out" >"$WORK/out/present.check" 2>&1 <<'EOF'
import json, sys
fx, out = sys.argv[1:]
E = json.load(open(fx + "/expected.json"))
L = E["layouts"]["all"]
r = json.load(open(out + "/all-keys.out"))
strings = {a["digest"]: a["strings"] for a in r["image"]["attestations"]}
tok = E["npm_token"]
pv = "attestation[https://slsa.dev/provenance/v0.2]/predicate/invocation/parameters/args/build-arg:NPM_TOKEN"
legacy = next(s for s in L["signatures"] if s["format"] == "simplesigning")
bundle = next(s for s in L["signatures"] if s["format"] == "bundle")
key = fx + "/keys/cosign-p256.pub"
want_text = ["Attestations"]
want_text += ["  %s  %s  (index, %d strings)" % (a["predicate_type"], a["digest"][:19], strings[a["digest"]])
              for a in L["attestations"]]
want_text += ["  CRITICAL  npm access token  %s:1:1" % pv,
              "            in an attestation attached to the image, set by: RUN npm ci",
              "            secret: %s\u2026%s  (npm-token)" % (tok[:4], tok[-4:]), "",
              "Signatures",
              "  cosign tag  %s  verified with %s" % (legacy["digest"][:19], key),
              "  cosign referrer  %s  NOT verified: signature does not verify with %s" % (bundle["digest"][:19], key),
              ""]
text = open(out + "/text.out", encoding="utf-8").read().split("\n")
bad = 0
if "Attestations" not in text or text[text.index("Attestations"):][:len(want_text)] != want_text:
    print("text report: want the block"); [print("   " + l) for l in want_text]
    print("got:"); [print("   " + l) for l in text]
    bad = 1
want_layers = ["attestation: %s  %s  (index, manifest %s)" % (a["predicate_type"], a["digest"], a["manifest"])
               for a in L["attestations"]]
want_layers += ["signature: cosign tag  %s  not verified" % legacy["digest"],
                "signature: cosign referrer  %s  not verified" % bundle["digest"]]
lines = open(out + "/layers.out", encoding="utf-8").read().splitlines()
# the header and the two layer rows first, then what is attached
if len(lines) != 3 + len(want_layers) or not lines[0].startswith("LAYER ") or \
        not lines[1].startswith("0 ") or not lines[2].startswith("1 ") or lines[3:] != want_layers:
    print("layers: want, after the header and the two layers:"); [print("   " + l) for l in want_layers]
    print("got:"); [print("   " + l) for l in lines]
    bad = 1
sys.exit(bad)
EOF
then
  ok "text report: Attestations and Signatures sections; layers: the attached manifests after the layers"
else
  bad "text report or layers listing"
  sed 's/^/#   /' "$WORK/out/present.check"
fi

# ---- a registry: docker-registry 2.8 on 127.0.0.1, no referrers API
PORT=$(free_port)
start_registry registry "$PORT" ""
REG=127.0.0.1:$PORT
for l in all attest-blobs attest-cosign unsigned bad-sig; do
  if "$PY" "$SRC/tests/tools/oci_push.py" "$FX/$l" "http://$REG" "supply/$l" 1.0 >"$WORK/out/push-$l.log" 2>&1; then
    ok "oci_push.py $l"
  else
    bad "oci_push.py $l: $(cat "$WORK/out/push-$l.log")"
  fi
done
export LAYERSCAN_TIMEOUT=30
scan reg-all 1 scan --format json --verify-key "$KEY_P256" --verify-key "$KEY_ED" --tls-verify=false "docker://$REG/supply/all:1.0"
check_report reg-all all --key p256 --key ed25519
scan reg-all-nokey 1 scan --format json --tls-verify=false "docker://$REG/supply/all:1.0"
check_report reg-all-nokey all
scan reg-blobs 1 scan --format json --tls-verify=false "docker://$REG/supply/attest-blobs:1.0"
check_report reg-blobs attest-blobs
scan reg-cosign-att 1 scan --format json --tls-verify=false "docker://$REG/supply/attest-cosign:1.0"
check_report reg-cosign-att attest-cosign
scan reg-unsigned 1 "${GATE[@]}" --verify-key "$KEY_P256" --tls-verify=false "docker://$REG/supply/unsigned:1.0"
check_report reg-unsigned unsigned --key p256 --no-npm --require missing
scan reg-bad-sig 1 "${GATE[@]}" --verify-key "$KEY_P256" --tls-verify=false "docker://$REG/supply/bad-sig:1.0"
check_report reg-bad-sig bad-sig --key p256 --no-npm --require invalid

ls_test_finish supply-chain
