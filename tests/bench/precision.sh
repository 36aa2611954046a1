#!/usr/bin/env bash
# tests/bench/precision.sh LAYERSCAN [LABEL [BASELINE_LABEL]] - findings on real, clean content.
#
# Never run by ctest. Scans two corpora of real software that holds no secret of anyone's
# (only vendors' documented example keys and test fixtures) and counts what layerscan reports:
#   debian: the packages listed in tests/bench/precision-debian.txt (Debian 12), fetched with
#           `apt-get download` (the newest version a Debian archive offers, so a locally
#           installed third-party build does not get in the way), each turned into a layer
#           with `dpkg-deb --fsys-tarfile` and scanned as a bare layer;
#   npm:    the packages listed in tests/bench/precision-npm.txt installed with
#           `npm install --ignore-scripts --legacy-peer-deps` (dependencies included),
#           node_modules packed into one layer under /app/node_modules.
# Inputs are made once under tests/bench/out/precision/ (gitignored) and reused as they are by
# every later run, so two runs (two binaries, two rule sets) scan the same bytes; delete
# out/precision/debs, out/precision/npm to fetch again. BENCH_PRECISION_DIR=DIR uses DIR instead
# of out/precision (another tree's inputs and results, e.g. a baseline taken there).
#
# LAYERSCAN is the binary; the rules are its default ones: set LAYERSCAN_PATTERNS to choose
# the directory. LABEL (default "run") names the results directory out/precision/results/LABEL
# (findings.tsv: every finding; summary.json; report.md). With BASELINE_LABEL, the report ends
# with the difference in high-confidence findings per rule and the findings that are new.
# Prints the report (Markdown) on standard output.
#   before: LAYERSCAN_PATTERNS=/tmp/r14-before/patterns tests/bench/precision.sh /work/bin/layerscan-before before
#   after:  tests/bench/precision.sh build/layerscan after before
# Needs: apt-get, apt-cache, dpkg-deb (Debian), npm, python3, tar.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_PRECISION_DIR:-$HERE/out/precision}
[ $# -ge 1 ] || { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
LS=$1
LABEL=${2:-run}
BASE=${3:-}
case $LABEL in */* | .* | "") echo "precision.sh: bad LABEL '$LABEL'" >&2; exit 2 ;; esac
[ -x "$LS" ] || { echo "precision.sh: $LS is not an executable" >&2; exit 2; }
LS=$(cd "$(dirname "$LS")" && pwd)/$(basename "$LS")
for t in apt-get apt-cache dpkg-deb npm python3 tar; do
  command -v "$t" >/dev/null || { echo "precision.sh: $t is missing" >&2; exit 2; }
done
if [ -n "$BASE" ] && [ ! -f "$OUT/results/$BASE/summary.json" ]; then
  echo "precision.sh: no results for the baseline '$BASE' ($OUT/results/$BASE/summary.json)" >&2
  exit 2
fi
if [ -n "${LAYERSCAN_PATTERNS:-}" ] && [ ! -d "$LAYERSCAN_PATTERNS" ]; then
  echo "precision.sh: LAYERSCAN_PATTERNS=$LAYERSCAN_PATTERNS is not a directory" >&2
  exit 2
fi
DEBS=$OUT/debs
DLAYERS=$OUT/debian-layers
NPMDIR=$OUT/npm
RES=$OUT/results/$LABEL
mkdir -p "$DEBS" "$DLAYERS" "$NPMDIR"
names() { sed 's/#.*//' "$1" | tr ' \t' '\n\n' | grep -v '^$'; }
mapfile -t PKGS < <(names "$HERE/precision-debian.txt")
mapfile -t NPMS < <(names "$HERE/precision-npm.txt")

# ---- the Debian packages --------------------------------------------------------------
have_deb() { compgen -G "$DEBS/${1}_*.deb" >/dev/null; }
deb_of() { compgen -G "$DEBS/${1}_*.deb" | head -1; }
# PKG=VERSION for each name given: the newest version a Debian archive offers (apt-cache
# madison lists archive versions only, newest first; one call for all: it is slow per call)
archive_specs() {
  apt-cache madison "$@" 2>/dev/null |
    awk -F'|' '$3 ~ /Packages/ { gsub(/ /, "", $1); gsub(/ /, "", $2); if (!seen[$1]++) print $1 "=" $2 }'
}
unknown_of() { # the names of $@ without a spec in $specs_text
  local p
  for p in "$@"; do
    case $'\n'$specs_text in *$'\n'"$p="*) ;; *) echo "$p" ;; esac
  done
}
missing=()
for p in "${PKGS[@]}"; do have_deb "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "precision.sh: fetching ${#missing[@]} Debian packages into $DEBS" >&2
  specs_text=$(archive_specs "${missing[@]}")
  mapfile -t unknown < <(unknown_of "${missing[@]}")
  if [ ${#unknown[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
    echo "precision.sh: no archive version of ${unknown[*]}: apt-get update" >&2
    apt-get update -qq >/dev/null || { echo "precision.sh: apt-get update failed" >&2; exit 2; }
    specs_text=$(archive_specs "${missing[@]}")
    mapfile -t unknown < <(unknown_of "${missing[@]}")
  fi
  if [ ${#unknown[@]} -gt 0 ]; then
    echo "precision.sh: no Debian archive offers ${unknown[*]} (apt sources: $(grep -h '^URIs:\|^Suites:' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr '\n' ' '))" >&2
    echo "precision.sh: fix tests/bench/precision-debian.txt or the apt sources" >&2
    exit 2
  fi
  mapfile -t specs <<<"$specs_text"
  # one apt-get for all (fast); if it fails, one per package to name the failures
  if ! (cd "$DEBS" && apt-get download -qq "${specs[@]}" >"$OUT/apt.log" 2>&1); then
    failed=()
    for s in "${specs[@]}"; do
      have_deb "${s%%=*}" || (cd "$DEBS" && apt-get download -qq "$s" >>"$OUT/apt.log" 2>&1) || failed+=("$s")
    done
    if [ ${#failed[@]} -gt 0 ]; then
      tail -20 "$OUT/apt.log" >&2
      echo "precision.sh: apt-get download failed for ${failed[*]} (network? see $OUT/apt.log)" >&2
      exit 2
    fi
  fi
  rm -f "$DEBS"/*.FAILED 2>/dev/null || true
fi
for p in "${PKGS[@]}"; do
  have_deb "$p" || { echo "precision.sh: $p: no .deb in $DEBS after apt-get download" >&2; exit 2; }
  l=$DLAYERS/$p.tar
  d=$(deb_of "$p")
  if [ ! -f "$l" ] || [ "$d" -nt "$l" ]; then
    dpkg-deb --fsys-tarfile "$d" >"$l.tmp" || { echo "precision.sh: dpkg-deb --fsys-tarfile $d failed" >&2; exit 2; }
    mv "$l.tmp" "$l"
  fi
done

# ---- the npm tree ----------------------------------------------------------------------
want=$(printf '%s\n' "${NPMS[@]}" | sha256sum | cut -c1-16)
if [ "$(cat "$NPMDIR/list.sha" 2>/dev/null)" != "$want" ] || [ ! -f "$NPMDIR/app.tar" ]; then
  echo "precision.sh: npm install of ${#NPMS[@]} packages into $NPMDIR (dependencies included)" >&2
  rm -rf "$NPMDIR/node_modules" "$NPMDIR/package.json" "$NPMDIR/package-lock.json" "$NPMDIR/app.tar"
  echo '{"name":"precision-corpus","version":"1.0.0","private":true}' >"$NPMDIR/package.json"
  if ! (cd "$NPMDIR" && npm install --ignore-scripts --legacy-peer-deps --no-audit --no-fund \
    --loglevel=error "${NPMS[@]}" >"$OUT/npm.log" 2>&1); then
    tail -30 "$OUT/npm.log" >&2
    echo "precision.sh: npm install failed (registry reachable? see $OUT/npm.log;" \
      "npm config get registry: $(npm config get registry 2>/dev/null))" >&2
    exit 2
  fi
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --transform 's,^node_modules,app/node_modules,' \
    -C "$NPMDIR" -cf "$NPMDIR/app.tar.tmp" node_modules package.json package-lock.json
  mv "$NPMDIR/app.tar.tmp" "$NPMDIR/app.tar"
  echo "$want" >"$NPMDIR/list.sha"
fi

# ---- scanning ------------------------------------------------------------------------------
rm -rf "$RES"
mkdir -p "$RES/debian" "$RES/npm"
export LAYERSCAN_CACHE_DIR=$RES/cache # compiled rules of this run only
scan() { # scan OUT.json LAYER
  local st=0
  "$LS" scan --format json -o "$1" "$2" 2>"$1.stderr" || st=$?
  if [ "$st" -gt 1 ]; then
    echo "precision.sh: layerscan scan $2 failed (exit $st):" >&2
    cat "$1.stderr" >&2
    exit 2
  fi
}
RULES_DESC=${LAYERSCAN_PATTERNS:-the binary default}
echo "precision.sh: scanning ${#PKGS[@]} Debian packages and the npm tree with $LS (rules: $RULES_DESC)" >&2
SECONDS=0
for p in "${PKGS[@]}"; do scan "$RES/debian/$p.json" "$DLAYERS/$p.tar"; done
scan "$RES/npm/app.json" "$NPMDIR/app.tar"
rules_n=$("$LS" rules list 2>/dev/null | grep -c . || true)
{
  echo "binary: $LS ($("$LS" --version | head -1))"
  echo "rules: $RULES_DESC ($rules_n lines in \`layerscan rules list\`)"
  echo "debian: ${#PKGS[@]} packages, $(du -cb "$DLAYERS"/*.tar | awk 'END { printf "%.0f", $1 / 1e6 }') MB of layer tars"
  echo "npm: ${#NPMS[@]} packages asked for, $(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["packages"]) - 1)' "$NPMDIR/package-lock.json") installed with their dependencies, $(du -b "$NPMDIR/app.tar" | awk '{ printf "%.0f", $1 / 1e6 }') MB tar"
  echo "scanned in ${SECONDS} s"
} >"$RES/meta.txt"
python3 "$HERE/precision_report.py" "$OUT" "$LABEL" ${BASE:+"$BASE"} | tee "$RES/report.md"
