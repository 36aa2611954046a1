# registry_lib.sh - shell functions shared by the tests that need a real
# registry or the fake one (test_registry.sh, test_audit_registry.sh,
# test_registry_hostile.sh, test_registry_login.sh); sourced, not run.
#
# The caller sets WORK (its scratch directory, created) before sourcing.
# Sourcing makes the test hermetic towards registries: no proxy is asked,
# no auth file of the user is read (HOME and XDG_RUNTIME_DIR move under
# WORK), and every background process started through these functions is
# killed when the shell exits.
#   free_port                      a TCP port nobody listens on (printed)
#   wait_port PORT                 until something listens (10 s at most)
#   start_registry NAME PORT YAML  Debian's docker-registry (distribution 2.8)
#                                  on 127.0.0.1:PORT, its data in WORK/NAME,
#                                  YAML appended to the http: section level
#   make_pki                       a CA and a server certificate for
#                                  127.0.0.1 in WORK/pki, the CA certificate
#                                  alone in WORK/certs (what --cert-dir gets),
#                                  TLS_YAML for start_registry
#   push SRC DEST [skopeo options] skopeo copy, exit 1 with its log on failure
#   start_fake NAME ARGS...        tests/tools/fake_registry.py serving the
#                                  layout $LEAKY with ARGS on a free port
#                                  (its log, stdout, stderr in WORK/NAME.*);
#                                  sets P (the port) and R (its image,
#                                  127.0.0.1:P/leaky:1); exit 1 if it does
#                                  not start ($TOOLS and $LEAKY set by the caller)

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy REGISTRY_AUTH_FILE
export HOME=$WORK/home XDG_RUNTIME_DIR=$WORK/run
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"

pids=()
registry_lib_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap registry_lib_cleanup EXIT

start_fake() { # NAME ARGS...
  local name=$1 port
  shift
  port=$(free_port)
  : >"$WORK/$name.log"
  python3 "$TOOLS/fake_registry.py" --layout "$LEAKY" --port "$port" --log "$WORK/$name.log" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pids+=($!)
  # it prints "ready" once listening (cheaper than wait_port's probes)
  for _ in $(seq 400); do
    grep -q ready "$WORK/$name.out" && break
    sleep 0.05
  done
  grep -q ready "$WORK/$name.out" || { echo "fake registry $name did not start"; cat "$WORK/$name.err"; exit 1; }
  P=$port
  R=127.0.0.1:$port/leaky:1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # PORT: until something listens (10 s at most)
  for _ in $(seq 100); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$1" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

start_registry() { # NAME PORT EXTRA_YAML
  local dir=$WORK/$1
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$2
  secret: layerscan-test-secret
$3
EOF
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  pids+=($!)
  if ! wait_port "$2"; then
    echo "registry $1 did not start:"; sed 's/^/    /' "$dir/registry.log"
    exit 1
  fi
}

make_pki() {
  PKI=$WORK/pki
  CERTS=$WORK/certs   # what layerscan gets: the CA certificate, nothing else
  mkdir -p "$PKI" "$CERTS"
  (
    cd "$PKI"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj "/CN=layerscan test CA" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -keyout sign.key -out sign.crt -days 2 -subj "/CN=layerscan token signer" 2>/dev/null
  )
  cp "$PKI/ca.crt" "$CERTS/ca.crt"
  TLS_YAML="  tls:
    certificate: $PKI/server.crt
    key: $PKI/server.key"
}

push() { # SRC DEST [skopeo options]
  local src=$1 dest=$2
  shift 2
  if ! skopeo copy -q "$@" "$src" "$dest" >"$WORK/push.log" 2>&1; then
    echo "skopeo copy $src $dest failed:"; sed 's/^/    /' "$WORK/push.log"
    exit 1
  fi
}
