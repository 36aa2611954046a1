#!/usr/bin/env bash
# test_engine.sh LAYERSCAN SRCDIR WORKDIR
#
# docker-daemon:NAME reads `docker save`'s archive from an engine's API over
# its Unix socket (GET /images/NAME/get), once, as it arrives.
#   1. Real Podman: the committed sample is `podman load`ed into a store in
#      WORKDIR and served by `podman system service` on a socket in a short
#      directory of the test's own
#      (DOCKER_HOST=unix://...). Its report must equal the report of the
#      sample file (transport docker-daemon aside), by full name, short name
#      and image ID; an image Podman lacks, and other commands than scan,
#      are one line and exit 2.
#   2. A fake engine (tests/tools/fake_engine.py) for what Podman will not
#      do on request: an error status with its message, an answer cut off
#      mid-archive; no engine at the socket; a tcp:// DOCKER_HOST.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
. "$SRC/tests/interop/lib.sh"
interop_require podman:podman curl:curl

PY=$(python3 -c 'import sys; print(sys.executable)')
TOOLS=$SRC/tests/tools
S=$SRC/samples/leaky-docker.tar
pids=()
# Podman refuses a run root over 50 characters and a socket path must fit in
# 108 bytes: both live in a short directory of their own, not in WORKDIR
RUN=$(mktemp -d /tmp/ls-engine.XXXXXX)
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT

# wait_socket SOCK: up to 20 s for something to listen there
wait_socket() {
  for _ in $(seq 1 200); do
    if curl -s --max-time 2 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1 ||
       curl -s --max-time 2 --unix-socket "$1" -o /dev/null http://localhost/images/x/get 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

"${LS[@]}" scan --format json --show-secrets "$S" >"$WORK/file.json" || true

# 1. Podman
P=(podman --root "$WORK/store" --runroot "$RUN/run" --storage-driver vfs --cgroup-manager cgroupfs --events-backend none)
"${P[@]}" load -q -i "$S" >/dev/null
"${P[@]}" system service --time 0 "unix://$RUN/podman.sock" >"$WORK/podman.log" 2>&1 &
pids+=($!)
wait_socket "$RUN/podman.sock" || interop_die "podman system service did not listen: $(cat "$WORK/podman.log")"
export DOCKER_HOST=unix://$RUN/podman.sock
id=$("${P[@]}" images -q localhost/example/leaky:1.0)
for ref in localhost/example/leaky:1.0 example/leaky:1.0 "$id"; do
  rc=0
  "${LS[@]}" scan --format json --show-secrets "docker-daemon:$ref" >"$WORK/d.json" 2>"$WORK/d.err" || rc=$?
  if [ "$rc" -eq 1 ] && "$PY" "$TOOLS/same_report.py" "$WORK/file.json" "$WORK/d.json" --ignore-transport >"$WORK/diff.txt"; then
    ok "podman docker-daemon:$ref ($(cat "$WORK/diff.txt"))"
  else
    bad "podman docker-daemon:$ref: exit $rc $(cat "$WORK/d.err")"; sed 's/^/    /' "$WORK/diff.txt"
  fi
done
expect_eq "podman: reference and transport" \
  "$("$PY" -c 'import json,sys; i=json.load(open(sys.argv[1]))["image"]; print(i["reference"], i["transport"])' "$WORK/d.json")" \
  "$id docker-daemon"
rc=0
"${LS[@]}" scan docker-daemon:example/absent:2 >/dev/null 2>"$WORK/e.err" || rc=$?
expect_eq "podman: an image it lacks" "$rc $(grep -c . "$WORK/e.err") $(sed 's/ (.*//' "$WORK/e.err")" \
  "2 1 layerscan: docker-daemon:example/absent:2: the engine at unix://$RUN/podman.sock has no such image"
expect_eq "layers of an engine's image" \
  "$("${LS[@]}" layers docker-daemon:example/leaky:1.0 | awk 'NR > 1 {n++} END {print n}')" 8
rc=0
"${LS[@]}" diff docker-daemon:example/leaky:1.0 --layer 1 >/dev/null 2>"$WORK/e.err" || rc=$?
expect_eq "diff of an engine's image" "$rc $(cat "$WORK/e.err")" \
  "2 layerscan: docker-daemon:example/leaky:1.0: an image piped in or from an engine is read once (scan, layers and history take one); save it to a file for this command"

# 2. a fake engine
"$PY" "$TOOLS/fake_engine.py" "$RUN/fake.sock" --image app:1="$S" --image cut:1="$S" --cut cut:1=20000 \
  --fail broken:1="500:layer store is locked" &
pids+=($!)
wait_socket "$RUN/fake.sock" || interop_die "fake engine did not listen"
export DOCKER_HOST=unix://$RUN/fake.sock
rc=0
"${LS[@]}" scan --format json --show-secrets docker-daemon:app:1 >"$WORK/d.json" 2>"$WORK/d.err" || rc=$?
if [ "$rc" -eq 1 ] && "$PY" "$TOOLS/same_report.py" "$WORK/file.json" "$WORK/d.json" --ignore-transport >"$WORK/diff.txt"; then
  ok "fake engine app:1 ($(cat "$WORK/diff.txt"))"
else
  bad "fake engine app:1: exit $rc $(cat "$WORK/d.err")"; sed 's/^/    /' "$WORK/diff.txt"
fi
one_line() { # NAME EXPECTED REF
  local rc=0
  "${LS[@]}" scan "$3" >/dev/null 2>"$WORK/e.err" || rc=$?
  expect_eq "$1" "$rc $(cat "$WORK/e.err")" "2 layerscan: $2"
}
one_line "engine error status" \
  "docker-daemon:broken:1: the engine at unix://$RUN/fake.sock answered HTTP 500: layer store is locked" docker-daemon:broken:1
one_line "engine: no such image" \
  "docker-daemon:other:1: the engine at unix://$RUN/fake.sock has no such image (No such image: other:1)" docker-daemon:other:1
rc=0
"${LS[@]}" scan docker-daemon:cut:1 >/dev/null 2>"$WORK/e.err" || rc=$?
expect_eq "engine answer cut off mid-archive" "$rc $(grep -c . "$WORK/e.err") $(sed 's/broke off: .*/broke off/' "$WORK/e.err")" \
  "2 1 layerscan: docker-daemon:cut:1: the engine's answer broke off"
export DOCKER_HOST=unix://$RUN/nothing.sock
rc=0
"${LS[@]}" scan docker-daemon:app:1 >/dev/null 2>"$WORK/e.err" || rc=$?
expect_eq "no engine at the socket" "$rc $(sed 's/ (is Docker.*//' "$WORK/e.err")" \
  "2 layerscan: docker-daemon:app:1: cannot connect to the engine at unix://$RUN/nothing.sock"
export DOCKER_HOST=tcp://127.0.0.1:2375
one_line "a tcp:// DOCKER_HOST" "docker-daemon:app:1: engine address tcp://127.0.0.1:2375: only a unix:// socket is read" \
  docker-daemon:app:1

ls_test_finish test_engine
