#!/usr/bin/env bash
# test_samples.sh LAYERSCAN SRCDIR WORKDIR
#  1. regenerates the samples into WORKDIR and checks they are byte-identical
#     to the committed ones (mkimage is deterministic);
#  2. scans the committed samples (docker-archive and OCI forms) and compares
#     each report (made without --show-secrets) with samples/leaky.expected.json,
#     the report of the OCI form, ignoring stats.seconds, tool.version and
#     image.reference; the docker-archive report is compared with --portable
#     (form-dependent digests/media types/sizes ignored). A missing file fails.
#  3. checks each report against the hand-written samples/leaky.labels.json.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 LAYERSCAN SRCDIR WORKDIR" >&2
  exit 2
fi
read -r -a LS <<<"$1"
SRC=$2
WORK=$3
S=$SRC/samples
TOOLS=$SRC/tests/tools
rm -rf "$WORK"
mkdir -p "$WORK/regen"
fails=0

bash "$S/make-samples.sh" "$WORK/regen"
if cmp -s "$WORK/regen/leaky-docker.tar" "$S/leaky-docker.tar"; then
  echo "ok   determinism leaky-docker.tar"
else
  echo "FAIL determinism: regenerated leaky-docker.tar differs from samples/leaky-docker.tar"
  fails=$((fails + 1))
fi
if diff -r "$WORK/regen/leaky-oci" "$S/leaky-oci" >"$WORK/oci.diff" 2>&1; then
  echo "ok   determinism leaky-oci/"
else
  echo "FAIL determinism: regenerated leaky-oci/ differs from samples/leaky-oci/"
  sed 's/^/    /' "$WORK/oci.diff" | head -20
  fails=$((fails + 1))
fi

for form in docker-archive oci; do
  case $form in
    docker-archive) img="docker-archive:$S/leaky-docker.tar" ;;
    oci) img="oci:$S/leaky-oci:1.0" ;;
  esac
  for secrets in plain show; do
    args=(scan --format json)
    if [ "$secrets" = show ]; then args+=(--show-secrets); fi
    out=$WORK/$form-$secrets.json
    rc=0
    "${LS[@]}" "${args[@]}" "$img" >"$out" 2>"$WORK/$form-$secrets.stderr" || rc=$?
    eargs=(--exit "$rc" --quiet)
    if [ "$secrets" = show ]; then eargs+=(--show-secrets); fi
    if python3 "$TOOLS/expect.py" "$out" "$S/leaky.labels.json" "${eargs[@]}" >"$WORK/$form-$secrets.expect" 2>&1; then
      echo "ok   labels $form ($secrets secrets, exit $rc)"
    else
      echo "FAIL labels $form ($secrets secrets, exit $rc)"
      sed 's/^/    /' "$WORK/$form-$secrets.expect"
      sed 's/^/    stderr: /' "$WORK/$form-$secrets.stderr" | head -5
      fails=$((fails + 1))
    fi
  done
  # the expected report is made without --show-secrets (secrets redacted)
  exp=$S/leaky.expected.json
  if [ ! -f "$exp" ]; then
    echo "FAIL expected $form: samples/leaky.expected.json is missing"
    fails=$((fails + 1))
  elif python3 "$TOOLS/compare_report.py" $([ "$form" = oci ] || echo --portable) "$WORK/$form-plain.json" "$exp" >"$WORK/$form.cmp" 2>&1; then
    echo "ok   expected $form"
  else
    echo "FAIL expected $form: report differs from samples/leaky.expected.json"
    sed 's/^/    /' "$WORK/$form.cmp" | head -60
    fails=$((fails + 1))
  fi
done

echo "samples: $fails failure(s)"
[ "$fails" -eq 0 ]
