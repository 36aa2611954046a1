#!/usr/bin/env bash
# tests/bench/registry_rss.sh [LAYERSCAN] - peak memory of a registry pull.
#
# Never run by ctest. Builds an OCI layout whose one layer is a gzip'd tar
# holding REG_BENCH_MB of random bytes (incompressible: the blob is about as
# large) and a fake secret, pushes it to a docker-registry started here on
# 127.0.0.1, then prints layerscan's wall time and peak RSS (/usr/bin/time -v)
# scanning it from the registry and from the layout. The blob is streamed
# through a bounded buffer, so the registry's peak RSS must not grow with
# the layer (compare REG_BENCH_MB=100 and 300).
#   REG_BENCH_MB=300   size of the random file in the layer
#   REG_BENCH_TLS=1    serve the registry over TLS (a CA made here, --cert-dir)
# Needs: docker-registry, skopeo, gzip, python3, /usr/bin/time.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LS=${1:-$SRC/build/layerscan}
MB=${REG_BENCH_MB:-300}
OUT=$HERE/out/registry-$MB
export LAYERSCAN_CACHE_DIR=$HERE/out/cache
mkdir -p "$OUT"

if [ ! -f "$OUT/layout/index.json" ]; then
  python3 - "$OUT" "$MB" <<'EOF'
import gzip, hashlib, io, json, os, subprocess, sys, tarfile
out, mb = sys.argv[1], int(sys.argv[2])
tar_path = os.path.join(out, "layer.tar")
with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as t:
    secret = b"aws_access_key_id = AKIAEMCUZ4RII4ZQT73Q\n"
    ti = tarfile.TarInfo("app/.env"); ti.size = len(secret); ti.mtime = 0
    t.addfile(ti, io.BytesIO(secret))
    ti = tarfile.TarInfo("data/random.bin"); ti.size = mb << 20; ti.mtime = 0
    class Rand(io.RawIOBase):
        def __init__(self, n): self.n = n
        def readable(self): return True
        def readinto(self, b):
            k = min(len(b), self.n); b[:k] = os.urandom(k); self.n -= k; return k
    t.addfile(ti, io.BufferedReader(Rand(ti.size), 1 << 20))
diff_id = hashlib.sha256(open(tar_path, "rb").read()).hexdigest()
subprocess.run(["gzip", "-1", "-f", tar_path], check=True)
blob = open(tar_path + ".gz", "rb").read()
blobs = os.path.join(out, "layout", "blobs", "sha256"); os.makedirs(blobs, exist_ok=True)
def put(data):
    h = hashlib.sha256(data).hexdigest(); open(os.path.join(blobs, h), "wb").write(data); return h
lh = put(blob); os.remove(tar_path + ".gz")
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
                  "history": [{"created_by": "COPY . /"}]}).encode()
ch = put(cfg)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + ch, "size": len(cfg)},
                  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + lh, "size": len(blob)}]}).encode()
mh = put(man)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
           "digest": "sha256:" + mh, "size": len(man), "annotations": {"org.opencontainers.image.ref.name": "1"}}]},
          open(os.path.join(out, "layout", "index.json"), "w"))
open(os.path.join(out, "layout", "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rm -rf "$OUT/registry"
mkdir -p "$OUT/registry"
TLS_YAML="" SCAN_TLS=(--tls-verify=false)
if [ "${REG_BENCH_TLS:-0}" = 1 ]; then
  (
    cd "$OUT/registry"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 -subj /CN=bench-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
    openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt -days 1 -extfile ext.cnf 2>/dev/null
    mkdir -p certs && cp ca.crt certs/
  )
  TLS_YAML=", tls: {certificate: $OUT/registry/srv.crt, key: $OUT/registry/srv.key}"
  SCAN_TLS=(--cert-dir "$OUT/registry/certs")
fi
cat >"$OUT/registry/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $OUT/registry/data}}
http: {addr: 127.0.0.1:$PORT, secret: bench$TLS_YAML}
EOF
docker-registry serve "$OUT/registry/config.yml" >"$OUT/registry/log" 2>&1 &
REG=$!
trap 'kill $REG 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$PORT" 2>/dev/null && break
  sleep 0.1
done
skopeo copy -q --dest-tls-verify=false "oci:$OUT/layout:1" "docker://127.0.0.1:$PORT/big:1"

measure() { # LABEL ARGS...
  local label=$1
  shift
  /usr/bin/time -v "$LS" scan --format json "$@" >"$OUT/report.json" 2>"$OUT/time.txt" || true
  printf '| %s | %s | %s MiB | %s |\n' "$label" \
    "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$OUT/time.txt")" \
    "$(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt") / 1024 ))" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["findings"]), "findings,", r["layers"][0]["compressed_bytes"] >> 20, "MiB blob, verified:", r["layers"][0]["digest_verified"])' "$OUT/report.json")"
}
"$LS" scan --format json "oci:$OUT/layout:1" >/dev/null 2>&1 || true # warm the compiled-rules cache
echo "| input (${MB} MiB random file, gzip -1) | wall | peak RSS | report |"
echo "|---|---|---|---|"
measure "docker://127.0.0.1:$PORT/big:1 ${SCAN_TLS[*]}" "${SCAN_TLS[@]}" "docker://127.0.0.1:$PORT/big:1"
measure "oci:layout" "oci:$OUT/layout:1"
