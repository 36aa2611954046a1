#!/usr/bin/env bash
# test_interop_umoci.sh LAYERSCAN SRCDIR WORKDIR
#
# Interop with real tools: umoci builds an OCI layout layer by layer (a real
# ".wh." whiteout comes from deleting a file in the unpacked rootfs and
# repacking), skopeo converts it to a docker-archive (legacy layout, plain
# <diff_id>.tar layers), an oci-archive and a zstd-compressed OCI layout. Every
# form is scanned; the findings must be exactly the expected ones and the same
# in every form.
#
# What umoci 0.4.7 writes (checked below from the image itself):
#   layer 0  ./ app/ app/config.env root/ root/.ssh/ root/.ssh/id_rsa   (gzip)
#   layer 1  root/.ssh/.wh.id_rsa (mode 0, mtime 0), plus root/.ssh/ only when
#            the dir's mtime moved (timing-dependent; seen both ways)
#   layer 2  app/config.env (plus app/ under the same condition)
#   history  one entry per repack/config, created_by as given on the command
#            line; `umoci config` entries are empty_layer.
# All secrets below are FAKE, generated for this test.
set -euo pipefail

LAYERSCAN="${1:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
SRCDIR="${2:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
WORKDIR="${3:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "${SRCDIR}/tests/interop/lib.sh"

interop_require umoci:umoci skopeo:skopeo zstd:zstd timeout:coreutils
interop_tmpdir "$WORKDIR" umoci
T="$INTEROP_TMP"
echo "# workdir $T"

GHP="ghp_F4vUCsMehGAkWvj7FAc9QeWJKY40uvSwMFLZ"
STRIPE="sk_live_VZomHFwUbbYrEqmSM9wCZ7Uw"
COPYHASH="4f6b0c1e3a5d7f9b2c4e6a8d0f1b3c5e7a9d2f4b6c8e0a1d3f5b7c9e2a4d6f8b"
WHEN="2024-01-01T00:00:00Z"
H0='COPY rootfs/ / # buildkit'
H1='|2 HTTP_PROXY=http://proxy.invalid:3128 BUILD_ID=42 /bin/sh -c rm /root/.ssh/id_rsa'
H2="/bin/sh -c #(nop) COPY file:${COPYHASH} in /app/config.env "
H3="/bin/sh -c #(nop) ENV PATH=/usr/bin:/bin STRIPE_API_KEY=${STRIPE}"

# ---------------------------------------------------------------- build
L="$T/layout"
B="$T/bundle"
interop_run_checked "umoci init" umoci init --layout "$L"
interop_run_checked "umoci new" umoci new --image "$L:app"
interop_run_checked "umoci unpack" umoci unpack --image "$L:app" "$B"

mkdir -p "$B/rootfs/root/.ssh" "$B/rootfs/app"
cp "${SRCDIR}/tests/interop/buildah/ctx/id_rsa" "$B/rootfs/root/.ssh/id_rsa"
chmod 600 "$B/rootfs/root/.ssh/id_rsa"
printf 'APP_ENV=production\nGITHUB_TOKEN=%s\n' "$GHP" >"$B/rootfs/app/config.env"
interop_run_checked "umoci repack (layer 0)" umoci repack --refresh-bundle \
    --history.created "$WHEN" --history.created_by "$H0" --image "$L:app" "$B"

rm "$B/rootfs/root/.ssh/id_rsa"
interop_run_checked "umoci repack (layer 1: whiteout)" umoci repack --refresh-bundle \
    --history.created "$WHEN" --history.created_by "$H1" --image "$L:app" "$B"

printf 'APP_ENV=production\nGITHUB_TOKEN=\n' >"$B/rootfs/app/config.env"
interop_run_checked "umoci repack (layer 2: overwrite)" umoci repack --refresh-bundle \
    --history.created "$WHEN" --history.created_by "$H2" --image "$L:app" "$B"

interop_run_checked "umoci config (ENV)" umoci config --image "$L:app" \
    --config.env "PATH=/usr/bin:/bin" --config.env "STRIPE_API_KEY=${STRIPE}" \
    --created "$WHEN" --history.created "$WHEN" --history.created_by "$H3"
interop_ok "umoci built $L:app"

interop_run_checked "skopeo copy to docker-archive" \
    skopeo --insecure-policy copy "oci:$L:app" "docker-archive:$T/image-docker.tar:layerscan/interop-umoci:app"
interop_run_checked "skopeo copy to oci-archive" \
    skopeo --insecure-policy copy "oci:$L:app" "oci-archive:$T/image-oci.tar:app"
interop_run_checked "skopeo copy to zstd oci layout" \
    skopeo --insecure-policy copy --dest-compress --dest-compress-format zstd "oci:$L:app" "oci:$T/zstd:app"
interop_ok "skopeo wrote docker-archive, oci-archive and a zstd OCI layout"

# ---------------------------------------------------------------- the images, from first principles
SPEC="$T/spec.json"
python3 - "$SPEC" "$H0" "$H1" "$H2" "$H3" "$GHP" "$STRIPE" <<'EOF'
import json, re, sys
spec_path, h0, h1, h2, h3, ghp, stripe = sys.argv[1:]
copy_re = r"COPY file:[0-9a-f]{64} in /app/config\.env ?"
spec = {
  "image": {
    "layer_count": 3,
    "media_type": "application/vnd.oci.image.layer.v1.tar+gzip",
    "layers": [
      {"index": 0, "has": ["root/.ssh/id_rsa@file", "app/config.env@file"]},
      # umoci adds the parent dir entries only when their mtime changed
      # (timing-dependent): the whiteout / the file is required, dirs allowed.
      {"index": 1, "has": ["root/.ssh/.wh.id_rsa"],
       "within": ["root", "root/.ssh", "root/.ssh/.wh.id_rsa"]},
      {"index": 2, "has": ["app/config.env@file"], "within": ["app", "app/config.env"]},
    ],
    "history": [
      {"created_by": h0}, {"created_by": h1}, {"created_by": h2},
      {"created_by": h3, "empty_layer": True},
    ],
    "env": ["PATH=/usr/bin:/bin", "STRIPE_API_KEY=" + stripe],
  },
  "report": {
    "transport": "@TRANSPORT@", "os": "linux", "architecture": "amd64",
    "layers": [
      {"index": 0, "history": 0, "instruction": "COPY rootfs/ /"},
      {"index": 1, "history": 1, "instruction": "RUN rm /root/.ssh/id_rsa"},
      {"index": 2, "history": 2, "instruction": {"re": copy_re}},
    ],
    "history": [
      {"created_by": h0, "instruction": "COPY rootfs/ /", "empty_layer": False, "layer": 0},
      {"created_by": h1, "instruction": "RUN rm /root/.ssh/id_rsa", "empty_layer": False, "layer": 1},
      {"created_by": h2, "instruction": {"re": copy_re}, "empty_layer": False, "layer": 2},
      {"created_by": h3, "instruction": "ENV PATH=/usr/bin:/bin STRIPE_API_KEY=" + stripe,
       "empty_layer": True, "layer": None},
    ],
    "findings": [
      {"rule": "private-key", "source": "file", "path": "/root/.ssh/id_rsa", "layer": 0,
       "history": 0, "instruction": "COPY rootfs/ /", "line": 1,
       "status": "deleted", "removed_in_layer": 1},
      {"rule": "github-pat", "source": "file", "path": "/app/config.env", "layer": 0,
       "history": 0, "instruction": "COPY rootfs/ /", "line": 2, "column": 14,
       "status": "overwritten", "removed_in_layer": 2, "secret": ghp},
      {"rule": "stripe-secret-key", "source": "history", "path": "history[3].created_by",
       "history": 3, "layer": None, "line": 1,
       "instruction": "ENV PATH=/usr/bin:/bin STRIPE_API_KEY=" + stripe,
       "status": "metadata", "removed_in_layer": None, "secret": stripe},
      {"rule": "stripe-secret-key", "source": "config", "path": "config.Env", "line": 2,
       "history": 3, "layer": None, "status": "metadata", "removed_in_layer": None, "secret": stripe},
    ],
  },
}
json.dump(spec, open(spec_path, "w"), indent=1)
EOF
interop_check image "$L" app "$SPEC" "$T/facts.json"

# skopeo's docker-archive: legacy layout, Layers are plain (uncompressed) tars.
if python3 - "$T/image-docker.tar" <<'EOF'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    man = json.load(tf.extractfile("manifest.json"))
    assert len(man) == 1 and len(man[0]["Layers"]) == 3, man
    for name in man[0]["Layers"]:
        m = tf.getmember(name)
        head = tf.extractfile(m).read(512)
        assert head[257:262] == b"ustar", (name, head[:4])
EOF
then interop_ok "docker-archive holds manifest.json and 3 uncompressed layer tars"
else interop_fail "docker-archive layout is not what skopeo used to write"; fi

# ---------------------------------------------------------------- scans
interop_have_layerscan "$LAYERSCAN"
forms=(
  "oci:$L:app|oci"
  "oci:$L|oci"
  "$L|oci"
  "docker-archive:$T/image-docker.tar|docker-archive"
  "$T/image-docker.tar|docker-archive"
  "oci-archive:$T/image-oci.tar|oci-archive"
  "oci-archive:$T/image-oci.tar:app|oci-archive"
  "$T/image-oci.tar|oci-archive"
  "oci:$T/zstd:app|oci"
)
first=""
n=0
for entry in "${forms[@]}"; do
    ref="${entry%|*}"; transport="${entry##*|}"
    n=$((n + 1))
    out="$T/report-$n.json"
    interop_scan "$LAYERSCAN" "$ref" "$out" 1 || continue
    sed "s/@TRANSPORT@/$transport/" "$SPEC" >"$T/spec-$n.json"
    interop_check expect "$out" "$T/spec-$n.json" "$ref" "$T/facts.json"
    if [ -z "$first" ]; then
        first="$out"; first_ref="$ref"
    else
        interop_check same "$first_ref" "$first" "$ref" "$out"
    fi
done

# The text format works on the same image and exits the same way.
rc=0
timeout 300 "$LAYERSCAN" scan --format text "oci:$L:app" >"$T/report.txt" 2>&1 || rc=$?
if [ "$rc" -eq 1 ] && grep -q "/root/.ssh/id_rsa" "$T/report.txt" && grep -q "/app/config.env" "$T/report.txt"; then
    interop_ok "text format: exit 1 and names the paths of the file findings"
else
    interop_fail "text format: exit $rc, output: $(head -c 200 "$T/report.txt" | tr '\n' ' ')"
fi

# Default (no --show-secrets) report does not print the full secrets.
rc=0
timeout 300 "$LAYERSCAN" scan --format json "oci:$L:app" >"$T/report-plain.json" 2>/dev/null || rc=$?
if [ "$rc" -eq 1 ]; then
    interop_check redacted "$T/report-plain.json" "$T/report-1.json"
else
    interop_fail "default scan: exit $rc, want 1"
fi

echo -n "interop-umoci: "
interop_finish
