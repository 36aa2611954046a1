#!/usr/bin/env bash
# test_ci_recipes.sh LAYERSCAN SRCDIR WORKDIR
#
# The CI recipes of samples/ci, as users paste them:
#   - github-actions.yml and gitlab-ci.yml parse, and have the jobs and steps
#     the README names, the scan's exact command line among them;
#   - the layerscan command line of each recipe (the line marked
#     "# layerscan-cmd"), run for real with the image saver replaced by `cat`:
#     the leaky sample is exit 1 with a SARIF naming private-key, a clean lone
#     layer exit 0, an empty stream exit 2;
#   - the whole scan step / job script run by bash -eo pipefail (as the CI
#     shells do) with a fake docker first on PATH: the status it hands to the
#     gate, and the gate's exit, for leaky, clean, baselined, empty and a
#     failed save;
#   - the pre-push hook with a fake podman / docker: blocks (and says why) on
#     findings, an empty stream and a failed save; allows a clean image; picks
#     the engine; and as a real git pre-push hook blocks and allows a push.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
PY=$(python3 -c 'import sys; print(sys.executable)') # not through a version manager's shim
CI_DIR=$SRC/samples/ci
LEAKY=$SRC/samples/leaky-docker.tar
HOOK=$CI_DIR/pre-push
export CI=1 # no progress line

# layerscan on PATH, as the recipes call it
mkdir -p "$WORK/bin" "$WORK/clean-root"
if [ "${#LS[@]}" -eq 1 ]; then
  ln -s "$(command -v "${LS[0]}")" "$WORK/bin/layerscan"
else
  printf '#!/bin/sh\nexec %s "$@"\n' "$(printf '%q ' "${LS[@]}")" >"$WORK/bin/layerscan"
  chmod +x "$WORK/bin/layerscan"
fi
# fake engines: `save` writes $FAKE_TAR (nothing when empty), then fails
# with $FAKE_FAIL when set; anything else is an error
for engine in docker podman; do
  cat >"$WORK/bin/$engine" <<'FAKE'
#!/bin/sh
[ "$1" = save ] || { echo "fake engine: $*" >&2; exit 3; }
[ -z "${FAKE_TAR:-}" ] || cat "$FAKE_TAR"
[ -z "${FAKE_FAIL:-}" ] || { echo "Error: $2: image not known" >&2; exit "$FAKE_FAIL"; }
FAKE
  chmod +x "$WORK/bin/$engine"
done
export PATH="$WORK/bin:$PATH"
# a clean image: one harmless file, a lone layer
echo "nothing to see" >"$WORK/clean-root/README.txt"
tar -C "$WORK/clean-root" -cf "$WORK/clean.tar" .
: >"$WORK/empty.tar"

# 1. structure, and each recipe's script written out for the runs below
"$PY" - "$CI_DIR" "$WORK" >"$WORK/yaml.out" 2>&1 <<'PYEOF' || echo "FAIL python: exit $?" >>"$WORK/yaml.out"
import sys, yaml
ci, work = sys.argv[1], sys.argv[2]
CMD = ('docker save "$IMAGE" | layerscan scan --format sarif --fail-on high '
       '"${baseline[@]}" -o layerscan.sarif - # layerscan-cmd')
def check(name, cond, detail=""):
    print(("OK " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)))

gha = yaml.safe_load(open(f"{ci}/github-actions.yml"))
on = gha.get("on", gha.get(True))  # YAML 1.1 reads a bare `on` as true
check("gha triggers", isinstance(on, dict) and "push" in on and "pull_request" in on, on)
check("gha permissions", gha.get("permissions", {}).get("security-events") == "write", gha.get("permissions"))
check("gha jobs", list(gha["jobs"]) == ["layerscan"], list(gha["jobs"]))
job = gha["jobs"]["layerscan"]
check("gha runs-on", job.get("runs-on") == "ubuntu-latest", job.get("runs-on"))
check("gha image name", job["env"]["IMAGE"] == "app:${{ github.sha }}", job["env"])
steps = job["steps"]
names = [s.get("name") for s in steps]
check("gha step names", names == ["Checkout", "Build the image", "Install layerscan", "Scan the image",
                                  "Upload SARIF", "Gate"], names)
by = dict(zip(names, steps))
check("gha checkout", by["Checkout"].get("uses") == "actions/checkout@v4", by["Checkout"])
check("gha build", by["Build the image"]["run"].strip() == 'docker build -t "$IMAGE" .', by["Build the image"])
inst = by["Install layerscan"]["run"]
check("gha install: README's build command",
      ".ci/install-deps && cmake -S . -B build && cmake --build build -j" in inst and "git clone" in inst, inst)
scan = by["Scan the image"]
check("gha scan id and shell", scan.get("id") == "scan" and scan.get("shell") == "bash", scan)
lines = [l.strip() for l in scan["run"].splitlines() if "# layerscan-cmd" in l]
check("gha scan command line", lines == [CMD], lines)
check("gha scan baseline", "if [ -f .layerscan-baseline.json ]; then baseline=(--baseline .layerscan-baseline.json); fi"
      in scan["run"], scan["run"])
up = by["Upload SARIF"]
check("gha upload", up.get("uses") == "github/codeql-action/upload-sarif@v3"
      and up.get("with", {}).get("sarif_file") == "layerscan.sarif"
      and str(up.get("if", "")).startswith("always()"), up)
gate = by["Gate"]
check("gha gate", str(gate.get("if", "")).startswith("always()")
      and gate.get("env", {}).get("STATUS") == "${{ steps.scan.outputs.status }}"
      and 'exit "$STATUS"' in gate["run"], gate)
open(f"{work}/gha-scan.sh", "w").write(scan["run"])
open(f"{work}/gha-gate.sh", "w").write(gate["run"])

gl = yaml.safe_load(open(f"{ci}/gitlab-ci.yml"))
jobs = [k for k, v in gl.items() if isinstance(v, dict) and "script" in v]
check("gitlab jobs", jobs == ["layerscan"], jobs)
j = gl["layerscan"]
svc = [s["name"] if isinstance(s, dict) else s for s in j.get("services", [])]
check("gitlab dind", any(s.startswith("docker:") and s.endswith("-dind") for s in svc)
      and j["variables"].get("DOCKER_HOST", "").startswith("tcp://docker:"), (svc, j["variables"]))
check("gitlab image name", j["variables"].get("IMAGE") == "app:$CI_COMMIT_SHA", j["variables"])
check("gitlab install: README's build command",
      any(".ci/install-deps && cmake -S . -B build && cmake --build build -j" in l for l in j["before_script"]),
      j["before_script"])
check("gitlab build", j["script"][0] == 'docker build -t "$IMAGE" .', j["script"])
body = "\n".join(j["script"][1:])
lines = [l.strip() for l in body.splitlines() if "# layerscan-cmd" in l]
check("gitlab scan command line", lines == [CMD], lines)
art = j.get("artifacts", {})
check("gitlab artifact", art.get("paths") == ["layerscan.sarif"] and art.get("when") == "always"
      and "reports" not in art, art)
open(f"{work}/gitlab-script.sh", "w").write(body + "\n")
PYEOF
while IFS= read -r line; do
  case $line in
    OK\ *) ok "${line#OK }" ;;
    *) bad "$line" ;;
  esac
done <"$WORK/yaml.out"
[ -s "$WORK/gha-scan.sh" ] || { bad "yaml: no scripts extracted"; ls_test_finish test_ci_recipes; exit; }

# the three command lines, marked in the recipes
gha_cmd=$(grep -F '# layerscan-cmd' "$WORK/gha-scan.sh")
expect_eq "gitlab line is github's" "$(grep -F '# layerscan-cmd' "$WORK/gitlab-script.sh")" "$gha_cmd"
hook_cmd=$(grep -B1 -F '# layerscan-cmd' "$HOOK" | tr -d '\n')
expect_eq "hook command line" "$(echo "$hook_cmd" | sed 's/  */ /g')" \
  '{ "$ENGINE" save "$IMAGE" || echo "$?" >"$tmp/save-failed"; } | layerscan scan --fail-on high "$@" - || status=$? # layerscan-cmd'
check "hook is executable" test -x "$HOOK"
check "hook parses as POSIX sh" sh -n "$HOOK"

# sarif_ok FILE: valid SARIF with results, a private-key among them
sarif_ok() {
  "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]["results"]; assert r, "no results"
ids={x["ruleId"] for x in r}; assert "private-key" in ids, ids' "$1"
}

# 2. each command line for real, the saver replaced by cat
# run_line NAME LINE INPUT WANT: LINE with its saver replaced reads INPUT; exit WANT
run_line() {
  local name=$1 line=$2 input=$3 want=$4 rc=0
  line=${line/'docker save "$IMAGE"'/cat \"\$IN\"}
  line=${line/'{ "$ENGINE" save "$IMAGE" || echo "$?" >"$tmp/save-failed"; }'/cat \"\$IN\"}
  line=${line%|| status=\$? # layerscan-cmd}
  rm -f layerscan.sarif
  IN=$input bash -c "baseline=(); set --; $line" >"$WORK/line.out" 2>"$WORK/line.err" || rc=$?
  expect_eq "$name: exit" "$rc" "$want"
}
# (GitLab's line is GitHub's to the letter, checked above: run once)
for r in gha hook; do
  case $r in gha) cmd=$gha_cmd ;; hook) cmd=$hook_cmd ;; esac
  run_line "$r line, leaky sample" "$cmd" "$LEAKY" 1
  if [ "$r" = hook ]; then
    check "$r line, leaky sample: private-key in the report" grep -q '(private-key)' "$WORK/line.out"
  else
    check "$r line, leaky sample: SARIF with a private-key result" sarif_ok layerscan.sarif
  fi
  run_line "$r line, clean layer" "$cmd" "$WORK/clean.tar" 0
  run_line "$r line, empty stream" "$cmd" "$WORK/empty.tar" 2
  expect_eq "$r line, empty stream: message" "$(cat "$WORK/line.err")" \
    "layerscan: stdin: empty stream (nothing was piped in)"
done

# 3. the whole scan step and gate (GitHub), the whole job script (GitLab),
# with the fake docker; in a fresh directory as the checkout
# gha NAME WANT [env...]: the scan step hands WANT to the gate, which exits WANT
gha() {
  local name=$1 want=$2 rc=0 grc=0 status
  shift 2
  : >"$WORK/gh-output"
  env IMAGE=app:0123abc GITHUB_OUTPUT="$WORK/gh-output" "$@" \
    bash --noprofile --norc -eo pipefail "$WORK/gha-scan.sh" >"$WORK/step.out" 2>&1 || rc=$?
  status=$(sed -n 's/^status=//p' "$WORK/gh-output")
  env STATUS="$status" bash --noprofile --norc -eo pipefail "$WORK/gha-gate.sh" >"$WORK/gate.out" 2>&1 || grc=$?
  expect_eq "gha $name: scan step exit, status, gate exit" "$rc $status $grc" "0 $want $want"
}
gitlab() {
  local name=$1 want=$2 rc=0
  shift 2
  env IMAGE=app:0123abc "$@" bash --noprofile --norc -eo pipefail "$WORK/gitlab-script.sh" \
    >"$WORK/job.out" 2>&1 || rc=$?
  expect_eq "gitlab $name: job exit" "$rc" "$want"
}
mkdir "$WORK/checkout"
cd "$WORK/checkout"
for r in gha gitlab; do
  rm -f layerscan.sarif
  $r "leaky" 1 FAKE_TAR="$LEAKY"
  check "$r leaky: SARIF with a private-key result" sarif_ok layerscan.sarif
  $r "clean" 0 FAKE_TAR="$WORK/clean.tar"
  $r "empty stream" 2 FAKE_TAR=
  $r "docker save fails" 2 FAKE_FAIL=1
  # the archive came through whole and clean, but the saver said it failed
  $r "docker save fails after a clean archive" 2 FAKE_TAR="$WORK/clean.tar" FAKE_FAIL=1
done
check "gha failed save: error annotation" grep -q '^::error::docker save app:0123abc failed (exit 1)' "$WORK/step.out"
check "gitlab failed save: said" grep -q '^docker save app:0123abc failed (exit 1)' "$WORK/job.out"
# a baseline of today's findings, present in the checkout: the gate passes,
# the SARIF lists them as suppressed
layerscan baseline create "$LEAKY" >.layerscan-baseline.json
for r in gha gitlab; do
  rm -f layerscan.sarif
  $r "leaky, baselined" 0 FAKE_TAR="$LEAKY"
  check "$r leaky, baselined: suppressed in the SARIF" "$PY" -c 'import json,sys
r=json.load(open(sys.argv[1]))["runs"][0]["results"]; assert r and all(x.get("suppressions") for x in r), r' layerscan.sarif
done
rm .layerscan-baseline.json
cd "$WORK"

# 4. the pre-push hook, fake podman first on PATH
# hook NAME WANT [env...] -- [args...]: exit WANT
hook() {
  local name=$1 want=$2 rc=0 envs=()
  shift 2
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$HOOK" "$@" >"$WORK/hook.out" 2>"$WORK/hook.err" </dev/null || rc=$?
  expect_eq "hook $name: exit" "$rc" "$want"
}
hook "leaky" 1 FAKE_TAR="$LEAKY" -- app:1
check "hook leaky: report on stdout" grep -q '(private-key)' "$WORK/hook.out"
expect_eq "hook leaky: why" "$(tail -n 1 "$WORK/hook.err")" \
  "pre-push: push blocked: app:1 has findings at or above high (above; accept known ones with layerscan baseline create)"
hook "clean" 0 FAKE_TAR="$WORK/clean.tar" -- app:1
hook "empty stream" 2 FAKE_TAR= -- app:1
expect_eq "hook empty stream: why" "$(cat "$WORK/hook.err")" "layerscan: stdin: empty stream (nothing was piped in)
pre-push: push blocked: layerscan could not scan app:1 (exit 2, above)"
hook "podman save fails" 2 FAKE_FAIL=125 -- app:1
expect_eq "hook podman save fails: why" "$(tail -n 1 "$WORK/hook.err")" \
  "pre-push: push blocked: 'podman save app:1' failed (exit 125)"
hook "podman save fails after a clean archive" 2 FAKE_TAR="$WORK/clean.tar" FAKE_FAIL=125 -- app:1
expect_eq "hook podman save fails after a clean archive: why" "$(cat "$WORK/hook.err")" \
  "Error: app:1: image not known
pre-push: push blocked: 'podman save app:1' failed (exit 125)"
cd "$WORK/checkout"
layerscan baseline create "$LEAKY" >.layerscan-baseline.json
hook "leaky, baselined in the working directory" 0 FAKE_TAR="$LEAKY" -- app:1
rm .layerscan-baseline.json
cd "$WORK"
hook "LAYERSCAN_IMAGE wins" 2 LAYERSCAN_IMAGE=app:2 FAKE_FAIL=125 -- app:1
expect_eq "hook LAYERSCAN_IMAGE wins: image" "$(tail -n 1 "$WORK/hook.err")" \
  "pre-push: push blocked: 'podman save app:2' failed (exit 125)"
# LAYERSCAN_ENGINE=docker: a docker that fails while podman would pass
cat >"$WORK/bin/docker-fails" <<'FAKE'
#!/bin/sh
exit 7
FAKE
chmod +x "$WORK/bin/docker-fails"
hook "LAYERSCAN_ENGINE" 2 LAYERSCAN_ENGINE=docker-fails FAKE_TAR="$WORK/clean.tar" -- app:1
expect_eq "hook LAYERSCAN_ENGINE: why" "$(tail -n 1 "$WORK/hook.err")" \
  "pre-push: push blocked: 'docker-fails save app:1' failed (exit 7)"
# no podman installed: docker (a PATH of only what the hook needs)
mkdir "$WORK/nopodman"
for t in layerscan docker mktemp rm cat; do ln -s "$(command -v "$t")" "$WORK/nopodman/$t"; done
hook "no podman: docker" 1 PATH="$WORK/nopodman" FAKE_TAR="$LEAKY" -- app:1
hook "no podman, docker missing" 2 PATH="$WORK/nopodman" LAYERSCAN_ENGINE=nosuch -- app:1
check "hook engine missing: why" grep -q "^pre-push: push blocked: 'nosuch save app:1' failed (exit 127)" "$WORK/hook.err"
hook "no image" 2 -- 
hook "git hook form without LAYERSCAN_IMAGE" 0 FAKE_TAR="$LEAKY" -- origin /dev/null

# as a real git pre-push hook
git init -q --bare "$WORK/remote.git"
git init -q "$WORK/repo"
cp "$HOOK" "$WORK/repo/.git/hooks/pre-push"
git -C "$WORK/repo" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m one
rc=0
(cd "$WORK/repo" && LAYERSCAN_IMAGE=app:1 FAKE_TAR="$LEAKY" git push -q "$WORK/remote.git" HEAD:refs/heads/main) \
  >"$WORK/push.out" 2>&1 || rc=$?
expect_eq "git push, leaky image: refused, no ref" "$rc $(git -C "$WORK/remote.git" rev-parse -q --verify refs/heads/main || echo none)" "1 none"
check "git push, leaky image: why" grep -q '^pre-push: push blocked: app:1 has findings' "$WORK/push.out"
rc=0
(cd "$WORK/repo" && LAYERSCAN_IMAGE=app:1 FAKE_TAR="$WORK/clean.tar" git push -q "$WORK/remote.git" HEAD:refs/heads/main) \
  >"$WORK/push.out" 2>&1 || rc=$?
expect_eq "git push, clean image: pushed" "$rc $(git -C "$WORK/remote.git" rev-parse refs/heads/main)" \
  "0 $(git -C "$WORK/repo" rev-parse HEAD)"

ls_test_finish test_ci_recipes
