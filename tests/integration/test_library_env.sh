#!/usr/bin/env bash
# test_library_env.sh LAYERSCAN SRCDIR WORKDIR
#
# Only the program reads the environment (analyzer/cli/env.c); the library
# under analyzer/ takes options. Two checks, each of which fails the test:
#  1. link time: no object of the core library (liblayerscan_core.a, built
#     beside the binary) refers to getenv, secure_getenv or environ;
#  2. source: no getenv/secure_getenv call in analyzer/ outside analyzer/cli/
#     (catches code the build left out, under an #if). A string literal that
#     merely names getenv (the non-secret heuristics) is not a call.
# The archive must exist: a missing one is a failure, not a skip.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
BIN=${LS[${#LS[@]}-1]}
LIB=$(dirname "$BIN")/liblayerscan_core.a

if [ ! -f "$LIB" ]; then
  bad "$LIB not found"
  ls_test_finish "library environment"
fi
nm -u "$LIB" >"$WORK/undefined.txt"
if grep -Eq '^[[:space:]]*U (getenv|secure_getenv|__secure_getenv|environ|__environ)$' "$WORK/undefined.txt"; then
  # the object names precede their symbols in nm's output
  bad "the core library refers to the environment: $(awk '/:$/ {obj=$0} /^[[:space:]]*U (getenv|secure_getenv|__secure_getenv|environ|__environ)$/ {print obj, $2}' "$WORK/undefined.txt" | tr '\n' ' ')"
else
  ok "no object of $(basename "$LIB") refers to getenv/secure_getenv/environ"
fi
# the check is live: the program side does refer to getenv
if nm -u "$(dirname "$BIN")/liblayerscan_env.a" | grep -Eq '^[[:space:]]*U getenv$'; then
  ok "liblayerscan_env.a refers to getenv (the nm check sees symbols)"
else
  bad "liblayerscan_env.a does not refer to getenv: the nm check sees nothing"
fi

# calls in the sources: "getenv(" not inside a string literal
grep -rnE '\b(secure_)?getenv[[:space:]]*\(' "$SRC/analyzer" --include='*.c' --include='*.h' |
  grep -v "^$SRC/analyzer/cli/" | grep -vE '"[^"]*getenv\(' >"$WORK/calls.txt" || true
if [ -s "$WORK/calls.txt" ]; then
  bad "getenv called in the library: $(tr '\n' ' ' <"$WORK/calls.txt")"
else
  ok "no getenv/secure_getenv call under analyzer/ outside analyzer/cli/"
fi
ls_test_finish "library environment"
