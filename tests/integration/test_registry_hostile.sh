#!/usr/bin/env bash
# test_registry_hostile.sh LAYERSCAN SRCDIR WORKDIR
#
# What a hostile (or broken) registry can do to a client, served by
# tests/tools/fake_registry.py on 127.0.0.1, and what layerscan must do about
# it: end each case with the exact error (exit 2 for an unusable image, an
# `errors` entry of the layer otherwise, the other layers still scanned), and
# within a time bound (the limits are lowered: --registry-timeout 2s,
# --registry-stall 2s, --image-timeout 3s; every case must end within 30 s).
#   drip        the manifest at one byte a second        --registry-timeout
#   token       a token service that never answers       --registry-timeout
#   busy        a token service answering 503 with Retry-After: 1 three times
#               (the token request has the retries of every request: four
#               attempts, Retry-After honoured)
#   stall       a blob that stops halfway                --registry-stall
#   image       a stalled blob under --image-timeout in an audit: that image's
#               line is an error, the next image is scanned
#   size        a layer descriptor without size, with size 0, with 2^62; an
#               endless chunked blob with and without a size
#   flood       20000 response headers; one header of 200 KB
#   reset       connection resets at byte offsets 0, 1, 100 of every blob
#               (resumed with Range: the report equals the layout's), and at
#               every attempt (each layer an error)
#   range       a resumed blob whose Content-Range starts elsewhere
#   cycle       tags/list and _catalog whose Link pages form a cycle, names
#               repeated on every page: registry ls and audit --registry end,
#               each name once; a catalog of more names than the cap
# and --max-layer-size on every local transport (oci, oci-archive,
# docker-archive, a bare layer tar).
set -euo pipefail

. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
TOOLS=$SRC/tests/tools
mkdir -p "$WORK/out"
BOUND=30 # seconds any one case may take (they take 0.5 to 5 s)
# a cache of our own: the first scan compiles the rules (no time bound: a
# minute or more under ASan), every later run finds them compiled; and no
# layer result from another test can spare an audit here its fetches
export LAYERSCAN_CACHE_DIR=$WORK/cache
HARD_STOP=$((3 * BOUND))
# free_port, wait_port; hermetic HOME, no proxy; background processes killed
. "$SRC/tests/integration/registry_lib.sh"

fails=0
passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

LEAKY=$SRC/samples/leaky-oci
LIMITS=(--tls-verify=false --registry-timeout 2s --registry-stall 2s)

# run NAME ARGS...: layerscan with a hard stop at 3 x BOUND; keeps stdout,
# stderr, exit status and seconds under out/NAME.*
run() {
  local name=$1 rc=0 t0 t1
  shift
  t0=$(date +%s%N)
  timeout "$HARD_STOP" "${LS[@]}" "$@" >"$WORK/out/$name.json" 2>"$WORK/out/$name.err" || rc=$?
  t1=$(date +%s%N)
  echo "$rc" >"$WORK/out/$name.rc"
  echo $(((t1 - t0) / 1000000)) >"$WORK/out/$name.ms"
}
rc_of() { cat "$WORK/out/$1.rc"; }

# in_time NAME: the case ended within BOUND seconds
in_time() {
  local ms
  ms=$(cat "$WORK/out/$1.ms")
  if [ "$ms" -lt $((BOUND * 1000)) ]; then return 0; fi
  fail "$1: took ${ms} ms (bound ${BOUND} s)"
  return 1
}

# expect_exit2 NAME LINE: exit 2 and exactly LINE on stderr, in time
expect_exit2() {
  local name=$1 want="layerscan: $2"
  in_time "$name" || return 0
  if [ "$(rc_of "$name")" = 2 ] && [ "$(cat "$WORK/out/$name.err")" = "$want" ]; then
    ok "$name: exit 2 in $(cat "$WORK/out/$name.ms") ms: $2"
  else
    fail "$name: want exit 2 and \"$want\"; got exit $(rc_of "$name"):"
    sed 's/^/    /' "$WORK/out/$name.err" | head -5
  fi
}

# expect_layer_errors NAME JSON: exit 1, a report whose errors are exactly
# those of JSON ({"layer": [first message, how many entries]}, the first
# message exact: a cut blob also gets its digest mismatches), every layer not
# named scanned without error, in time
expect_layer_errors() {
  local name=$1 want=$2
  in_time "$name" || return 0
  if [ "$(rc_of "$name")" = 1 ] && python3 - "$WORK/out/$name.json" "$want" >"$WORK/out/$name.why" 2>&1 <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
want = {int(k): v for k, v in json.loads(sys.argv[2]).items()}
by_layer = {}
for e in r["errors"]:
    by_layer.setdefault(e["layer"], []).append(e["message"])
assert set(by_layer) == set(want), (sorted(by_layer), sorted(want), r["errors"][:3])
for layer, (first, count) in want.items():
    got = by_layer[layer]
    assert got[0] == first, (layer, got[0], first)
    assert count is None or len(got) == count, (layer, got)
for l in r["layers"]:
    if l["index"] not in want:
        assert l["digest_verified"], l
EOF
  then
    ok "$name: exit 1 in $(cat "$WORK/out/$name.ms") ms, the layer errors exactly, the other layers scanned"
  else
    fail "$name: exit $(rc_of "$name"): $(tail -c 600 "$WORK/out/$name.why") $(head -c 300 "$WORK/out/$name.err")"
  fi
}

# no_fetch LOG DIGEST: the fake registry was never asked for that blob
no_fetch() { ! grep -qF "/blobs/$2" "$1"; }


# the layout's own report, and the digests of its layers (compiling the rules)
HARD_STOP=600 run layout scan --format json --show-secrets "oci:$LEAKY"
[ "$(rc_of layout)" = 1 ] || { echo "layout scan failed: $(cat "$WORK/out/layout.err")"; exit 1; }
mapfile -t DIGESTS < <(python3 -c 'import json,sys; [print(l["digest"]) for l in json.load(open(sys.argv[1]))["layers"]]' "$WORK/out/layout.json")
mapfile -t SIZES < <(python3 -c 'import json,sys; [print(l["compressed_bytes"]) for l in json.load(open(sys.argv[1]))["layers"]]' "$WORK/out/layout.json")
short() { echo "${DIGESTS[$1]:0:19}"; } # as blob labels show a digest

# same_as_layout NAME: the registry report equals the layout's (minus
# reference, transport, timings)
same_as_layout() {
  python3 - "$WORK/out/$1.json" "$WORK/out/layout.json" <<'EOF'
import json, sys
def norm(p):
    r = json.load(open(p))
    r["image"].pop("reference"); r["image"].pop("transport")
    r["stats"].pop("seconds"); r["tool"].pop("version", None)
    return r
a, b = norm(sys.argv[1]), norm(sys.argv[2])
assert a == b, "reports differ"
EOF
}

# ---- time limits --------------------------------------------------------------
start_fake drip --drip-manifest
run drip scan "${LIMITS[@]}" "docker://$R"
expect_exit2 drip "$R: no complete answer within 2s (--registry-timeout)"

start_fake token --token-stall
run token scan "${LIMITS[@]}" --jobs 4 "docker://$R"
expect_exit2 token "$R: token service 127.0.0.1:$P/token: no complete answer within 2s (--registry-timeout)"
if [ "$(grep -c '"/token"' "$WORK/token.log")" = 1 ]; then
  ok "token: the stalled token service was asked once"
else
  fail "token: $(grep -c '"/token"' "$WORK/token.log") token requests"
fi

# every layer reader meets a 401 at once: one token fetch (outside the
# lock, a second long) serves them all
start_fake rotate --token-rotate
run rotate scan --format json --show-secrets "${LIMITS[@]}" --jobs 8 "docker://$R"
if in_time rotate && [ "$(rc_of rotate)" = 1 ] && same_as_layout rotate && [ "$(grep -c '"/token"' "$WORK/rotate.log")" = 2 ]; then
  ok "rotate: 8 layer readers refused at once shared one token fetch; the report equals the layout's"
else
  fail "rotate: exit $(rc_of rotate), $(grep -c '"/token"' "$WORK/rotate.log") token requests: $(head -c 300 "$WORK/out/rotate.err")"
fi

# the token service is busy: 503 with Retry-After: 1 three times, and a retry
# sooner than that second is refused (400). The token request goes through
# the request loop like every request: four attempts, Retry-After honoured,
# so the fourth answer brings the token and the scan completes
start_fake busy --token-busy 3
run busy scan --format json --show-secrets "${LIMITS[@]}" "docker://$R"
busy_statuses=$(python3 -c 'import json,sys; print(" ".join(str(j["status"]) for j in map(json.loads, open(sys.argv[1])) if j["path"] == "/token"))' "$WORK/busy.log")
if in_time busy && [ "$(rc_of busy)" = 1 ] && same_as_layout busy && [ "$busy_statuses" = "503 503 503 200" ]; then
  ok "busy: the token service's 503 + Retry-After was waited out and retried (token answers: $busy_statuses); the report equals the layout's"
else
  fail "busy: exit $(rc_of busy), token answers \"$busy_statuses\": $(head -c 300 "$WORK/out/busy.err")"
fi

start_fake stall --stall-blob 2
run stall scan --format json "${LIMITS[@]}" "docker://$R"
expect_layer_errors stall "{\"2\": [\"layer 2: $R blob $(short 2): the transfer stalled: under 1024 bytes/s for 2s (--registry-stall)\", null]}"

# an audit: the stalled image ends at --image-timeout (the stall rule is
# longer), its line is an error, and the next image is scanned
start_fake image --stall-blob 2
python3 "$TOOLS/mkimage.py" "$SRC/tests/corpus/present/spec.json" "$WORK/present" --format oci >/dev/null
printf 'docker://%s\noci:%s\n' "$R" "$WORK/present" >"$WORK/image.list"
run image audit --tls-verify=false --registry-stall 60s --image-timeout 3s "$WORK/image.list"
if in_time image && python3 - "$WORK/out/image.json" "docker://$R" "oci:$WORK/present" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 3, lines
assert lines[0] == {"report_version": 1, "audit": {"reference": sys.argv[2]},
                    "error": {"code": "limit",
                              "message": sys.argv[2] + ": not scanned within --image-timeout 3s"}}, lines[0]
assert lines[1]["audit"]["reference"] == sys.argv[3] and not lines[1]["errors"], lines[1]
assert [f["rule"] for f in lines[1]["findings"]], lines[1]
assert lines[2]["summary"]["failed_images"] == 1 and lines[2]["summary"]["images"] == 2, lines[2]
EOF
then
  ok "image: --image-timeout 3s made the stalled image's line an error in $(cat "$WORK/out/image.ms") ms; the next image was scanned"
else
  fail "image: exit $(rc_of image): $(head -c 600 "$WORK/out/image.json")"
fi

# ---- sizes ---------------------------------------------------------------------
start_fake nosize --layer-size 2=none
run nosize scan --format json "${LIMITS[@]}" "docker://$R"
expect_layer_errors nosize "{\"2\": [\"$R blob $(short 2): the manifest declares no size for this layer, which the OCI image spec requires (not fetched)\", 1]}"
no_fetch "$WORK/nosize.log" "${DIGESTS[2]}" && ok "nosize: the blob was not fetched" || fail "nosize: the blob was fetched"

start_fake zerosize --layer-size 2=0
run zerosize scan --format json "${LIMITS[@]}" "docker://$R"
expect_layer_errors zerosize "{\"2\": [\"$R blob $(short 2): the manifest declares size 0 for this layer (not fetched)\", 1]}"

start_fake hugesize --layer-size 2=4611686018427387904
run hugesize scan --format json "${LIMITS[@]}" "docker://$R"
expect_layer_errors hugesize "{\"2\": [\"$R: layer 2 declares 4611686018427387904 bytes, more than --max-layer-size 64G (not read)\", 1]}"
no_fetch "$WORK/hugesize.log" "${DIGESTS[2]}" && ok "hugesize: the blob was not fetched" || fail "hugesize: the blob was fetched"
run hugesize-bound scan --format json "${LIMITS[@]}" --max-layer-size 300 "docker://$R"
expect_layer_errors hugesize-bound "{\"1\": [\"$R: layer 1 declares 521 bytes, more than --max-layer-size 300 (not read)\", 1], \"2\": [\"$R: layer 2 declares 4611686018427387904 bytes, more than --max-layer-size 300 (not read)\", 1]}"

start_fake endless --endless-blob 2
run endless scan --format json "${LIMITS[@]}" "docker://$R"
expect_layer_errors endless "{\"2\": [\"$R blob $(short 2): the registry sends more than the ${SIZES[2]} bytes the manifest declares\", null]}"

start_fake endless-nosize --endless-blob 2 --layer-size 2=none
run endless-nosize scan --format json "${LIMITS[@]}" "docker://$R"
expect_layer_errors endless-nosize "{\"2\": [\"$R blob $(short 2): the manifest declares no size for this layer, which the OCI image spec requires (not fetched)\", 1]}"

# ---- header floods -----------------------------------------------------------
start_fake flood-many --header-flood many
run flood-many scan "${LIMITS[@]}" "docker://$R"
expect_exit2 flood-many "$R: the response headers are too large (refused)"
start_fake flood-huge --header-flood huge
run flood-huge scan "${LIMITS[@]}" "docker://$R"
expect_exit2 flood-huge "$R: the response headers are too large (refused)"

# ---- resets and ranges ---------------------------------------------------------
for cuts in 0 1 100 0,1,100; do
  name=reset-${cuts//,/-}
  start_fake "$name" --reset-at "$cuts"
  run "$name" scan --format json --show-secrets "${LIMITS[@]}" --jobs 8 "docker://$R"
  # each blob asked for once more than it was cut, each time from where
  # the bytes stopped (a cut at 0 restarts without Range: nothing arrived)
  ranges=0
  python3 - "$WORK/$name.log" "${DIGESTS[0]}" "$cuts" >"$WORK/out/$name.why" 2>&1 <<'EOF' || ranges=1
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if "/blobs/" + sys.argv[2] in l]
pos, want = 0, [None]
for c in sys.argv[3].split(","):
    pos += int(c)
    want.append("bytes=%d-" % pos if pos else None)
assert [r["range"] for r in reqs] == want, ([r["range"] for r in reqs], want)
EOF
  if in_time "$name" && [ "$(rc_of "$name")" = 1 ] && same_as_layout "$name" && [ "$ranges" = 0 ]; then
    ok "$name: blobs cut after $cuts bytes were asked for again from where they broke; the report equals the layout's"
  else
    fail "$name: exit $(rc_of "$name"): $(cat "$WORK/out/$name.why") $(head -c 300 "$WORK/out/$name.err")"
  fi
done

start_fake reset-always --reset-at always
run reset-always scan --format json "${LIMITS[@]}" --jobs 8 "docker://$R"
want="{"
for i in 0 1 2 3 4 5 6 7; do
  want+="\"$i\": [\"layer $i: $R blob $(short $i): Recv failure: Connection reset by peer\", null]"
  [ $i = 7 ] || want+=", "
done
expect_layer_errors reset-always "$want}"
if [ "$(grep -c "/blobs/${DIGESTS[0]}" "$WORK/reset-always.log")" = 4 ]; then
  ok "reset-always: a blob is tried 4 times (3 resumes), no more"
else
  fail "reset-always: $(grep -c "/blobs/${DIGESTS[0]}" "$WORK/reset-always.log") requests of one blob"
fi

start_fake range --reset-at 100 --wrong-range
run range scan --format json "${LIMITS[@]}" --jobs 8 "docker://$R"
want="{"
for i in 0 1 2 3 4 5 6 7; do
  want+="\"$i\": [\"layer $i: $R blob $(short $i): the registry resumed at the wrong offset\", null]"
  [ $i = 7 ] || want+=", "
done
expect_layer_errors range "$want}"

# ---- Link cycles -------------------------------------------------------------
start_fake cycle --link-cycle 3
run cycle-tags registry ls --verbose "${LIMITS[@]}" "docker://127.0.0.1:$P/leaky"
if in_time cycle-tags && [ "$(rc_of cycle-tags)" = 0 ] && [ "$(tr '\n' ' ' <"$WORK/out/cycle-tags.json")" = "t0 t1 t2 " ] &&
   grep -qF "3 tags in 3 pages" "$WORK/out/cycle-tags.err"; then
  ok "cycle-tags: a cycle of 3 tag pages ends after 3 pages, each tag once"
else
  fail "cycle-tags: exit $(rc_of cycle-tags): $(cat "$WORK/out/cycle-tags.json" "$WORK/out/cycle-tags.err" | head -c 300)"
fi
run cycle-catalog registry ls --verbose "${LIMITS[@]}" "docker://127.0.0.1:$P"
if in_time cycle-catalog && [ "$(rc_of cycle-catalog)" = 0 ] && [ "$(tr '\n' ' ' <"$WORK/out/cycle-catalog.json")" = "repo0 repo1 repo2 " ] &&
   grep -qF "3 repositories in 3 pages" "$WORK/out/cycle-catalog.err"; then
  ok "cycle-catalog: a cycle of 3 catalog pages ends after 3 pages, each repository once"
else
  fail "cycle-catalog: exit $(rc_of cycle-catalog): $(cat "$WORK/out/cycle-catalog.json" "$WORK/out/cycle-catalog.err" | head -c 300)"
fi
run cycle-audit audit "${LIMITS[@]}" --registry "127.0.0.1:$P" --repos 'repo[01]' --tags t2
if in_time cycle-audit && python3 - "$WORK/out/cycle-audit.json" "$P" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
refs = [l["audit"]["reference"] for l in lines if "audit" in l]
want = ["docker://127.0.0.1:%s/repo%d:t2" % (sys.argv[2], i) for i in (0, 1)]
assert refs == want, refs
assert all("error" not in l for l in lines), lines
EOF
then
  ok "cycle-audit: audit --registry over cycling pages audits repo0:t2 and repo1:t2, once each"
else
  fail "cycle-audit: exit $(rc_of cycle-audit): $(head -c 400 "$WORK/out/cycle-audit.json") $(head -c 300 "$WORK/out/cycle-audit.err")"
fi

# ---- a repository whose tags may not be listed: its error line, the walk goes on
start_fake deny --catalog-names 4 --deny-tags r1 --deny-tags r2=401
run deny-audit audit "${LIMITS[@]}" --registry "127.0.0.1:$P" --tags 't[01]'
if [ "$(rc_of deny-audit)" = 1 ] && python3 - "$WORK/out/deny-audit.json" "$P" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
host = "127.0.0.1:%s" % sys.argv[2]
refs = [l["audit"]["reference"] for l in lines if "audit" in l]
want = ["docker://%s/r0:t0" % host, "docker://%s/r0:t1" % host, "docker://%s/r1" % host,
        "docker://%s/r2" % host, "docker://%s/r3:t0" % host, "docker://%s/r3:t1" % host]
assert refs == want, refs
errs = {l["audit"]["reference"]: l["error"] for l in lines if "error" in l}
assert sorted(errs) == ["docker://%s/r1" % host, "docker://%s/r2" % host], errs
assert errs["docker://%s/r1" % host] == {
    "code": "io", "message": "%s/r1: 403 Forbidden: requested access to the resource is denied "
    "(the credentials do not allow pulling it)" % host}, errs
# the hint after the status names where credentials come from
r2 = errs["docker://%s/r2" % host]
assert r2["code"] == "io" and r2["message"].startswith("%s/r2: 401 Unauthorized (" % host), errs
scanned = [l for l in lines if "audit" in l and "error" not in l]
assert len(scanned) == 4 and all(len(l["findings"]) > 0 for l in scanned), scanned
summary = [l for l in lines if "summary" in l]
assert summary and summary[0]["summary"]["images"] == 6 and summary[0]["summary"]["errors"] == 2, summary
EOF
then
  ok "deny-audit: tags of r1 (403) and r2 (401) not listable: one error line each, r0 and r3 audited"
else
  fail "deny-audit: exit $(rc_of deny-audit): $(head -c 1500 "$WORK/out/deny-audit.json") $(head -c 300 "$WORK/out/deny-audit.err")"
fi

# a listing of more names than the cap (one page of 1,000,001): an error naming the cap
start_fake names --catalog-names 1000001
run names registry ls --tls-verify=false "docker://127.0.0.1:$P" # a 12 MB page: the default time limit
# (not a hang case: no time bound, a million names take a while under ASan)
if [ "$(rc_of names)" = 2 ] && [ "$(cat "$WORK/out/names.err")" = "layerscan: 127.0.0.1:$P: the listing holds more than 1000000 names (the cap)" ] &&
   [ "$(wc -l <"$WORK/out/names.json")" = 1000000 ]; then
  ok "names: exit 2 naming the cap of 1000000 names, after listing that many"
else
  fail "names: exit $(rc_of names), $(wc -l <"$WORK/out/names.json") names listed: $(cat "$WORK/out/names.err")"
fi
rm -f "$WORK/out/names.json"

# ---- --max-layer-size on the local transports -----------------------------------
run local-oci scan --format json --max-layer-size 250 "oci:$LEAKY"
expect_layer_errors local-oci "{\"1\": [\"$LEAKY: layer 1 declares 521 bytes, more than --max-layer-size 250 (not read)\", 1], \"2\": [\"$LEAKY: layer 2 declares 267 bytes, more than --max-layer-size 250 (not read)\", 1], \"7\": [\"$LEAKY: layer 7 declares 285 bytes, more than --max-layer-size 250 (not read)\", 1]}"

# docker-archive members declare nothing: the read stops at the bound
DA=$SRC/samples/leaky-docker.tar
run local-docker scan --format json --max-layer-size 1K "$DA"
want="{"
for i in 0 1 2 3 4 5 6 7; do
  want+="\"$i\": [\"$DA layer $i: larger than --max-layer-size 1K (read stopped there)\", null]"
  [ $i = 7 ] || want+=", "
done
expect_layer_errors local-docker "$want}"
run local-docker-ok scan --format json --show-secrets --max-layer-size 1M "$DA"
if [ "$(rc_of local-docker-ok)" = 1 ] && [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["errors"])' "$WORK/out/local-docker-ok.json")" = "[]" ]; then
  ok "local-docker-ok: under a bound of 1M every layer is scanned"
else
  fail "local-docker-ok: exit $(rc_of local-docker-ok) $(head -c 300 "$WORK/out/local-docker-ok.err")"
fi

python3 "$TOOLS/mkimage.py" "$SRC/tests/corpus/present/spec.json" "$WORK/present-oa.tar" --format oci-archive >/dev/null
sizes=$(python3 - "$WORK/present-oa.tar" <<'EOF'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
idx = json.load(t.extractfile("index.json"))
m = json.load(t.extractfile("blobs/sha256/" + idx["manifests"][0]["digest"].split(":")[1]))
print(" ".join(str(l["size"]) for l in m["layers"]))
EOF
)
read -r s0 s1 <<<"$sizes"
bound=$(((s0 + s1) / 2)) # between the two layers' sizes
if [ "$s0" -gt "$s1" ]; then big=0; bigsize=$s0; else big=1; bigsize=$s1; fi
run local-oci-archive scan --format json --max-layer-size "$bound" "oci-archive:$WORK/present-oa.tar"
expect_layer_errors local-oci-archive "{\"$big\": [\"$WORK/present-oa.tar: layer $big declares $bigsize bytes, more than --max-layer-size $bound (not read)\", 1]}"

python3 "$TOOLS/mkimage.py" "$SRC/tests/corpus/present/spec.json" "$WORK/layer.tar" --format layer >/dev/null
lsize=$(stat -c %s "$WORK/layer.tar")
run local-layer scan --max-layer-size $((lsize - 1)) "$WORK/layer.tar"
expect_exit2 local-layer "$WORK/layer.tar: the layer is $lsize bytes, more than --max-layer-size $((lsize - 1)) (not read)"

run bad-size scan --max-layer-size 12Q "$WORK/layer.tar"
expect_exit2 bad-size "--max-layer-size 12Q: expected 1 to 1024T bytes (K, M, G, T suffixes)"
run bad-timeout scan --image-timeout 5x "$WORK/layer.tar"
expect_exit2 bad-timeout "--image-timeout 5x: expected a duration such as 90s, 10m, 1h (0 = none)"

echo "registry_hostile: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
