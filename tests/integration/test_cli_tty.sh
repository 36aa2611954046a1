#!/usr/bin/env bash
# test_cli_tty.sh LAYERSCAN SRCDIR WORKDIR
#  Terminal behaviour, under script(1) for a pseudo-terminal: the progress
#  line (layer i/N, MB, MB/s) on stderr only on a terminal and not with CI
#  set; colors only on a terminal and never with NO_COLOR; nothing of either
#  in pipes.
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
LS=$1
SRC=$2
WORK=$3
IMG="docker-archive:$SRC/samples/leaky-docker.tar"
rm -rf "$WORK"
mkdir -p "$WORK"
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
if ! command -v script >/dev/null; then
  echo "skip: script(1) not installed"
  exit 0
fi
ESC=$'\033'

# on a terminal (stdout and stderr both the pty): progress for every layer, then cleared
env -u CI -u NO_COLOR script -qec "$LS scan $IMG" /dev/null >"$WORK/tty.out" </dev/null || true
for i in 1 2 3 4 5 6 7 8; do
  if grep -q "layer $i/8  [0-9.]* MB  [0-9.]* MB/s" "$WORK/tty.out"; then ok "progress layer $i/8"; else bad "no progress line for layer $i/8"; fi
done
if grep -q "${ESC}\[1mlayerscan" "$WORK/tty.out" && grep -q "${ESC}\[31mCRITICAL" "$WORK/tty.out"; then ok "colors on a terminal"; else bad "no colors on a terminal"; fi

env -u NO_COLOR CI=true script -qec "$LS scan $IMG" /dev/null >"$WORK/ci.out" </dev/null || true
if grep -q "layer 1/8" "$WORK/ci.out"; then bad "progress with CI set"; else ok "no progress with CI set"; fi

env -u CI NO_COLOR=1 script -qec "$LS scan $IMG" /dev/null >"$WORK/nocolor.out" </dev/null || true
if grep -q "${ESC}\[[0-9]*m" "$WORK/nocolor.out"; then bad "colors with NO_COLOR"; else ok "no colors with NO_COLOR"; fi

# pipes: no progress, no colors
env -u CI -u NO_COLOR "$LS" scan "$IMG" >"$WORK/pipe.out" 2>"$WORK/pipe.err" || true
if [ ! -s "$WORK/pipe.err" ] && ! grep -q "$ESC" "$WORK/pipe.out"; then ok "pipes: no progress, no escape"; else bad "pipes: escape sequences or stderr output"; fi

# extract never writes raw image bytes to a terminal
rc=0
script -qec "$LS extract $IMG --layer 1 --path /root/.ssh/id_rsa" /dev/null >"$WORK/extract.out" </dev/null || rc=$?
if [ $rc -eq 2 ] && grep -q "layerscan: refusing to write raw bytes to a terminal: use -o FILE or a pipe" "$WORK/extract.out" &&
  ! grep -q "BEGIN" "$WORK/extract.out"; then ok "extract refuses a terminal"; else bad "extract to a terminal: exit $rc"; fi

echo "cli tty: $fails failure(s)"
[ "$fails" -eq 0 ]
