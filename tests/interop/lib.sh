# shellcheck shell=bash
# tests/interop/lib.sh - shared helpers for the interoperability tests
# (tests/integration/test_interop_*.sh). Source it after `set -euo pipefail`.
#
# The interop tests build images with the real tools (umoci, skopeo, buildah)
# and check what layerscan reports about them. Nothing is skipped: a tool that
# is missing is installed, and a tool that cannot work here makes the test fail
# with the reason.

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INTEROP_CHECK="${INTEROP_DIR}/report_check.py"
INTEROP_FAILS=0
INTEROP_PASSES=0
INTEROP_TMP=""
INTEROP_CLEANUPS=()

interop_ok()   { INTEROP_PASSES=$((INTEROP_PASSES + 1)); echo "ok - $*"; }
interop_fail() { INTEROP_FAILS=$((INTEROP_FAILS + 1)); echo "FAIL - $*"; }
# Fatal: print the reason and stop the whole test (used when a tool cannot
# produce the image at all, so there is nothing to check).
interop_die()  { echo "FAIL - $*"; exit 1; }

# interop_require CMD:PACKAGE ... - installs the Debian packages of the commands
# that are missing (apt-get update first, only when something is missing).
interop_require() {
    local missing=() spec cmd pkg
    for spec in "$@"; do
        cmd="${spec%%:*}"; pkg="${spec#*:}"
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "# installing missing tools: ${missing[*]}"
        if [ "$(id -u)" -ne 0 ]; then
            interop_die "missing ${missing[*]} and not root: cannot apt-get install"
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || interop_die "apt-get update failed"
        apt-get install -y -qq "${missing[@]}" >/dev/null || interop_die "apt-get install ${missing[*]} failed"
    fi
    for spec in "$@"; do
        cmd="${spec%%:*}"
        command -v "$cmd" >/dev/null 2>&1 || interop_die "$cmd still missing after installing ${spec#*:}"
    done
    command -v python3 >/dev/null 2>&1 || interop_die "python3 is required for the report checks"
}

# interop_tmpdir PARENT NAME - makes a fresh temp dir under PARENT (the test's
# WORKDIR) and removes it on exit, after the registered cleanups have run.
interop_tmpdir() {
    local parent="$1" name="$2"
    mkdir -p "$parent"
    INTEROP_TMP="$(mktemp -d "${parent%/}/${name}.XXXXXX")"
    trap interop__cleanup EXIT
    trap 'exit 130' INT TERM
}

# interop_on_exit 'command ...' - runs the command (best effort) before the
# temp dir is removed; used to drop buildah containers and images.
interop_on_exit() { INTEROP_CLEANUPS+=("$1"); }

interop__cleanup() {
    local rc=$? c
    set +e
    for c in "${INTEROP_CLEANUPS[@]+"${INTEROP_CLEANUPS[@]}"}"; do
        eval "$c" >/dev/null 2>&1 || true
    done
    if [ -n "$INTEROP_TMP" ] && [ -d "$INTEROP_TMP" ]; then
        if [ -n "${INTEROP_KEEP:-}" ]; then
            echo "# INTEROP_KEEP set: kept $INTEROP_TMP"
        else
            # Storage drivers may leave mounts behind when a build dies midway.
            grep -F " ${INTEROP_TMP}/" /proc/self/mounts 2>/dev/null | awk '{print $2}' | sort -r |
                while read -r m; do umount -l "$m" 2>/dev/null || true; done
            rm -rf "$INTEROP_TMP" 2>/dev/null || true
        fi
    fi
    exit "$rc"
}

# interop_run_checked DESC CMD... - runs a tool command, its output into a log;
# on failure prints the log tail and dies with DESC.
interop_run_checked() {
    local desc="$1"; shift
    local log="${INTEROP_TMP}/cmd.log"
    if "$@" >"$log" 2>&1; then
        return 0
    fi
    echo "# command failed: $*"
    tail -n 25 "$log" | sed 's/^/#   /'
    interop_die "$desc"
}

# interop_scan LAYERSCAN REF OUT [EXPECTED_EXIT] [extra layerscan flags...]
# Runs `layerscan scan --format json --show-secrets REF` (plus flags) with a
# time bound, stores stdout in OUT and stderr in OUT.err, checks the exit code
# and that OUT is JSON. Returns non-zero (after a FAIL line) on mismatch.
interop_scan() {
    local bin="$1" ref="$2" out="$3" want="${4:-1}"; shift 4 || shift $#
    local rc=0
    timeout 60 "$bin" scan --format json --show-secrets "$@" "$ref" >"$out" 2>"$out.err" || rc=$?
    if [ "$rc" -ne "$want" ]; then
        interop_fail "scan $ref: exit $rc, want $want ($(head -c 300 "$out.err" | tr '\n' ' '))"
        return 1
    fi
    if ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" 2>/dev/null; then
        interop_fail "scan $ref: stdout is not JSON"
        return 1
    fi
    interop_ok "scan $ref: exit $rc, JSON report"
}

# interop_check SUBCOMMAND ARGS... - runs report_check.py; it prints its own
# ok/FAIL lines; counts are folded into ours from its last line.
interop_check() {
    local out rc=0 line
    out="$(python3 "$INTEROP_CHECK" "$@" 2>&1)" || rc=$?
    while IFS= read -r line; do
        case "$line" in
            "ok - "*) INTEROP_PASSES=$((INTEROP_PASSES + 1)); echo "$line" ;;
            "FAIL - "*) INTEROP_FAILS=$((INTEROP_FAILS + 1)); echo "$line" ;;
            *) echo "$line" ;;
        esac
    done <<<"$out"
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL - ' <<<"$out"; then
        interop_fail "report_check.py $1 crashed (exit $rc)"
    fi
    return 0
}

# interop_finish - prints the closing count line and exits 0/1.
interop_finish() {
    echo "${INTEROP_PASSES} passed, ${INTEROP_FAILS} failed"
    [ "$INTEROP_FAILS" -eq 0 ]
}

# interop_have_layerscan BIN - dies when the binary under test is not there
# (a missing binary is a failure, not a skip).
interop_have_layerscan() {
    [ -x "$1" ] || interop_die "layerscan binary '$1' not found or not executable"
}
