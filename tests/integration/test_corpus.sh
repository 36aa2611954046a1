#!/usr/bin/env bash
# test_corpus.sh LAYERSCAN SRCDIR WORKDIR
#
# Builds every labeled case of SRCDIR/tests/corpus/<case>/spec.json with
# tests/tools/mkimage.py in each image form, scans it with
#   LAYERSCAN scan --format json --show-secrets [--platform P] IMAGE
# and checks the exit code and the report against labels.json with
# tests/tools/expect.py. The same labels serve every form, so all forms must
# give the same findings. One line per case/form; exit 1 if any failed.
#
# LAYERSCAN may carry a wrapper ("valgrind -q build/layerscan").
# LAYERSCAN_CASES="present big-file" limits the run to those cases.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
TOOLS=$SRC/tests/tools
CORPUS=$SRC/tests/corpus
TIMEOUT=${LAYERSCAN_TIMEOUT:-120}

rm -rf "$WORK"
mkdir -p "$WORK"

fails=0
passes=0

# case_info SPEC LABELS -> one line, fields separated by \x1f (empty fields kept):
# forms, ref, scan_platform, platforms, the layer form's file name, want_exit.
# One python3 per case, where one per field and form cost hundreds of starts.
case_info() {
  python3 - "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s.get("_test", {})
e = json.load(open(sys.argv[2])).get("exit", 1)
forms = t.get("forms", ["oci", "oci-archive", "docker-archive", "docker-oci", "oci-bare", "docker-archive-bare"])
layer_name = ""
if "layer" in forms:
    layer_name = {"gzip": "layer.tar.gz", "zstd": "layer.tar.zst"}.get(s["layers"][0].get("compression", "gzip"), "layer.tar")
s_ = lambda v: "" if v is None else str(v)
print("\x1f".join([" ".join(forms), s_(s.get("ref")), s_(t.get("scan_platform")), s_(t.get("platforms")),
                     layer_name, " ".join(map(str, e if isinstance(e, list) else [e]))]))
PY
}

build() { # case form spec out
  local form=$2 spec=$3 out=$4
  local pargs=()
  if [ -n "$platforms" ]; then pargs=(--platforms "$platforms"); fi
  case $form in
    oci|oci-bare) python3 "$TOOLS/mkimage.py" "$spec" "$out" --format oci "${pargs[@]}" ;;
    oci-archive) python3 "$TOOLS/mkimage.py" "$spec" "$out" --format oci-archive "${pargs[@]}" ;;
    docker-archive|docker-archive-bare) python3 "$TOOLS/mkimage.py" "$spec" "$out" --format docker-archive ;;
    docker-oci) python3 "$TOOLS/mkimage.py" "$spec" "$out" --format docker-oci "${pargs[@]}" ;;
    layer) python3 "$TOOLS/mkimage.py" "$spec" "$out" --format layer --layer 0 ;;
    raw) python3 "$TOOLS/mkimage.py" "$spec" "$out" --format raw ;;
    *) echo "unknown form $form" >&2; return 1 ;;
  esac
}

image_ref() { # form path ref
  case $1 in
    oci) if [ -n "$3" ]; then echo "oci:$2:$3"; else echo "oci:$2"; fi ;;
    oci-archive) echo "oci-archive:$2" ;;
    docker-archive|docker-oci) echo "docker-archive:$2" ;;
    oci-bare|docker-archive-bare|layer|raw) echo "$2" ;;
  esac
}

out_name() { # form (the layer form's name is $layer_name, from case_info)
  case $1 in
    oci|oci-bare) echo "image-oci" ;;
    layer) echo "$layer_name" ;;
    raw) echo "blob.bin" ;;
    *) echo "image-$1.tar" ;;
  esac
}

for dir in "$CORPUS"/*/; do
  name=$(basename "$dir")
  if [ -n "${LAYERSCAN_CASES:-}" ] && [[ " $LAYERSCAN_CASES " != *" $name "* ]]; then
    continue
  fi
  spec=$dir/spec.json
  labels=$dir/labels.json
  forms=""
  IFS=$'\x1f' read -r forms ref scan_platform platforms layer_name want_exit < <(case_info "$spec" "$labels") || true
  if [ -z "$forms" ] || [ -z "$want_exit" ]; then
    echo "FAIL $name: cannot read $spec and $labels"; fails=$((fails + 1)); continue
  fi
  for form in $forms; do
    cw=$WORK/$name/$form
    mkdir -p "$cw"
    out=$cw/$(out_name "$form")
    if ! build "$name" "$form" "$spec" "$out" >"$cw/build.log" 2>&1; then
      echo "FAIL $name $form: mkimage failed"; sed 's/^/    /' "$cw/build.log"
      fails=$((fails + 1)); continue
    fi
    img=$(image_ref "$form" "$out" "$ref")
    args=(scan --format json --show-secrets)
    if [ -n "$scan_platform" ]; then args+=(--platform "$scan_platform"); fi
    rc=0
    timeout "$TIMEOUT" "${LS[@]}" "${args[@]}" "$img" >"$cw/report.json" 2>"$cw/stderr.txt" || rc=$?
    if [ "$rc" -eq 124 ]; then
      echo "FAIL $name $form: timed out after ${TIMEOUT}s"; fails=$((fails + 1)); continue
    fi
    if [ "$rc" -eq 2 ]; then
      nlines=$(grep -c . "$cw/stderr.txt" || true)
      if [[ " $want_exit " == *" 2 "* ]] && [ "$nlines" -eq 1 ]; then
        echo "ok   $name $form (exit 2: $(head -c 200 "$cw/stderr.txt"))"; passes=$((passes + 1))
      else
        echo "FAIL $name $form: exit 2 (want $want_exit), stderr has $nlines line(s):"
        sed 's/^/    /' "$cw/stderr.txt" | head -20
        fails=$((fails + 1))
      fi
      continue
    fi
    if python3 "$TOOLS/expect.py" "$cw/report.json" "$labels" --exit "$rc" --show-secrets --quiet \
         >"$cw/expect.log" 2>&1; then
      echo "ok   $name $form (exit $rc)"; passes=$((passes + 1))
      if grep -q warning "$cw/expect.log"; then sed 's/^/    /' "$cw/expect.log"; fi
    else
      echo "FAIL $name $form (exit $rc): $img"
      sed 's/^/    /' "$cw/expect.log"
      if [ -s "$cw/stderr.txt" ]; then echo "    stderr:"; sed 's/^/      /' "$cw/stderr.txt" | head -20; fi
      fails=$((fails + 1))
    fi
  done
done

echo "corpus: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
