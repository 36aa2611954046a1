#!/usr/bin/env bash
# tests/bench/precision_image.sh LAYERSCAN [LABEL] - findings on one real, clean OCI image.
#
# Never run by ctest (it downloads). Builds, once, an OCI image from real published software
# that nobody planted a secret in, in three layers, without Docker (buildah, chroot isolation,
# its own storage under the output directory):
#   layer 1: a Debian 12 (bookworm) minbase root file system (debootstrap --variant=minbase);
#   layer 2: apt-get install --no-install-recommends of the runtimes and servers in APT_PKGS
#            below (python3 with boto3/botocore/requests/cryptography/jwt and friends,
#            openjdk-17-jre-headless, nodejs, npm, ruby, php-cli, openssh-server, nginx,
#            postgresql), run inside the root with `buildah run --isolation chroot`;
#   layer 3: /app/node_modules of the popular npm packages in NPM_PKGS below (the SDKs of AWS,
#            Azure, Google, Stripe, Twilio, Slack, GitHub; jsonwebtoken, node-forge, ssh2, the
#            database drivers, axios, express), `npm install --ignore-scripts` on this host.
# The image is kept in tests/bench/out/precision-image/image (an OCI layout, tag "precision";
# gitignored) and reused by every later run; delete that directory to build it again.
# BENCH_PRECISION_IMAGE_DIR=DIR uses DIR instead of out/precision-image.
#
# Then scans it (`LAYERSCAN scan --format json`, default policy) into
# OUT/results/LABEL.json (LABEL defaults to "run"), timed with /usr/bin/time, and prints:
# the image's size and layers, findings by severity x confidence, suppressed[] by
# suppressed_by, and every finding at high confidence or critical severity (rule, path,
# layer, redacted secret prefix) with a class the script works out from the image itself:
#   a  the file is owned by a dpkg package and its bytes match the package's md5sums;
#   b  the file is in a node_modules package's test/fixture/example/docs tree (third-party);
#   c  neither: a false positive the rules must not raise, or vendor bytes no database covers.
# Needs root (debootstrap, chroot), buildah, npm, python3, /usr/bin/time. Runs its builds
# under nice.
#
# Sourced (`. tests/bench/precision_image.sh`, as tests/bench/realistic.sh does), it only
# defines precision_image_ensure DIR: the same image built into DIR/image unless it is there
# already, then PRECISION_IMAGE=DIR/image; nothing is scanned and no option is set.

MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
APT_PKGS="python3 python3-boto3 python3-botocore python3-requests python3-cryptography python3-jwt
  python3-yaml python3-jinja2 python3-paramiko python3-oauthlib python3-google-auth python3-certifi
  python3-psycopg2 python3-pip openjdk-17-jre-headless nodejs npm ruby php-cli openssh-server
  nginx postgresql ca-certificates curl"
NPM_PKGS="@aws-sdk/client-s3 @azure/storage-blob @azure/identity @google-cloud/storage googleapis
  stripe twilio @slack/web-api @octokit/rest jsonwebtoken node-forge ssh2 pg mysql2 mongodb axios
  express dotenv lodash"

pi_log() { echo "precision_image.sh: $*" >&2; }

# build_image: OUT, IMG, STORE and BA come from precision_image_ensure (dynamic scope)
build_image() {
  [ "$(id -u)" = 0 ] || { pi_log "building the image needs root (debootstrap, chroot)"; exit 2; }
  command -v buildah >/dev/null || { pi_log "buildah is missing (apt-get install buildah)"; exit 2; }
  command -v npm >/dev/null || { pi_log "npm is missing"; exit 2; }
  if ! command -v debootstrap >/dev/null; then
    pi_log "installing debootstrap"
    apt-get install -y -qq debootstrap >/dev/null || { pi_log "apt-get install debootstrap failed"; exit 2; }
  fi
  rm -rf "$IMG" "$OUT/rootfs" "$OUT/npm"
  "${BA[@]}" rm --all >/dev/null 2>&1 || true
  "${BA[@]}" rmi --all --force >/dev/null 2>&1 || true

  pi_log "layer 1: debootstrap --variant=minbase bookworm ($MIRROR)"
  nice debootstrap --variant=minbase bookworm "$OUT/rootfs" "$MIRROR" >"$OUT/debootstrap.log" 2>&1 ||
    { tail -20 "$OUT/debootstrap.log" >&2; pi_log "debootstrap failed (see $OUT/debootstrap.log)"; exit 2; }
  cat >"$OUT/rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  rm -rf "$OUT/rootfs/var/cache/apt/archives/"*.deb "$OUT/rootfs/var/lib/apt/lists/"*_Packages
  local c m
  c=$("${BA[@]}" from scratch)
  m=$("${BA[@]}" mount "$c")
  tar -C "$OUT/rootfs" --numeric-owner -cf - . | tar -C "$m" --numeric-owner -xpf -
  "${BA[@]}" umount "$c" >/dev/null
  "${BA[@]}" config --os linux --arch amd64 --cmd /bin/bash \
    --created-by "debootstrap --variant=minbase bookworm" "$c"
  "${BA[@]}" commit -q "$c" precision-l1 >/dev/null
  "${BA[@]}" rm "$c" >/dev/null
  rm -rf "$OUT/rootfs"

  pi_log "layer 2: apt-get install $(echo $APT_PKGS | wc -w) packages (chroot)"
  c=$("${BA[@]}" from precision-l1)
  # shellcheck disable=SC2086
  nice "${BA[@]}" run --isolation chroot "$c" -- /bin/sh -ec "
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $(echo $APT_PKGS)
    apt-get clean; rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d" >"$OUT/apt.log" 2>&1 ||
    { tail -30 "$OUT/apt.log" >&2; pi_log "apt-get install in the chroot failed (see $OUT/apt.log)"; exit 2; }
  "${BA[@]}" config --created-by "apt-get install --no-install-recommends $(echo $APT_PKGS)" "$c"
  "${BA[@]}" commit -q "$c" precision-l2 >/dev/null
  "${BA[@]}" rm "$c" >/dev/null

  pi_log "layer 3: npm install --ignore-scripts $(echo $NPM_PKGS | wc -w) packages"
  mkdir -p "$OUT/npm/app"
  echo '{"name":"precision-app","version":"1.0.0","private":true}' >"$OUT/npm/app/package.json"
  # shellcheck disable=SC2086
  (cd "$OUT/npm/app" && nice npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    $NPM_PKGS) >"$OUT/npm.log" 2>&1 ||
    { tail -30 "$OUT/npm.log" >&2; pi_log "npm install failed (see $OUT/npm.log)"; exit 2; }
  c=$("${BA[@]}" from precision-l2)
  "${BA[@]}" copy "$c" "$OUT/npm/app" /app >/dev/null
  "${BA[@]}" config --workingdir /app --created-by "npm install --ignore-scripts $(echo $NPM_PKGS)" "$c"
  "${BA[@]}" commit -q "$c" precision >/dev/null
  "${BA[@]}" rm "$c" >/dev/null
  "${BA[@]}" push -q precision "oci:$IMG.tmp:precision" >/dev/null
  mv "$IMG.tmp" "$IMG"
  "${BA[@]}" rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$OUT/npm" "$STORE"
}

precision_image_ensure() { # DIR: DIR/image built unless there; PRECISION_IMAGE=DIR/image
  local OUT=$1
  local IMG=$OUT/image STORE=$OUT/storage t0
  local BA=(buildah --root "$STORE/root" --runroot "$STORE/run" --storage-driver vfs)
  if [ ! -f "$IMG/index.json" ]; then
    mkdir -p "$OUT"
    t0=$(date +%s)
    build_image
    pi_log "image built in $(($(date +%s) - t0)) s"
  fi
  PRECISION_IMAGE=$IMG
}

# sourced: only the functions above
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${BENCH_PRECISION_IMAGE_DIR:-$HERE/out/precision-image}
[ $# -ge 1 ] || { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
LS=$1
LABEL=${2:-run}
case $LABEL in */* | .* | "") echo "precision_image.sh: bad LABEL '$LABEL'" >&2; exit 2 ;; esac
[ -x "$LS" ] || { echo "precision_image.sh: $LS is not an executable" >&2; exit 2; }
LS=$(cd "$(dirname "$LS")" && pwd)/$(basename "$LS")
[ -x /usr/bin/time ] || { echo "precision_image.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
for t in python3 tar; do
  command -v "$t" >/dev/null || { echo "precision_image.sh: $t is missing" >&2; exit 2; }
done
mkdir -p "$OUT/results"
precision_image_ensure "$OUT"
IMG=$PRECISION_IMAGE

RES=$OUT/results/$LABEL.json
export LAYERSCAN_CACHE_DIR=$OUT/results/cache-$LABEL
pi_log "scanning oci:$IMG:precision with $LS"
st=0
/usr/bin/time -f '%e s wall %U+%S s CPU %M KB' -o "$OUT/results/$LABEL.time" \
  "$LS" scan --format json -o "$RES" "oci:$IMG:precision" 2>"$OUT/results/$LABEL.stderr" || st=$?
if [ "$st" -gt 1 ]; then
  cat "$OUT/results/$LABEL.stderr" >&2
  pi_log "layerscan scan failed (exit $st)"
  exit 2
fi
echo "command: $LS scan --format json -o $RES oci:$IMG:precision"
echo "scan: $(tail -1 "$OUT/results/$LABEL.time") (exit $st)"
python3 - "$IMG" "$RES" <<'EOF'
import gzip, hashlib, json, os, re, sys, tarfile

img, res = sys.argv[1], sys.argv[2]
rep = json.load(open(res))
blob = lambda d: os.path.join(img, "blobs", *d.split(":", 1))
idx = json.load(open(os.path.join(img, "index.json")))
man = json.load(open(blob(idx["manifests"][0]["digest"])))
cfg = json.load(open(blob(man["config"]["digest"])))
layers = man["layers"]
total = sum(l["size"] for l in layers)
print(f"image: {len(layers)} layers, {total / 1e6:.0f} MB compressed")
hist = [h for h in cfg.get("history", []) if not h.get("empty_layer")]
for i, l in enumerate(layers, 1):
    what = hist[i - 1].get("created_by", "") if i <= len(hist) else ""
    print(f"  layer {i}: {l['size'] / 1e6:.0f} MB  {what[:100]}")

SEVS = ["critical", "high", "medium", "low"]
CONFS = ["high", "medium", "low"]
fs = rep.get("findings", [])
sup = rep.get("suppressed", [])
print(f"\nfindings: {len(fs)}  suppressed: {len(sup)}  errors: {len(rep.get('errors', []))}")
print("severity   " + " ".join(f"{c:>7}" for c in CONFS))
for s in SEVS:
    print(f"{s:<10} " + " ".join(f"{sum(1 for f in fs if f.get('severity') == s and f.get('confidence') == c):>7}" for c in CONFS))
by = {}
for x in sup:
    k = x.get("suppressed_by", "?")
    by[k] = by.get(k, 0) + 1
print("suppressed by: " + (", ".join(f"{k} {v}" for k, v in sorted(by.items())) or "none"))
origins = {}
for x in fs:
    if "origin" in x:
        origins[x["origin"]] = origins.get(x["origin"], 0) + 1
if origins:
    print("findings by origin: " + ", ".join(f"{k} {v}" for k, v in sorted(origins.items())))
for e in rep.get("errors", [])[:10]:
    print("error:", e if isinstance(e, str) else json.dumps(e))

hot = [f for f in fs if f.get("confidence") == "high" or f.get("severity") == "critical"]
# the class of each: read the flattened image for the flagged paths and the dpkg md5sums
want = {f.get("path", "").split("!/")[0].lstrip("/") for f in hot}
content, sums = {}, {}
for l in layers:
    with tarfile.open(blob(l["digest"]), "r:*") as t:
        for m in t:
            n = m.name.lstrip("./")
            if n in want and m.isfile():
                content[n] = hashlib.md5(t.extractfile(m).read()).hexdigest()
            elif n.startswith("var/lib/dpkg/info/") and n.endswith(".md5sums") and m.isfile():
                pkg = n[len("var/lib/dpkg/info/"):-len(".md5sums")]
                for line in t.extractfile(m).read().decode("utf-8", "replace").splitlines():
                    h, _, p = line.partition("  ")
                    if p in want:
                        sums[p] = (pkg, h)
TP = re.compile(r"(^|/)node_modules/(@[^/]+/)?[^/]+/(.*/)?(test|tests|__tests__|spec|fixture|fixtures|example|examples|doc|docs)/")
def klass(f):
    p = f.get("path", "").split("!/")[0].lstrip("/")
    if p in sums:
        pkg, h = sums[p]
        if content.get(p) == h:
            return f"a dpkg {pkg}"
        return f"c dpkg {pkg} but bytes differ"
    if TP.search(p):
        return "b node_modules test/docs tree"
    return "c"
print(f"\nhigh confidence or critical: {len(hot)}")
print("| rule | severity/confidence | layer | path | secret | class |")
print("|---|---|---|---|---|---|")
for f in sorted(hot, key=lambda f: (f.get("layer", 0), f.get("path", ""), f.get("rule", ""))):
    sec = f.get("secret", "")[:24]
    print(f"| {f.get('rule')} | {f.get('severity')}/{f.get('confidence')} | {f.get('layer')} | "
          f"{f.get('path')}:{f.get('line')} | `{sec}` | {klass(f)} |")
EOF
