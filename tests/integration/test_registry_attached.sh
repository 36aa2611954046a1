#!/usr/bin/env bash
# test_registry_attached.sh LAYERSCAN SRCDIR WORKDIR
#
# What a registry keeps attached to an image, found by the docker://
# transport (analyzer/registry/attached.c): BuildKit attestation manifests
# in the image index, OCI 1.1 referrers (the referrers API, or the
# referrers tag schema "sha256-<hex>" where the registry has no such API,
# as distribution 2.8), cosign's legacy "sha256-<hex>.sig" tag.
#
# Fixtures: tests/tools/gen_supply.py layouts, pushed as BuildKit and cosign
# leave them in a registry by tests/tools/oci_push.py into
# tests/tools/fake_registry.py --serve-all, one repository per layout:
#   A  no referrers API (distribution 2.8): the tag schema is read
#   B  the referrers API (--referrers)
#   C  the referrers API answering 500
# Every registry report must be the OCI layout's report of the same layout
# (minus reference, transport, timing; signatures in digest order), and its
# image.signatures[] / image.attestations[] must be exactly what
# expected.json labels, with the provenance's build arg reported as an
# attestation finding. Faults: a referrers API answering 500 is one
# `errors` entry and the rest is still found; a referrer whose subject is
# another image is fetched and left out; an index entry naming another
# image is not even fetched.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
TOOLS=$SRC/tests/tools
# no proxy, no user auth file; background pids killed at exit
. "$SRC/tests/integration/registry_lib.sh"

SUP=$WORK/sup
python3 "$TOOLS/gen_supply.py" "$SUP" >/dev/null
KEYS=(--verify-key "$SUP/keys/cosign-p256.pub" --verify-key "$SUP/keys/ed25519.pub")

# start_fake NAME [fake_registry options]: P is its port, LOG its log; the
# layout it holds is the bare image, the rest is pushed per repository
start_fake() {
  local name=$1 line=
  shift
  python3 "$TOOLS/fake_registry.py" --layout "$SUP/unsigned" --port 0 --log "$WORK/$name.log" \
    --serve-all "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do
    read -r line <"$WORK/$name.out" || true
    [ -n "$line" ] && break
    sleep 0.1
  done
  [ "${line%% *}" = ready ] || { echo "fake registry $name did not start"; cat "$WORK/$name.err"; exit 1; }
  P=${line#ready }
  LOG=$WORK/$name.log
}

# push_layout LAYOUT REPO: the layout into the fake at $P as REPO:1.0
push_layout() {
  python3 "$TOOLS/oci_push.py" "$SUP/$1" "http://127.0.0.1:$P" "$2" 1.0 >"$WORK/push.log" 2>&1 ||
    { echo "oci_push $1 failed:"; cat "$WORK/push.log"; exit 1; }
}

# scan NAME REF LAYOUT MODE: the report is NAME.json, the requests it made
# NAME.requests; the case is checked at the end against expected.json's
# LAYOUT in MODE (all, or no-referrers: the referrers API failed)
cases=()
scan() {
  local rc=0
  : >"$LOG"
  timeout 300 "${LS[@]}" scan --format json --show-secrets --tls-verify=false "${KEYS[@]}" "$2" \
    >"$WORK/$1.json" 2>"$WORK/$1.stderr" || rc=$?
  expect_eq "$1: exit 1 (the findings; the scan completes)" "$rc" 1
  cp "$LOG" "$WORK/$1.requests"
  cases+=("$1" "$3" "$4" "${2#docker://}")
}

# asked NAME STATUS PATH: did scan NAME GET PATH, answered STATUS?
asked() {
  grep -F "\"path\": \"$3\"" "$WORK/$1.requests" | grep -qF "\"status\": $2,"
}

# the layouts' own reports, the reference for the registry's
for l in all attest-subject bad-sig; do
  "${LS[@]}" scan --format json --show-secrets "${KEYS[@]}" "oci:$SUP/$l" >"$WORK/layout-$l.json" \
    2>"$WORK/layout-$l.err" || true
done
IMG=$(sed -n 's/.*"image": "\(sha256:[0-9a-f]*\)".*/\1/p' "$SUP/expected.json" | head -1)
HEX=${IMG#sha256:}

# A. distribution 2.8's way: no referrers API (404), the tag schema instead
start_fake plain
push_layout all layerscan/all
scan tagschema "docker://127.0.0.1:$P/layerscan/all:1.0" all all
check "tag schema: the referrers API answered 404" asked tagschema 404 "/v2/layerscan/all/referrers/$IMG"
check "tag schema: then tag sha256-<hex> was read" asked tagschema 200 "/v2/layerscan/all/manifests/sha256-$HEX"
check "tag schema: cosign's .sig tag read" asked tagschema 200 "/v2/layerscan/all/manifests/sha256-$HEX.sig"
check "tag schema: cosign's .att tag asked for (none)" asked tagschema 404 "/v2/layerscan/all/manifests/sha256-$HEX.att"

push_layout bad-sig layerscan/badsig
scan badsig "docker://127.0.0.1:$P/layerscan/badsig:1.0" bad-sig all

# an image index listing the image, an OCI 1.1 artifact (the subject-form
# attestation) and an attestation naming another image; no referrers API
# and an empty tag schema index: only the index entries tell
push_layout attest-subject layerscan/entries
python3 - "$SUP" "$P" "$HEX" <<'EOF'
import json, sys, urllib.request
sup, port, hexd = sys.argv[1:]
MT_INDEX = "application/vnd.oci.image.index.v1+json"
entries = json.load(open(sup + "/attest-subject/index.json"))["manifests"]
image = dict(entries[0], platform={"architecture": "amd64", "os": "linux"})
image.pop("annotations", None)
other = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "1" * 64, "size": 500,
         "platform": {"architecture": "unknown", "os": "unknown"},
         "annotations": {"vnd.docker.reference.digest": "sha256:" + "2" * 64,
                         "vnd.docker.reference.type": "attestation-manifest"}}
multi = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [image, entries[1], other]}
empty = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": []}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for tag, doc in (("multi", multi), ("sha256-" + hexd, empty)):
    url = "http://127.0.0.1:%s/v2/layerscan/entries/manifests/%s" % (port, tag)
    opener.open(urllib.request.Request(url, data=json.dumps(doc).encode(), method="PUT",
                                       headers={"Content-Type": MT_INDEX})).read()
EOF
scan entries "docker://127.0.0.1:$P/layerscan/entries:multi" attest-subject all
if grep -q "sha256:1111" "$WORK/entries.requests"; then
  bad "index entries: the other image's attestation was fetched"
else
  ok "index entries: the other image's attestation not fetched"
fi

# B. the referrers API, whose answers also list a manifest about another
#    image (to be fetched, checked and left out)
start_fake api --referrers --referrers-stray
push_layout all layerscan/all
scan api "docker://127.0.0.1:$P/layerscan/all:1.0" all all
check "referrers API: asked, answered 200" asked api 200 "/v2/layerscan/all/referrers/$IMG"
if grep -qF "/manifests/sha256-$HEX\"" "$WORK/api.requests"; then
  bad "referrers API: the tag schema was read too"
else
  ok "referrers API: no tag schema read"
fi
STRAY=$(grep -o '"path": "/v2/layerscan/all/manifests/sha256:[0-9a-f]*"' "$WORK/api.requests" |
  grep -o 'sha256:[0-9a-f]*' | sort -u | while read -r d; do grep -qF "$d" "$WORK/layout-all.json" || echo "$d"; done)
expect_eq "referrers API: manifests fetched that the report does not name (the stray)" \
  "$(echo "$STRAY" | grep -c sha256: || true)" 1
push_layout attest-subject layerscan/subject
scan subject "docker://127.0.0.1:$P/layerscan/subject:1.0" attest-subject all

# C. the referrers API failing: one error, the index and the tags still read
start_fake broken --referrers-status 500
push_layout all layerscan/all
scan broken "docker://127.0.0.1:$P/layerscan/all:1.0" all no-referrers

# every case: signatures, attestations, the attestation finding as labelled,
# and the layout's report (or, with the API failing, exactly one error)
python3 - "$WORK" "$SUP" "${cases[@]}" >"$WORK/cases.out" <<'EOF'
import difflib, json, os, sys
work, sup, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
exp = json.load(open(os.path.join(sup, "expected.json")))
given = {"p256": "keys/cosign-p256.pub", "ed25519": "keys/ed25519.pub"}  # the --verify-key files
PROV = "https://slsa.dev/provenance/v0.2"


def norm(x):
    x = json.loads(json.dumps(x))
    for k in ("reference", "transport"):
        x["image"].pop(k)
    x["stats"].pop("seconds")
    x["tool"].pop("version", None)
    x["image"]["signatures"].sort(key=lambda s: s["digest"])
    return json.dumps(x, indent=1, sort_keys=True).splitlines()


def check(name, layout, mode, ref):
    r = json.load(open(os.path.join(work, name + ".json")))
    lab = exp["layouts"][layout]
    skip = "referrer" if mode == "no-referrers" else None
    problems = []

    def same(what, got, want):
        if got != want:
            problems.append("%s:\n  got  %s\n  want %s" % (what, json.dumps(got, sort_keys=True),
                                                           json.dumps(want, sort_keys=True)))

    want = [{"kind": s["kind"], "source": s["source"], "digest": s["digest"],
             "verified": s["valid"] and s["key"] in given,
             "key": os.path.join(sup, given[s["key"]]) if s["key"] in given else None}
            for s in lab["signatures"] if s["source"] != skip]
    got = [{k: g[k] for k in ("kind", "source", "digest", "verified", "key")} for g in r["image"]["signatures"]]
    same("signatures", sorted(got, key=lambda g: g["digest"]), sorted(want, key=lambda g: g["digest"]))
    same("errors of verified signatures", [g["error"] for g in r["image"]["signatures"] if g["verified"]],
         [None for g in want if g["verified"]])
    keys = ("manifest", "digest", "media_type", "predicate_type", "source")
    want = [{k: a[k] for k in keys} for a in lab["attestations"] if a["source"] != skip]
    got = [{k: a[k] for k in keys} for a in r["image"]["attestations"]
           if a["media_type"] == "application/vnd.in-toto+json"]
    same("in-toto attestations", got, want)
    got = [{k: f[k] for k in ("rule", "source", "path", "layer", "status", "history", "secret")}
           for f in r["findings"] if f["source"] == "attestation"]
    want = [{"rule": "npm-token", "source": "attestation",
             "path": "attestation[%s]/predicate/invocation/parameters/args/build-arg:NPM_TOKEN" % PROV,
             "layer": None, "status": "metadata", "history": exp["images"][lab["base"]]["build_arg_history"],
             "secret": exp["npm_token"]}] if any(a["predicate_type"] == PROV for a in want) else []
    same("attestation findings", got, want)
    if mode == "no-referrers":
        same("errors", r["errors"], [{"layer": None, "path": None, "message":
             "attached manifests: %s referrers of %.19s: 500 Internal Server Error: referrers are broken here"
             % (ref, lab["image"])}])
    else:
        a, b = norm(r), norm(json.load(open(os.path.join(work, "layout-%s.json" % layout))))
        if a != b:
            problems.append("differs from the layout's report:\n" + "\n".join(
                list(difflib.unified_diff(b, a, "layout", "registry", lineterm="", n=1))[:40]))
    what = {"all": "as labelled, the layout's report", "no-referrers": "as labelled but the referrers, one error"}
    print("%s %s: %s%s" % ("FAIL" if problems else "ok  ", name, what[mode],
                           "".join("\n    " + l for p in problems for l in p.splitlines())))


for i in range(0, len(cases), 4):
    check(*cases[i:i + 4])
EOF
cat "$WORK/cases.out"
fails=$((fails + $(grep -c '^FAIL' "$WORK/cases.out" || true)))

ls_test_finish test_registry_attached
