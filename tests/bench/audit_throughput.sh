#!/usr/bin/env bash
# tests/bench/audit_throughput.sh [LAYERSCAN] - bulk audit throughput against a local registry.
#
# Never run by ctest. Builds BENCH_AUDIT_N small images that share 3 base layers (gzip'd slices
# of this machine's /usr, BENCH_AUDIT_BASE_MB each, as run.sh's usr_tar makes them), each with
# one own small layer (a few files naming the image), as OCI layouts (tests/bench/mkoci.py),
# pushes them (as bench/app-NNN:1.0, or see BENCH_AUDIT_REPOS) to Debian's docker-registry on
# 127.0.0.1 (started here, stopped on exit), then times `layerscan audit` over the list of the
# N references, against the same storage served two ways (BENCH_AUDIT_AUTH):
#   anon   plain http, anonymous (--tls-verify=false);
#   token  TLS (a CA made here, --cert-dir) with Bearer tokens from tests/tools/token_issuer.py
#          (--creds made up per run): what a hosted registry does;
# and, for each, with --cache DIR:
#   fully cold  DIR empty: the rules are compiled too (anon only; BENCH_AUDIT_FULLY_COLD=1);
#   cold        an empty layer cache, the compiled rules already cached (DIR after one scan of
#               samples/leaky-docker.tar, DIR/layers removed);
#   warm        the same DIR again, every layer result cached by the cold run.
# For each it prints images per minute (wall), CPU (user+sys) and peak RSS (/usr/bin/time),
# the audit's own summary (layers scanned, cache hits, bytes fetched, image errors), and the
# requests per image by class, counted from the registry's own log (JSON, one line per
# request: "response completed", or "error authorizing context" for a 401 challenge): /v2/
# probe, manifest GET/HEAD, config blob, layer blob, tags list, referrers, catalog, other, and
# of all those the 401 challenges; token requests from the issuer's log (one line per token
# issued); "connections" is the number of distinct client address:port pairs the registry
# saw (TLS handshakes, for token).
# It measures and asserts nothing (it serves before and after a client change); any image
# error line is listed.
#
# Knobs (environment):
#   BENCH_AUDIT_N=200              images
#   BENCH_AUDIT_BASE_MB=8          each of the 3 shared base layers (MiB of tar before gzip)
#   BENCH_AUDIT_JOBS=              layerscan audit --jobs (default: layerscan's, online cores)
#   BENCH_AUDIT_AUTH="anon token"  the registries audited (either or both)
#   BENCH_AUDIT_FULLY_COLD=1       0 skips the run without compiled rules
#   BENCH_AUDIT_REPOS=N            repositories: N = one per image (bench/app-NNN:1.0, every image
#                                  its own token scope); fewer: image I is bench/rRRR:III, R = I
#                                  mod REPOS (a token per repository can serve several images)
#   BENCH_AUDIT_RUNS=3             rounds (each: every run in turn); medians of wall and CPU,
#                                  the largest peak RSS, the requests of the last round
# Inputs and the registry's storage stay in tests/bench/out/audit (reused while N and the base
# size match; building 200 images takes a few minutes). Needs docker-registry (Debian
# package), gzip, openssl, python3, /usr/bin/time.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LS=${1:-$SRC/build/layerscan}
N=${BENCH_AUDIT_N:-200}
BASE_MB=${BENCH_AUDIT_BASE_MB:-8}
JOBS=${BENCH_AUDIT_JOBS:-}
FULLY_COLD=${BENCH_AUDIT_FULLY_COLD:-1}
AUTH=${BENCH_AUDIT_AUTH:-anon token}
RUNS=${BENCH_AUDIT_RUNS:-3}
REPOS=${BENCH_AUDIT_REPOS:-$N}
OUT=$HERE/out/audit
for t in docker-registry gzip openssl python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "audit_throughput.sh: $t is missing" >&2; exit 2; }
done
[ -x "$LS" ] || { echo "audit_throughput.sh: $LS not built" >&2; exit 2; }
LS=$(cd "$(dirname "$LS")" && pwd)/$(basename "$LS")
mkdir -p "$OUT"
# hermetic towards registries: no proxy, no user auth file
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy REGISTRY_AUTH_FILE
export HOME=$OUT/home XDG_RUNTIME_DIR=$OUT/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
log() { echo "audit_throughput.sh: $*" >&2; }

# ---- images -----------------------------------------------------------------
. "$HERE/usr_tar.sh" # usr_tar OUT MB SKIP_MB
STAMP="$N/$BASE_MB"
if [ "$(cat "$OUT/images.stamp" 2>/dev/null)" != "$STAMP" ]; then
  log "building $N images sharing 3 base layers of $BASE_MB MiB in $OUT"
  rm -rf "$OUT/img" "$OUT/own" "$OUT/registry" "$OUT/images.stamp"
  mkdir -p "$OUT/img" "$OUT/own"
  for i in 0 1 2; do
    usr_tar "$OUT/base$i.tar" "$BASE_MB" $((i * BASE_MB))
    gzip -6 -n -c "$OUT/base$i.tar" >"$OUT/base$i.tar.gz"
  done
  for ((i = 0; i < N; i++)); do
    id=$(printf '%03d' "$i")
    mkdir -p "$OUT/own/$id/app"
    printf '{"name":"app-%s","version":"1.0.%d"}\n' "$id" "$i" >"$OUT/own/$id/app/package.json"
    printf 'console.log("app %s");\n' "$id" >"$OUT/own/$id/app/index.js"
    printf 'LOG_LEVEL=info\nPORT=%d\n' $((8000 + i)) >"$OUT/own/$id/app/config.env"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$OUT/own/$id" -cf - app |
      gzip -6 -n >"$OUT/own/$id.tar.gz"
    python3 "$HERE/mkoci.py" "$OUT/img/$id" "$OUT"/base{0,1,2}.tar.gz "$OUT/own/$id.tar.gz"
  done
  echo "$STAMP" >"$OUT/images.stamp"
fi

# ---- registries -----------------------------------------------------------------
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { # PORT PID: until something listens (10 s at most) and PID still runs
  for _ in $(seq 100); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$1" 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$2" 2>/dev/null
}
# start_registry NAME PORT EXTRA_YAML: docker-registry on 127.0.0.1:PORT over the one storage,
# its log (JSON, a line per request) in OUT/registry/NAME.log
start_registry() {
  mkdir -p "$OUT/registry/data"
  cat >"$OUT/registry/$1.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: json
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $OUT/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: layerscan-bench-secret
$3
EOF
  : >"$OUT/registry/$1.log"
  docker-registry serve "$OUT/registry/$1.yml" >>"$OUT/registry/$1.log" 2>&1 &
  pids+=($!)
  wait_port "$2" $! || { tail -20 "$OUT/registry/$1.log" >&2; log "docker-registry $1 did not start"; exit 2; }
}

port=$(free_port)
start_registry anon "$port" ""
ANON=127.0.0.1:$port
# push every image (blobs already there are skipped after a HEAD); one process, oci_push's own code
# ref I: image I's repository:tag (one repository per image, or REPOS repositories of N/REPOS tags)
ref() {
  if [ "$REPOS" -ge "$N" ]; then printf 'bench/app-%03d:1.0' "$1"; else printf 'bench/r%03d:%03d' $(($1 % REPOS)) "$1"; fi
}
if ! grep -qx "$STAMP/$REPOS" "$OUT/registry/pushed" 2>/dev/null; then
  log "pushing $N images to $ANON"
  for ((i = 0; i < N; i++)); do ref "$i"; echo; done >"$OUT/refs.txt"
  python3 - "$SRC/tests/tools" "$OUT/img" "http://$ANON" "$OUT/refs.txt" <<'EOF' >/dev/null
import os, sys
sys.path.insert(0, sys.argv[1])
import oci_push
img, base = sys.argv[2], sys.argv[3]
for i, ref in enumerate(open(sys.argv[4]).read().split()):
    repo, tag = ref.rsplit(":", 1)
    lay = oci_push.Layout(os.path.join(img, "%03d" % i))
    oci_push.push_manifest(oci_push.Registry(base, repo), lay, lay.index["manifests"][0], tag)
EOF
  echo "$STAMP/$REPOS" >>"$OUT/registry/pushed"
fi
# the config digests (every other blob of these images is a layer)
python3 - "$OUT/img" >"$OUT/configs.txt" <<'EOF'
import json, os, sys
for d in sorted(os.listdir(sys.argv[1])):
    p = os.path.join(sys.argv[1], d)
    m = json.load(open(os.path.join(p, "blobs", *json.load(open(os.path.join(p, "index.json")))["manifests"][0]["digest"].split(":"))))
    print(m["config"]["digest"])
EOF

TOKENS=$OUT/registry/tokens.log
: >"$TOKENS"
case " $AUTH " in
*" token "*)
  PKI=$OUT/pki
  if [ ! -f "$PKI/certs/ca.crt" ]; then
    rm -rf "$PKI" && mkdir -p "$PKI/certs"
    (
      cd "$PKI"
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=layerscan bench CA" 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 3650 -extfile ext.cnf 2>/dev/null
      openssl req -x509 -newkey rsa:2048 -nodes -keyout sign.key -out sign.crt -days 3650 -subj "/CN=layerscan bench token signer" 2>/dev/null
    )
    cp "$PKI/ca.crt" "$PKI/certs/ca.crt"
  fi
  CREDS="bench:bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" # made up here, for this run
  pt=$(free_port)
  python3 "$SRC/tests/tools/token_issuer.py" --port "$pt" --tls-cert "$PKI/server.crt" --tls-key "$PKI/server.key" \
    --sign-key "$PKI/sign.key" --sign-cert "$PKI/sign.crt" --service layerscan-bench-registry \
    --issuer layerscan-bench-issuer --user "${CREDS%%:*}" --password "${CREDS#*:}" --log "$TOKENS" \
    >"$OUT/registry/issuer.out" 2>&1 &
  pids+=($!)
  wait_port "$pt" $! || { cat "$OUT/registry/issuer.out" >&2; log "token issuer did not start"; exit 2; }
  port=$(free_port)
  start_registry token "$port" "  tls:
    certificate: $PKI/server.crt
    key: $PKI/server.key
auth:
  token:
    realm: https://127.0.0.1:$pt/token
    service: layerscan-bench-registry
    issuer: layerscan-bench-issuer
    rootcertbundle: $PKI/sign.crt"
  TOKEN=127.0.0.1:$port
  ;;
esac

# ---- measuring ------------------------------------------------------------------
# audit MODE KIND: one `layerscan audit` over the list of MODE's registry with --cache
# $OUT/cache; its requests are the log lines written meanwhile. Appends a line to
# MODE-KIND.{time,wall}, leaves MODE-KIND.{jsonl,reqs,tokens} of this run.
audit() {
  local label=$1-$2 host args from tfrom s e st=0
  case $1 in
  anon) host=$ANON args=(--tls-verify=false) ;;
  token) host=$TOKEN args=(--cert-dir "$PKI/certs" --creds "$CREDS") ;;
  esac
  args=(audit "${args[@]}" --cache "$OUT/cache" -o "$OUT/$label.jsonl")
  [ -n "$JOBS" ] && args+=(--jobs "$JOBS")
  for ((i = 0; i < N; i++)); do echo "docker://$host/$(ref "$i")"; done >"$OUT/list-$1.txt"
  sleep 0.5 # the logs are written line by line; nothing else talks to the registry
  from=$(stat -c %s "$OUT/registry/$1.log")
  tfrom=$(stat -c %s "$TOKENS")
  s=$(date +%s%N)
  /usr/bin/time -a -f '%U %S %M' -o "$OUT/$label.time" "$LS" "${args[@]}" "$OUT/list-$1.txt" \
    2>"$OUT/$label.stderr" || st=$?
  e=$(date +%s%N)
  if [ "$st" -gt 1 ]; then
    cat "$OUT/$label.stderr" >&2
    log "layerscan audit ($label) failed (exit $st)"
    exit 2
  fi
  awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }' >>"$OUT/$label.wall"
  sleep 0.5
  tail -c +$((from + 1)) "$OUT/registry/$1.log" >"$OUT/$label.reqs"
  tail -c +$((tfrom + 1)) "$TOKENS" | grep -c . >"$OUT/$label.tokens" || true
  case " ${labels[*]} " in *" $label "*) ;; *) labels+=("$label") ;; esac
}
# a compiled-rules cache and nothing else: one scan fills it, its layer results are dropped
warm_rules() {
  rm -rf "$OUT/cache"
  "$LS" scan --format json --cache "$OUT/cache" "$SRC/samples/leaky-docker.tar" >/dev/null 2>&1 || true
  rm -rf "$OUT/cache/layers"
}

labels=()
rm -f "$OUT"/*.time "$OUT"/*.wall
for ((r = 1; r <= RUNS; r++)); do
  for mode in $AUTH; do
    case $mode in anon | token) ;; *) log "BENCH_AUDIT_AUTH: unknown '$mode' (anon, token)"; exit 2 ;; esac
    if [ "$mode" = anon ] && [ "$FULLY_COLD" = 1 ]; then
      log "round $r: audit $mode, fully cold (empty --cache: rules compiled)"
      rm -rf "$OUT/cache"
      audit "$mode" fully-cold
    fi
    log "round $r: audit $mode, cold (empty layer cache, compiled rules cached)"
    warm_rules
    audit "$mode" cold
    log "round $r: audit $mode, warm (the same cache)"
    audit "$mode" warm
  done
done

python3 - "$OUT" "$N" "$OUT/configs.txt" "$RUNS" "$REPOS" "${labels[@]}" <<'EOF'
import json, os, re, statistics, sys

out, n, configs, runs, repos, labels = sys.argv[1], int(sys.argv[2]), set(open(sys.argv[3]).read().split()), sys.argv[4], min(int(sys.argv[5]), int(sys.argv[2])), sys.argv[6:]
CLASSES = ["/v2/ probe", "manifest GET", "manifest HEAD", "config blob", "layer blob", "tags list",
           "referrers", "catalog", "other"]
ALWAYS = {"/v2/ probe", "manifest GET", "config blob", "layer blob"}
BLOB = re.compile(r"^/v2/.+/blobs/(sha256:[0-9a-f]{64})$")

def klass(method, uri):
    path = uri.split("?", 1)[0]
    if path in ("/v2/", "/v2"):
        return "/v2/ probe"
    if path == "/v2/_catalog":
        return "catalog"
    if re.match(r"^/v2/.+/manifests/[^/]+$", path):
        return "manifest HEAD" if method == "HEAD" else "manifest GET"
    m = BLOB.match(path)
    if m:
        return "config blob" if m.group(1) in configs else "layer blob"
    if path.endswith("/tags/list"):
        return "tags list"
    if "/referrers/" in path:
        return "referrers"
    return "other"

rows = {}
for lab in labels:
    rd = lambda ext: open(os.path.join(out, lab + ext)).read()
    # GNU time may write "Command exited with non-zero status 1" before its own line
    times = [l.split() for l in rd(".time").splitlines() if re.fullmatch(r"[0-9.]+ [0-9.]+ [0-9]+", l)]
    lines = rd(".jsonl").splitlines()
    summ = json.loads(lines[-1]).get("summary", {}) if lines else {}
    bad = [(o["audit"]["reference"], o["error"].get("message", "")) for o in map(json.loads, lines[:-1]) if "error" in o]
    counts, conns, statuses = {c: 0 for c in CLASSES}, set(), {}
    for line in rd(".reqs").splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        msg = str(r.get("msg", ""))
        if msg.startswith("response completed"):
            st = int(r.get("http.response.status", 0))
        elif msg.startswith("error authorizing context"):
            st = 401 # the challenge: logged instead of "response completed"
        else:
            continue
        counts[klass(r.get("http.request.method", ""), r.get("http.request.uri", ""))] += 1
        conns.add(r.get("http.request.remoteaddr", ""))
        statuses[st] = statuses.get(st, 0) + 1
    rows[lab] = dict(cpu=statistics.median(float(u) + float(s) for u, s, _ in times),
                     rss=max(int(m) for _, _, m in times) / 1024,
                     wall=statistics.median(float(w) for w in rd(".wall").split()), summ=summ,
                     bad=bad, counts=counts, conns=len(conns), statuses=statuses,
                     tokens=int(rd(".tokens").strip() or 0))

print(f"### Bulk audit: {n} images sharing 3 base layers in {repos} repositories, local docker-registry")
print()
print(f"anon = plain http, anonymous; token = TLS and Bearer tokens; --cache DIR. Median of {runs} round(s).")
print()
print("| run | wall s | images/min | CPU s | peak RSS MiB | layers scanned | cache hits | bytes fetched | image errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for lab in labels:
    r = rows[lab]; sm = r["summ"]
    print(f"| {lab} | {r['wall']:.2f} | {n * 60 / r['wall']:.0f} | {r['cpu']:.2f} | {r['rss']:.0f} | "
          f"{sm.get('layers_scanned', '?')} | {sm.get('cache_hits', '?')} | {sm.get('bytes_fetched', '?')} | "
          f"{sm.get('failed_images', '?')} |")
print()
print("Requests per image (the registry's log over the run / images; tokens: the issuer's log):")
print()
print("| class | " + " | ".join(labels) + " |")
print("|---|" + "---:|" * len(labels))
per = lambda k: f"{k / n:.2f}"
for c in CLASSES:
    vals = [per(rows[l]["counts"][c]) for l in labels]
    if c in ALWAYS or any(v != "0.00" for v in vals):
        print(f"| {c} | " + " | ".join(vals) + " |")
print("| registry requests, total | " + " | ".join(per(sum(rows[l]["counts"].values())) for l in labels) + " |")
print("| of which 401 (challenges) | " + " | ".join(per(rows[l]["statuses"].get(401, 0)) for l in labels) + " |")
print("| token requests (issuer) | " + " | ".join(per(rows[l]["tokens"]) for l in labels) + " |")
print("| connections to the registry | " + " | ".join(per(rows[l]["conns"]) for l in labels) + " |")
print()
for lab in labels:
    r = rows[lab]
    print(f"{lab}: HTTP statuses " + ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items())) +
          f"; {r['conns']} connections; {r['tokens']} tokens; summary errors {r['summ'].get('errors', '?')}")
    for ref, msg in r["bad"][:5]:
        print(f"  image error: {ref}: {msg[:160]}")
EOF
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "command: BENCH_AUDIT_N=$N BENCH_AUDIT_REPOS=$REPOS BENCH_AUDIT_BASE_MB=$BASE_MB BENCH_AUDIT_JOBS=$JOBS BENCH_AUDIT_RUNS=$RUNS BENCH_AUDIT_AUTH=\"$AUTH\" tests/bench/audit_throughput.sh $LS"
echo "audit: $LS audit {--tls-verify=false | --cert-dir DIR --creds U:P} --cache DIR${JOBS:+ --jobs $JOBS} -o OUT.jsonl LIST"
"$LS" --version | tr '\n' ';' | sed 's/;$/\n/'
