#!/usr/bin/env bash
# test_cli_help.sh LAYERSCAN SRCDIR WORKDIR
#  The options table (analyzer/cli/options.c): `layerscan CMD --help` lists
#  exactly that command's options; `layerscan --help` lists every option of
#  the table with non-empty help; an option of another command is refused
#  with its one-line message and exit 2; the parse errors keep their text.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"

# the option names of a help text, one per line, sorted
names() { grep -oE '^  (-[a-z], )?--[a-z-]+' | sed -E 's/^  (-[a-z], )?--//' | sort | tr '\n' ' ' | sed 's/ $//'; }

# cmd_help CMD WANT: CMD --help exits 0, on stdout, and lists exactly WANT
cmd_help() {
  local cmd=$1 want=$2 rc=0 got
  "${LS[@]}" "$cmd" --help >"$WORK/$cmd.help" 2>"$WORK/$cmd.help.err" || rc=$?
  expect_eq "$cmd --help: exit" "$rc" 0
  expect_eq "$cmd --help: nothing on stderr" "$(cat "$WORK/$cmd.help.err")" ""
  expect_eq "$cmd --help: usage line" "$(head -1 "$WORK/$cmd.help" | cut -d' ' -f1-3)" "usage: layerscan $cmd"
  got=$(names <"$WORK/$cmd.help")
  want=$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ' | sed 's/ $//')
  expect_eq "$cmd --help: its options" "$got" "$want"
}

READ="platform max-json-size max-layer-size image-timeout creds authfile cert-dir tls-verify registry-timeout registry-stall"
RULES="rules no-default-rules disable-rule checks"
FIND="$READ $RULES min-confidence include-vendor config max-findings-per-file match-window no-cache max-nested-depth max-nested-bytes max-nested-ratio max-nested-entries output"
cmd_help scan "$FIND help format show-secrets fail-on baseline jobs cache cache-key verify-key require-signature"
cmd_help baseline "$FIND help from-report"
cmd_help layers "$FIND help show-secrets baseline"
cmd_help history "$FIND help show-secrets baseline"
cmd_help extract "$FIND help layer path force allow-unverified finding report"
cmd_help diff "$READ help output layer allow-unverified"
cmd_help rules "$RULES help format match-window no-cache verbose"
cmd_help audit "$FIND help format show-secrets fail-on baseline jobs cache cache-key resume html-summary shard registry repos tags page-size verify-key require-signature"
cmd_help registry "creds authfile cert-dir tls-verify registry-timeout registry-stall page-size help verbose"
# the short names are shown with the long ones
grep -q '^  -o, --output FILE ' "$WORK/scan.help" && ok "scan --help: -o, --output" || bad "scan --help: no '-o, --output FILE'"
grep -q '^  -v, --verbose ' "$WORK/rules.help" && ok "rules --help: -v, --verbose" || bad "rules --help: no '-v, --verbose'"
# -h is --help
rc=0; "${LS[@]}" scan -h >"$WORK/scan.h" 2>&1 || rc=$?
expect_eq "scan -h: exit" "$rc" 0
cmp -s "$WORK/scan.h" "$WORK/scan.help" && ok "scan -h is scan --help" || bad "scan -h differs from scan --help"

# the whole program's --help: every option of the table (verbose, help and
# version have their own usage lines), each with help text after its name
rc=0; "${LS[@]}" --help >"$WORK/all.help" 2>&1 || rc=$?
expect_eq "--help: exit" "$rc" 0
table=$(grep -oE "^    \\{\"[a-z-]+\", (0|'[a-z]')," "$SRC/analyzer/cli/options.c" | grep -oE '"[a-z-]+"' | tr -d '"' | grep -vxE 'verbose|help|version' | sort | tr '\n' ' ' | sed 's/ $//')
expect_eq "--help: the table's options" "$(names <"$WORK/all.help")" "$table"
expect_eq "--help: the options it always listed" "$(wc -w <<<"$table")" 48
empty=$(grep -E '^  (-[a-z], )?--' "$WORK/all.help" | grep -vE '^  (-[a-z], )?--[a-z-]+(=false|( [^ ]+)?)  +[^ ]' || true)
expect_eq "--help: every option has help text" "$empty" ""
for f in "$WORK"/*.help; do
  empty=$(grep -E '^  (-[a-z], )?--' "$f" | grep -vE '^  (-[a-z], )?--[a-z-]+(=false|( [^ ]+)?)  +[^ ]' || true)
  expect_eq "$(basename "$f"): every option has help text" "$empty" ""
done
for cmd in scan baseline layers history extract diff rules audit registry; do
  grep -q "^ *\(usage:\)\? *layerscan $cmd " "$WORK/all.help" && ok "--help: names $cmd" || bad "--help: does not name $cmd"
done
# an unknown command's --help is the whole program's
rc=0; "${LS[@]}" bogus --help >"$WORK/bogus.out" 2>&1 || rc=$?
expect_eq "bogus --help: exit" "$rc" 0
cmp -s "$WORK/bogus.out" "$WORK/all.help" && ok "bogus --help is --help" || bad "bogus --help differs from --help"

# refused or malformed: exact message, exit 2, nothing on stdout
# err NAME WANT_MESSAGE ARGS...
err() {
  local name=$1 want=$2 rc=0
  shift 2
  "${LS[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  expect_eq "$name: exit" "$rc" 2
  expect_eq "$name: message" "$(cat "$WORK/$name.err")" "$want"
  expect_eq "$name: stdout" "$(cat "$WORK/$name.out")" ""
}
err scan-resume "layerscan: --resume is an option of audit only" scan --resume r.jsonl img.tar
err baseline-html "layerscan: --html-summary is an option of audit only" baseline create --html-summary s.html img.tar
err layers-shard "layerscan: --shard is an option of audit only" layers --shard 0/2 img.tar
err rules-registry "layerscan: --registry is an option of audit only" rules --registry h list
err scan-order "layerscan: --resume is an option of audit only" scan --tags x --resume r img.tar
err history-cache "layerscan: --cache is an option of scan and audit only" history --cache d img.tar
err diff-cache-key "layerscan: --cache-key is an option of scan and audit only" diff --cache-key k img.tar
err unknown "layerscan: unknown option --bogus (see layerscan --help)" scan --bogus img.tar
err unknown-short "layerscan: unknown option -x (see layerscan --help)" scan -x img.tar
err ambiguous "layerscan: unknown option --ver (see layerscan --help)" scan --ver img.tar
err needs-value "layerscan: option --format needs a value" scan --format
err needs-value-short "layerscan: option -o needs a value" scan -o
err bad-format "layerscan: --format xml: expected text, json, jsonl, sarif or html" scan --format xml img.tar
err bad-jobs "layerscan: --jobs 0: expected a number from 1 to 256" scan --jobs 0 img.tar
err bad-layer "layerscan: --layer -1: expected a layer index (0, 1, ...)" diff --layer -1 img.tar
err bad-tls "layerscan: --tls-verify=maybe: expected true or false" scan --tls-verify=maybe img.tar
err bad-nested "layerscan: --max-nested-depth 17: expected a number from 1 to 16" scan --max-nested-depth 17 img.tar
err bad-stall "layerscan: --registry-stall 10ms: expected a duration from 1s such as 30s, 2m" scan --registry-stall 10ms img.tar
err empty-cache "layerscan: --cache needs a directory" scan --cache= img.tar
# an option meant for another command but accepted by every one stays accepted:
# the command then fails on its own terms (here: no such image)
rc=0; "${LS[@]}" layers --fail-on high "$WORK/none.tar" >/dev/null 2>"$WORK/accepted.err" || rc=$?
expect_eq "layers --fail-on: exit" "$rc" 2
grep -q 'option' "$WORK/accepted.err" && bad "layers --fail-on: refused as an option: $(cat "$WORK/accepted.err")" || ok "layers --fail-on: accepted"

ls_test_finish test_cli_help
