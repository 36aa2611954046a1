#!/usr/bin/env bash
# test_platform_all.sh LAYERSCAN SRCDIR WORKDIR
#
# `scan --platform all`: every image of a multi-platform index in one report,
# a layer the platforms share read once.
#
#  1. mkimage fixture (tests/tools/gen_platforms.py): linux/amd64 and
#     linux/arm64/v8 sharing layer 0 (/app/shared.env, a github-pat), amd64's
#     layer 1 adds /app/amd.ini (aws-access-key-id), arm64's layer 1 deletes
#     /app/shared.env; a BuildKit attestation manifest (unknown/unknown) about
#     amd64 in the index. As an OCI layout, an oci-archive, pushed to a local
#     docker-registry (skopeo copy --all) and scanned over docker://, and one
#     platform as a docker-archive (one image: one platform).
#  2. buildah: `buildah bud --platform linux/amd64|arm64` of FROM scratch + COPY
#     (no emulation), `buildah manifest create/add/push --all oci:DIR`: the
#     shared COPY layer is one blob; arm64 overwrites /app/shared.env.
#  3. one line, exit 2: --platform all for another command, an index whose
#     images no platform tells apart, a stream of several platforms.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
TOOLS=$SRC/tests/tools
# shellcheck source=registry_lib.sh
. "$SRC/tests/integration/registry_lib.sh"

# Podman-family tools refuse a run root over 50 characters: a short dir.
T=$(mktemp -d /tmp/lsp.XXXXXX)
platform_all_cleanup() {
  registry_lib_cleanup
  rm -rf "$T"
}
trap platform_all_cleanup EXIT

python3 "$TOOLS/gen_platforms.py" "$WORK/fx" || { echo "gen_platforms.py failed"; exit 1; }
read -r SHARED AMD < <(python3 -c 'import json,sys; k = json.load(open(sys.argv[1])); print(k["shared"], k["amd"])' "$WORK/fx/keys.json")
export SHARED AMD WORK

# check_report NAME REPORT EXPECT.py: EXPECT's asserts over the JSON report r
# (python: r, the findings as tuples in f, the platforms in p)
check_report() {
  local name=$1 report=$2
  if python3 - "$report" "$3" >"$WORK/$name.check" 2>&1 <<'EOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
f = [(x["rule"], x["path"], x["platform"], x["layer"], x["history"], x["instruction"], x["status"],
      x["removed_in_layer"], x["secret"]) for x in r["findings"]]
p = r["image"]["platforms"]
S, A = os.environ["SHARED"], os.environ["AMD"]
exec(sys.argv[2])
EOF
  then ok "$name"; else bad "$name: $(tail -5 "$WORK/$name.check")"; fi
}

# ---- 1. the mkimage fixture -------------------------------------------------
MK_EXPECT='
assert f == [
 ("github-pat", "/app/shared.env", "linux/amd64", 0, 0, "COPY shared.env /app/", "present", None, S),
 ("aws-access-key-id", "/app/amd.ini", "linux/amd64", 1, 1, "COPY amd.ini /app/", "present", None, A),
 ("github-pat", "/app/shared.env", "linux/arm64/v8", 2, 2, "COPY shared.env /app/", "deleted", 3, S),
], f
assert [(x["platform"], x["os"], x["architecture"], x["variant"], x["first_layer"], x["layers"],
         x["first_history"], x["history"]) for x in p] == [
 ("linux/amd64", "linux", "amd64", None, 0, 2, 0, 2),
 ("linux/arm64/v8", "linux", "arm64", "v8", 2, 2, 2, 2)], p
assert all(x["manifest_digest"].startswith("sha256:") and x["config_digest"].startswith("sha256:") for x in p)
assert p[0]["manifest_digest"] != p[1]["manifest_digest"]
img = r["image"]
assert img["config_digest"] is None and img["os"] is None and img["architecture"] is None, img
L = r["layers"]
assert [(l["index"], l["history"], l["platform"]) for l in L] == [
 (0, 0, "linux/amd64"), (1, 1, "linux/amd64"), (2, 2, "linux/arm64/v8"), (3, 3, "linux/arm64/v8")], L
assert L[0]["digest"] == L[2]["digest"] and L[1]["digest"] != L[3]["digest"]
assert [(h["index"], h["layer"], h["platform"]) for h in r["history"]] == [
 (0, 0, "linux/amd64"), (1, 1, "linux/amd64"), (2, 2, "linux/arm64/v8"), (3, 3, "linux/arm64/v8")]
assert r["history"][3]["instruction"].startswith("RUN rm /app/shared.env"), r["history"][3]
st = r["stats"]
assert (st["layers"], st["platforms"], st["layers_read"], st["layers_reused"], st["findings"]) == (4, 2, 3, 1, 3), st
assert r["errors"] == [], r["errors"]
'
"${LS[@]}" scan --platform all --show-secrets --format json -o "$WORK/oci.json" "oci:$WORK/fx/oci"
expect_eq "oci: exit 1 (findings)" "$?" 1
check_report oci "$WORK/oci.json" "$MK_EXPECT"
check_report oci-index "$WORK/oci.json" '
# index.json names one nested index: that index is the image, its digest the manifest_digest
idx = json.load(open(os.environ["WORK"] + "/fx/oci/index.json"))["manifests"][0]["digest"]
assert r["image"]["manifest_digest"] == idx, (r["image"]["manifest_digest"], idx)
# the attestation (unknown/unknown) is not a platform; it is about amd64
a = r["image"]["attestations"]
assert [(x["platform"], x["source"], x["predicate_type"]) for x in a] == [
 ("linux/amd64", "index", "https://slsa.dev/provenance/v0.2")], a
'

"${LS[@]}" scan --platform all --show-secrets --format json -o "$WORK/archive.json" "oci-archive:$WORK/fx/image.tar"
expect_eq "oci-archive: exit 1" "$?" 1
check_report oci-archive "$WORK/archive.json" "$MK_EXPECT"

# the caller's cache (--cache): the second run reads no layer at all (the
# compiled rules copied in from the build tree's cache: a cold compile is 20 s)
CACHE=$WORK/cache
mkdir -p "$CACHE" && chmod 700 "$CACHE"
cp "${LAYERSCAN_CACHE_DIR:-/nonexistent}"/*.hsdb "$CACHE"/ 2>/dev/null || true
"${LS[@]}" scan --platform all --cache "$CACHE" --format json -o "$WORK/c1.json" "oci:$WORK/fx/oci"
"${LS[@]}" scan --platform all --cache "$CACHE" --format json -o "$WORK/c2.json" "oci:$WORK/fx/oci"
check_report cache-warm "$WORK/c2.json" '
st = r["stats"]
assert (st["layers_read"], st["layers_reused"]) == (0, 4), st
assert [x[:8] for x in f] == [
 ("github-pat", "/app/shared.env", "linux/amd64", 0, 0, "COPY shared.env /app/", "present", None),
 ("aws-access-key-id", "/app/amd.ini", "linux/amd64", 1, 1, "COPY amd.ini /app/", "present", None),
 ("github-pat", "/app/shared.env", "linux/arm64/v8", 2, 2, "COPY shared.env /app/", "deleted", 3)], f
'

# the other writers show the platform
"${LS[@]}" scan --platform all "oci:$WORK/fx/oci" >"$WORK/text.out"
check "text: platform on each layer heading" grep -q '^Layer 2  \[linux/arm64/v8\] sha256:' "$WORK/text.out"
check "text: header lists the platforms" grep -q '2 platforms: linux/amd64 linux/arm64/v8)' "$WORK/text.out"
"${LS[@]}" scan --platform all --format sarif -o "$WORK/r.sarif" "oci:$WORK/fx/oci"
check_report sarif "$WORK/oci.json" '
s = json.load(open(os.environ["WORK"] + "/r.sarif"))["runs"][0]
got = [(x["ruleId"], x["properties"]["layer"], x["properties"]["platform"]) for x in s["results"]]
assert got == [("github-pat", 0, "linux/amd64"), ("aws-access-key-id", 1, "linux/amd64"),
               ("github-pat", 2, "linux/arm64/v8")], got
assert s["properties"]["image"]["platforms"] == ["linux/amd64", "linux/arm64/v8"]
'
"${LS[@]}" scan --platform all --format html -o "$WORK/r.html" "oci:$WORK/fx/oci"
check "html: the platforms scanned" grep -q 'Platforms scanned</dt><dd>linux/amd64 (layers 0&ndash;1), linux/arm64/v8 (layers 2&ndash;3)' "$WORK/r.html"
# --fail-on over every platform: the deleted arm64 copy alone is critical too
"${LS[@]}" scan --platform all --fail-on critical -o "$WORK/failon.txt" "oci:$WORK/fx/oci"
expect_eq "--fail-on critical: exit 1" "$?" 1

# one image without an index: a report of it with one platform
python3 "$TOOLS/mkimage.py" "$WORK/fx/spec.json" "$WORK/one.tar" --format docker-archive
"${LS[@]}" scan --platform all --show-secrets --format json -o "$WORK/one.json" "docker-archive:$WORK/one.tar"
check_report docker-archive "$WORK/one.json" '
assert [x[:5] + x[6:] for x in f] == [("github-pat", "/app/shared.env", "linux/amd64", 0, 0, "present", None, S)], f
assert [(x["platform"], x["first_layer"], x["layers"]) for x in p] == [("linux/amd64", 0, 1)], p
assert r["image"]["os"] == "linux" and r["image"]["config_digest"] == p[0]["config_digest"]
assert (r["stats"]["layers_read"], r["stats"]["layers_reused"]) == (1, 0), r["stats"]
'

# ---- the registry: docker:// pinned to the index it names -------------------
PA=$(free_port)
start_registry A "$PA" ""
A=127.0.0.1:$PA
push "oci:$WORK/fx/oci:1.0" "docker://$A/multi:1.0" --dest-tls-verify=false --all
"${LS[@]}" scan --platform all --show-secrets --tls-verify=false --format json -o "$WORK/reg.json" "docker://$A/multi:1.0"
expect_eq "registry: exit 1" "$?" 1
check_report registry "$WORK/reg.json" "$MK_EXPECT"
check_report registry-index "$WORK/reg.json" '
assert r["image"]["reference"].endswith("/multi:1.0"), r["image"]["reference"]
assert r["image"]["transport"] == "docker"
assert r["image"]["manifest_digest"].startswith("sha256:"), r["image"]
'

# ---- 2. buildah ---------------------------------------------------------------
mkdir -p "$T/ctx"
printf 'GITHUB_TOKEN=%s\n' "$SHARED" >"$T/ctx/shared.env"
printf 'aws_access_key_id = %s\n' "$AMD" >"$T/ctx/amd64.ini"
printf 'nothing to see\n' >"$T/ctx/clean.env"
printf 'FROM scratch\nCOPY shared.env /app/shared.env\nCOPY amd64.ini /app/arch.ini\n' >"$T/ctx/Containerfile.amd64"
printf 'FROM scratch\nCOPY shared.env /app/shared.env\nCOPY clean.env /app/shared.env\n' >"$T/ctx/Containerfile.arm64"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$T/policy.json"
printf 'unqualified-search-registries = []\n' >"$T/registries.conf"
export BUILDAH_ISOLATION=chroot REGISTRIES_CONFIG_PATH=$T/registries.conf
bah() { timeout 120 buildah --root "$T/root" --runroot "$T/run" --storage-driver vfs "$@" >>"$WORK/buildah.log" 2>&1; }
if bah bud --signature-policy "$T/policy.json" --layers --timestamp 0 --platform linux/amd64 \
       -f "$T/ctx/Containerfile.amd64" -t plat-amd64 "$T/ctx" &&
   bah bud --signature-policy "$T/policy.json" --layers --timestamp 0 --platform linux/arm64 \
       -f "$T/ctx/Containerfile.arm64" -t plat-arm64 "$T/ctx" &&
   bah manifest create plat-list &&
   bah manifest add plat-list containers-storage:localhost/plat-amd64 &&
   bah manifest add plat-list containers-storage:localhost/plat-arm64 &&
   bah manifest push --signature-policy "$T/policy.json" --all plat-list "oci:$WORK/buildah"; then
  ok "buildah built and pushed the two-platform list"
  "${LS[@]}" scan --platform all --show-secrets --format json -o "$WORK/buildah.json" "oci:$WORK/buildah"
  expect_eq "buildah: exit 1" "$?" 1
  check_report buildah "$WORK/buildah.json" '
ins = [x[5] for x in f]
assert [x[:5] + x[6:] for x in f] == [
 ("github-pat", "/app/shared.env", "linux/amd64", 0, 0, "present", None, S),
 ("aws-access-key-id", "/app/arch.ini", "linux/amd64", 1, 1, "present", None, A),
 ("github-pat", "/app/shared.env", "linux/arm64", 2, 2, "overwritten", 3, S)], f
assert ins[0].startswith("COPY file:") and ins[0].endswith(" in /app/shared.env") and ins[2] == ins[0], ins
assert [(x["platform"], x["first_layer"], x["layers"], x["first_history"], x["history"]) for x in p] == [
 ("linux/amd64", 0, 2, 0, 2), ("linux/arm64", 2, 2, 2, 2)], p
assert r["layers"][0]["digest"] == r["layers"][2]["digest"]
assert (r["stats"]["layers_read"], r["stats"]["layers_reused"]) == (3, 1), r["stats"]
assert r["image"]["manifest_digest"].startswith("sha256:")
'
else
  bad "buildah could not build the fixture: $(tail -5 "$WORK/buildah.log")"
fi

# ---- 3. refused with one line, exit 2 -----------------------------------------
refused() { # NAME WANT-IN-MESSAGE ARGS...
  local name=$1 want=$2
  shift 2
  "${LS[@]}" "$@" >"$WORK/refused.out" 2>"$WORK/refused.err" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/refused.err")" -eq 1 ] && grep -qF -- "$want" "$WORK/refused.err" &&
     [ ! -s "$WORK/refused.out" ]; then
    ok "$name"
  else
    bad "$name: exit $rc, stderr: $(cat "$WORK/refused.err")"
  fi
}
for cmd in layers history diff; do
  refused "$cmd --platform all" "only scan reads every platform; $cmd takes one" "$cmd" --platform all "oci:$WORK/fx/oci"
done
refused "extract --platform all" "only scan reads every platform" extract --platform all "oci:$WORK/fx/oci" 1 /app/amd.ini
refused "audit --platform all" "only scan reads every platform" audit --platform all "$WORK/list.txt"
refused "an unknown platform still" "platform linux/s390x not in image (available: linux/amd64, linux/arm64/v8)" \
  scan --platform linux/s390x "oci:$WORK/fx/oci"
# an index of two images without a platform: nothing tells them apart
python3 - "$WORK/fx/oci" "$WORK/noplat" <<'EOF'
import hashlib, json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copytree(src, dst)
blobs = os.path.join(dst, "blobs", "sha256")
top = json.load(open(os.path.join(dst, "index.json")))["manifests"][0]["digest"][7:]
nested = json.load(open(os.path.join(blobs, top)))
for m in nested["manifests"]:
    m.pop("platform", None)
nested["manifests"] = [m for m in nested["manifests"] if "annotations" not in m]
data = json.dumps(nested).encode()
h = hashlib.sha256(data).hexdigest()
open(os.path.join(blobs, h), "wb").write(data)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
           "digest": "sha256:" + h, "size": len(data)}]}, open(os.path.join(dst, "index.json"), "w"))
EOF
refused "an index no platform tells apart" "lists 2 images, not all with a platform: --platform all cannot tell them apart" \
  scan --platform all "oci:$WORK/noplat"
# one image of the index unreadable (arm64's config does not match its
# digest): the scan fails, naming the platform
python3 - "$WORK/fx/oci" "$WORK/badcfg" <<'EOF'
import json, os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
shutil.copytree(src, dst)
b = os.path.join(dst, "blobs", "sha256") + "/"
top = json.load(open(os.path.join(dst, "index.json")))["manifests"][0]["digest"][7:]
arm = [m for m in json.load(open(b + top))["manifests"]
       if m.get("platform", {}).get("architecture") == "arm64"][0]["digest"][7:]
cfg = json.load(open(b + arm))["config"]["digest"][7:]
open(b + cfg, "a").write(" ")
EOF
refused "an unreadable platform" "platform linux/arm64/v8: $WORK/badcfg: blobs/sha256/" scan --platform all "oci:$WORK/badcfg"
# a stream is read once: several platforms in it cannot be scanned one by one
"${LS[@]}" scan --platform all oci-archive:- <"$WORK/fx/image.tar" >"$WORK/refused.out" 2>"$WORK/refused.err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$WORK/refused.err")" -eq 1 ] &&
   grep -qF -- "holds 2 platforms: save it to a file" "$WORK/refused.err"; then
  ok "a stream of two platforms"
else
  bad "a stream of two platforms: exit $rc, stderr: $(cat "$WORK/refused.err")"
fi
# a stream of one image: its report, one platform
"${LS[@]}" scan --platform all --show-secrets --format json -o "$WORK/stream.json" docker-archive:- <"$WORK/one.tar"
check_report stream-one "$WORK/stream.json" '
assert [x[:4] for x in f] == [("github-pat", "/app/shared.env", "linux/amd64", 0)], f
assert [x["platform"] for x in p] == ["linux/amd64"], p
'

ls_test_finish test_platform_all
