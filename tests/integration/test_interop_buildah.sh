#!/usr/bin/env bash
# test_interop_buildah.sh LAYERSCAN SRCDIR WORKDIR
#
# Interop with a real Dockerfile build: buildah builds tests/interop/buildah/
# Dockerfile (FAKE secrets in its context) on a busybox base it builds FROM
# scratch (no registry here), pushes the result as an OCI layout, a
# docker-archive and an oci-archive, and layerscan must report exactly the
# expected findings, the same in every form.
#
# The build runs with both storage drivers when they work, because they write
# different layer diffs for the same Dockerfile:
#   overlay  `rm -rf /srv/cache && mkdir /srv/cache` -> srv/cache/.wh..wh..opq
#            (a real opaque-directory marker); the byte-identical second
#            `COPY deploy.env` -> a layer holding app/deploy.env again.
#   vfs      the same RUN -> srv/cache/.wh.slack.txt (one whiteout per removed
#            name, no opaque marker); the identical COPY -> an EMPTY layer tar
#            (vfs diffs by content and metadata, and nothing changed).
# overlay falls back to vfs when the kernel/sandbox refuses it (a NOTE line
# says so; INTEROP_REQUIRE_OVERLAY=1 turns that into a failure). vfs must work.
#
# Layer / history map of the image (both drivers; from the Dockerfile and
# checked against the image config below):
#   L0  h0  COPY dir:<h> in /         (base: busybox + applet symlinks)
#       h1  CMD ["/bin/sh"]           empty_layer (base)
#       h2  ARG NPM_TOKEN             empty_layer (buildah records ARG; docker does not)
#       h3  ENV AWS_ACCESS_KEY_ID=... empty_layer  -> history + config.Env findings
#       h4  LABEL org.example...=...  empty_layer  -> history + config.Labels findings
#   L1  h5  COPY id_rsa               private-key, deleted in L7
#   L2  h6  COPY settings.conf        stripe key, overwritten in L8
#   L3  h7  COPY deploy.env           github-pat, present (identical re-add in L9)
#   L4  h8  COPY keys/ /opt/keys/     npm token file, deleted in L10 (ancestor
#                                     /opt/keys replaced by a regular file, no whiteout)
#   L5  h9  COPY cache/ /srv/cache/   slack token file, deleted in L11
#   L6  h10 RUN test -n "$NPM_TOKEN"  history: "|1 NPM_TOKEN=npm_... /bin/sh -c ..."
#   L7  h11 RUN rm /root/.ssh/id_rsa  root/.ssh/.wh.id_rsa     (and |1 NPM_TOKEN=...)
#   L8  h12 COPY settings.clean.conf
#   L9  h13 COPY deploy.env           (overlay: same bytes again; vfs: empty layer)
#   L10 h14 RUN rm -rf /opt/keys && echo ... > /opt/keys        (|1 NPM_TOKEN=...)
#   L11 h15 RUN rm -rf /srv/cache && mkdir ... (opaque or .wh.slack.txt; |1 NPM_TOKEN=...)
# Every RUN after `ARG NPM_TOKEN` carries the build arg in its created_by, so
# the npm token leaks through four history entries.
set -euo pipefail

LAYERSCAN="${1:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
SRCDIR="${2:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
WORKDIR="${3:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "${SRCDIR}/tests/interop/lib.sh"

interop_require buildah:buildah busybox:busybox-static timeout:coreutils
interop_tmpdir "$WORKDIR" buildah
T="$INTEROP_TMP"
echo "# workdir $T"
CTX="${SRCDIR}/tests/interop/buildah"
export BUILDAH_ISOLATION=chroot
# Keep buildah away from any user/global registry or storage configuration.
export REGISTRIES_CONFIG_PATH="$T/registries.conf"
printf 'unqualified-search-registries = []\n' >"$REGISTRIES_CONFIG_PATH"

NPM_BUILD_ARG="npm_De1f8rESQedUStPKR0CsTy4Qwb8DwkNhFdnX"   # FAKE
# RUN steps execute the image's own /bin/sh: busybox must be the static build
# (Debian's plain "busybox" package also installs a dynamic /bin/busybox).
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    echo "# /bin/busybox missing or dynamic: installing busybox-static"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; } ||
        interop_die "cannot install busybox-static"
fi
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    interop_die "/bin/busybox is not a static binary"
fi
# No trust policy from the host: everything here is local.
POLICY="$T/policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY"

# Base context: bin/busybox and the applets the Dockerfile's RUN steps use.
mkdir -p "$T/base/rootfs/bin"
cp "$BUSYBOX" "$T/base/rootfs/bin/busybox"
for applet in sh rm mkdir echo test cat ls; do ln -s busybox "$T/base/rootfs/bin/$applet"; done

# bah DRIVER ARGS... - buildah on this test's private storage for DRIVER.
bah() {
    local drv="$1"; shift
    timeout 180 buildah --root "$T/storage-$drv" --runroot "$T/run-$drv" --storage-driver "$drv" "$@"
}

# build DRIVER - builds base + fixture; returns non-zero with the log in $T/build-DRIVER.log.
build() {
    local drv="$1" log="$T/build-$1.log"
    interop_on_exit "bah $drv rm --all; bah $drv rmi --all --force"
    {
        bah "$drv" bud --signature-policy "$POLICY" --pull=never --layers --isolation chroot \
            -f "$CTX/Dockerfile.base" -t layerscan-interop-base "$T/base" &&
        bah "$drv" bud --signature-policy "$POLICY" --pull=never --layers --isolation chroot \
            --build-arg "NPM_TOKEN=$NPM_BUILD_ARG" \
            -f "$CTX/Dockerfile" -t layerscan-interop "$CTX/ctx"
    } >"$log" 2>&1
}

drivers=()
if build overlay; then
    drivers+=(overlay)
    interop_ok "buildah bud (overlay driver, chroot isolation) built the fixture"
else
    echo "# NOTE: buildah with the overlay driver failed here; opaque-whiteout coverage comes from vfs only:"
    tail -n 8 "$T/build-overlay.log" | sed 's/^/#   /'
    if [ -n "${INTEROP_REQUIRE_OVERLAY:-}" ]; then
        interop_die "overlay storage driver required (INTEROP_REQUIRE_OVERLAY) but buildah failed with it"
    fi
fi
if build vfs; then
    drivers+=(vfs)
    interop_ok "buildah bud (vfs driver, chroot isolation) built the fixture"
else
    tail -n 25 "$T/build-vfs.log" | sed 's/^/#   /'
    interop_die "buildah cannot build with the vfs driver and chroot isolation in this sandbox (log above)"
fi

for drv in "${drivers[@]}"; do
    interop_run_checked "buildah push oci ($drv)" \
        bah "$drv" push --signature-policy "$POLICY" layerscan-interop "oci:$T/$drv-oci:latest"
    interop_run_checked "buildah push docker-archive ($drv)" \
        bah "$drv" push --signature-policy "$POLICY" layerscan-interop "docker-archive:$T/$drv-docker.tar:layerscan-interop:latest"
    interop_run_checked "buildah push oci-archive ($drv)" \
        bah "$drv" push --signature-policy "$POLICY" layerscan-interop "oci-archive:$T/$drv-oci.tar:latest"
    interop_ok "buildah ($drv) pushed oci:, docker-archive: and oci-archive:"
done

# ---------------------------------------------------------------- expectations
# spec DRIVER FILE - the expected image structure and report for one driver.
spec() {
    python3 - "$1" "$2" "$NPM_BUILD_ARG" <<'EOF'
import json, sys
drv, path, npm_arg = sys.argv[1:]
AWS = "AKIAUJZDEGXDNCF32EPF"
SLACK_LABEL = "xoxb-307924402685-995289078666-zgEOzdmenCkhvMdgaKjIg8xN"
SLACK_FILE = "xoxb-013962459571-177774121547-1SkHbn88HxjSI6bWHtP3fS2q"
STRIPE = "sk_live_Hx6kwXoIIXGvOoNZYW2mZp0z"
GHP = "ghp_gLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtH"
NPM_FILE = "npm_siVpzz63FfkCzJr4i0B3JrTAwR4y9ojfljoQ"
NOP = "/bin/sh -c #(nop) "
ARGS = "|1 NPM_TOKEN=%s /bin/sh -c " % npm_arg
H = "[0-9a-f]{64}"
def esc(s):
    import re
    return re.escape(s)
def copy(kind, dest):
    return ({"re": esc(NOP) + "COPY %s:%s in %s " % (kind, H, esc(dest))},
            {"re": "COPY %s:%s in %s ?" % (kind, H, esc(dest))})
run_test = 'test -n "$NPM_TOKEN" && mkdir -p /opt/build'
run_rm = "rm /root/.ssh/id_rsa"
run_keys = 'rm -rf /opt/keys && echo "keys moved to the vault" > /opt/keys'
run_cache = "rm -rf /srv/cache && mkdir /srv/cache && echo empty > /srv/cache/README"
label = 'LABEL org.example.slack-token="%s"' % SLACK_LABEL
# (created_by, instruction, layer or None)
hist = [
    copy("dir", "/") + (0,),
    (NOP + 'CMD ["/bin/sh"]', 'CMD ["/bin/sh"]', None),
    (NOP + "ARG NPM_TOKEN", "ARG NPM_TOKEN", None),
    (NOP + "ENV AWS_ACCESS_KEY_ID=" + AWS, "ENV AWS_ACCESS_KEY_ID=" + AWS, None),
    (NOP + label, label, None),
    copy("file", "/root/.ssh/id_rsa") + (1,),
    copy("file", "/etc/app/settings.conf") + (2,),
    copy("file", "/app/deploy.env") + (3,),
    copy("dir", "/opt/keys/") + (4,),
    copy("dir", "/srv/cache/") + (5,),
    (ARGS + run_test, "RUN " + run_test, 6),
    (ARGS + run_rm, "RUN " + run_rm, 7),
    copy("file", "/etc/app/settings.conf") + (8,),
    copy("file", "/app/deploy.env") + (9,),
    (ARGS + run_keys, "RUN " + run_keys, 10),
    (ARGS + run_cache, "RUN " + run_cache, 11),
]
layer_hist = {h[2]: i for i, h in enumerate(hist) if h[2] is not None}

def ff(rule, path, layer, line, status, removed=None, secret=None):
    f = {"rule": rule, "source": "file", "path": path, "layer": layer,
         "history": layer_hist[layer], "instruction": hist[layer_hist[layer]][1],
         "line": line, "status": status, "removed_in_layer": removed}
    if secret:
        f["secret"] = secret
    return f
def hf(rule, h, secret):
    return {"rule": rule, "source": "history", "path": "history[%d].created_by" % h, "history": h,
            "layer": hist[h][2], "instruction": hist[h][1], "line": 1,
            "status": "metadata", "removed_in_layer": None, "secret": secret}

findings = [
    ff("private-key", "/root/.ssh/id_rsa", 1, 1, "deleted", 7),
    ff("stripe-secret-key", "/etc/app/settings.conf", 2, 3, "overwritten", 8, STRIPE),
    ff("github-pat", "/app/deploy.env", 3, 3, "present", None, GHP),
    ff("npm-token", "/opt/keys/npmrc", 4, 2, "deleted", 10, NPM_FILE),
    ff("slack-token", "/srv/cache/slack.txt", 5, 3, "deleted", 11, SLACK_FILE),
    hf("aws-access-key-id", 3, AWS),
    hf("slack-token", 4, SLACK_LABEL),
    hf("npm-token", 10, npm_arg),
    hf("npm-token", 11, npm_arg),
    hf("npm-token", 14, npm_arg),
    hf("npm-token", 15, npm_arg),
    # config findings are attributed to the history entry that set the key
    {"rule": "aws-access-key-id", "source": "config", "path": "config.Env", "line": 2,
     "history": 3, "layer": None, "status": "metadata", "removed_in_layer": None, "secret": AWS},
    # config.Labels is scanned as sorted KEY=value lines: io.buildah.version is
    # line 1, org.example.slack-token line 2.
    {"rule": "slack-token", "source": "config", "path": "config.Labels", "line": 2,
     "history": 4, "layer": None, "status": "metadata", "removed_in_layer": None,
     "secret": SLACK_LABEL},
]
img_layers = [
    {"index": 0, "has": ["bin/busybox@file", "bin/sh@symlink"]},
    {"index": 1, "only": ["root", "root/.ssh", "root/.ssh/id_rsa"]},
    {"index": 2, "only": ["etc", "etc/app", "etc/app/settings.conf"]},
    {"index": 3, "only": ["app", "app/deploy.env"]},
    {"index": 4, "only": ["opt", "opt/keys", "opt/keys/npmrc"]},
    {"index": 5, "only": ["srv", "srv/cache", "srv/cache/slack.txt"]},
    {"index": 7, "has": ["root/.ssh/.wh.id_rsa"]},
    {"index": 8, "only": ["etc", "etc/app", "etc/app/settings.conf"]},
    {"index": 10, "has": ["opt/keys@file"], "lacks": ["opt/.wh.keys", "opt/keys/.wh..wh..opq"]},
]
if drv == "overlay":
    # the identical COPY re-adds the same bytes: a second, present finding
    findings.append(ff("github-pat", "/app/deploy.env", 9, 3, "present", None, GHP))
    img_layers += [
        {"index": 9, "only": ["app", "app/deploy.env"]},
        {"index": 11, "has": ["srv/cache/.wh..wh..opq", "srv/cache/README@file"],
         "lacks": ["srv/cache/.wh.slack.txt"]},
    ]
else:
    img_layers += [
        {"index": 9, "only": []},
        {"index": 11, "has": ["srv/cache/.wh.slack.txt", "srv/cache/README@file"],
         "lacks": ["srv/cache/.wh..wh..opq"]},
    ]
spec = {
  "image": {
    "layer_count": 12, "layers": img_layers,
    "media_type": "application/vnd.oci.image.layer.v1.tar+gzip",
    "history": [{"created_by": c, "empty_layer": l is None} for c, _, l in hist],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "AWS_ACCESS_KEY_ID=" + AWS],
  },
  "report": {
    "transport": "@TRANSPORT@", "os": "linux", "architecture": "amd64",
    "layers": [{"index": l, "history": h, "instruction": hist[h][1]}
               for l, h in sorted(layer_hist.items())],
    "history": [{"created_by": c, "instruction": ins, "empty_layer": l is None, "layer": l}
                for c, ins, l in hist],
    "findings": findings,
  },
}
json.dump(spec, open(path, "w"), indent=1)
EOF
}

# ---------------------------------------------------------------- the images, from first principles
for drv in "${drivers[@]}"; do
    spec "$drv" "$T/spec-$drv.json"
    echo "# image built with the $drv driver"
    interop_check image "$T/$drv-oci" latest "$T/spec-$drv.json" "$T/facts-$drv.json"
done

# ---------------------------------------------------------------- scans
interop_have_layerscan "$LAYERSCAN"
for drv in "${drivers[@]}"; do
    echo "# scans of the $drv build"
    forms=(
      "oci:$T/$drv-oci:latest|oci"
      "docker-archive:$T/$drv-docker.tar|docker-archive"
      "oci-archive:$T/$drv-oci.tar|oci-archive"
      "$T/$drv-docker.tar|docker-archive"
    )
    first=""
    n=0
    for entry in "${forms[@]}"; do
        ref="${entry%|*}"; transport="${entry##*|}"
        n=$((n + 1))
        out="$T/report-$drv-$n.json"
        interop_scan "$LAYERSCAN" "$ref" "$out" 1 || continue
        sed "s/@TRANSPORT@/$transport/" "$T/spec-$drv.json" >"$T/spec-$drv-$n.json"
        interop_check expect "$out" "$T/spec-$drv-$n.json" "$drv $transport" "$T/facts-$drv.json"
        if [ -z "$first" ]; then
            first="$out"; first_label="$drv $transport"
        else
            interop_check same "$first_label" "$first" "$drv $transport" "$out"
        fi
    done
    rc=0
    timeout 300 "$LAYERSCAN" scan --format json "oci:$T/$drv-oci:latest" >"$T/plain-$drv.json" 2>/dev/null || rc=$?
    if [ "$rc" -eq 1 ]; then
        interop_check redacted "$T/plain-$drv.json" "$T/report-$drv-1.json"
    else
        interop_fail "$drv default scan: exit $rc, want 1"
    fi
done

echo -n "interop-buildah: "
interop_finish
