#!/usr/bin/env bash
# test_recall_families.sh LAYERSCAN SRCDIR WORKDIR
#
# The per-family recall corpus (tests/recall/*.json, checked by
# tests/tools/recall_check.py): secrets written from each provider's documented
# format, planted in the files where they live, independent of the rules' own
# examples. Every file must give exactly its expected (rule, secret) pairs,
# present in layer 0, and the quiet files nothing; no error.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
shopt -s nullglob
files=("$SRC"/tests/recall/*.json)
if [ ${#files[@]} -eq 0 ]; then
  bad "no recall files in tests/recall"
else
  if python3 "$SRC/tests/tools/recall_check.py" "${LS[*]}" "$WORK/plain" "${files[@]}" >plain.out; then
    ok "recall corpus: $(tail -n 1 plain.out | tr -s ' ')"
  else
    bad "recall corpus"; grep -v '^ok' plain.out | sed 's/^/    /'
  fi
  sed 's/^/    /' plain.out | grep -v FAIL || true
fi
ls_test_finish "recall by family"
