# lib.sh - what every integration test script starts with, sourced (never run
# by ctest: only test_*.sh are registered).
#   . "$(dirname "$0")/lib.sh"; ls_test_init "$@"
# gives LS (the layerscan command as an array), SRC (the source tree), WORK (a
# fresh, empty work directory, also the current directory) and fails=0, and
#   ok NAME / bad NAME        one result line (bad counts a failure)
#   check NAME COMMAND...     ok when COMMAND succeeds, else bad with its stderr
#   expect_eq NAME GOT WANT   ok when GOT is WANT to the letter
#   ls_test_finish LABEL      the closing line; the script's status (0: no failure)

ls_test_init() {
  if [ $# -ne 3 ]; then
    echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
    exit 2
  fi
  read -r -a LS <<<"$1"
  SRC=$2
  WORK=$3
  rm -rf "$WORK"
  mkdir -p "$WORK"
  cd "$WORK"
  fails=0
}

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
check() {
  local name=$1
  shift
  if "$@" 2>"$WORK/check.err"; then ok "$name"; else bad "$name: $(cat "$WORK/check.err")"; fi
}
expect_eq() {
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi
}
ls_test_finish() {
  echo "$1: $fails failure(s)"
  [ "$fails" -eq 0 ]
}
