#!/usr/bin/env bash
# make-samples.sh [OUTDIR]
# Regenerates the sample images from samples/leaky.json, deterministically:
#   OUTDIR/leaky-docker.tar  legacy `docker save` form (docker-archive)
#   OUTDIR/leaky-oci/        OCI image layout, gzip layers, ref 1.0
# OUTDIR defaults to samples/ itself. Needs bash, python3 (and zstd only for
# zstd layers, which the sample has none of).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here}
mkdir -p "$out"
mk=$here/../tests/tools/mkimage.py
python3 "$mk" "$here/leaky.json" "$out/leaky-docker.tar" --format docker-archive
python3 "$mk" "$here/leaky.json" "$out/leaky-oci" --format oci
