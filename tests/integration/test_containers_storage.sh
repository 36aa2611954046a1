#!/usr/bin/env bash
# test_containers_storage.sh LAYERSCAN SRCDIR WORKDIR
#
# The containers-storage: transport on real Buildah stores. buildah bud
# (chroot isolation, private --root/--runroot) builds a 3-layer image:
#   L0  COPY rootfs/ /                   static busybox, sh and rm applets
#   L1  COPY id_rsa /root/.ssh/id_rsa    a FAKE ed25519 key made by openssl now
#   L2  RUN rm /root/.ssh/id_rsa         root/.ssh/.wh.id_rsa in the layer tar
# with the vfs driver (must work) and the overlay driver (when the sandbox
# allows it: a NOTE says when it does not). layerscan reads the store
# directly and must report exactly the deleted key (rule, path, layer,
# status, history instruction), every layer verified against its diff_id,
# and the same findings, history and layer contents as the image copied out
# by skopeo to an oci-archive (skopeo gzips the layers: the blob digests,
# media types and compressed sizes differ, nothing else).
# Hostile stores (copies of the vfs one, edited): a tar-split member named
# ../ or /, a diff file of the wrong size, a symlink in the diff directory,
# a diff file changed in place (same size), and an image that is not there.
set -u
. "$(dirname "$0")/lib.sh"
ls_test_init "$@"
# shellcheck source=SCRIPTDIR/../interop/lib.sh
. "$SRC/tests/interop/lib.sh"
interop_require buildah:buildah skopeo:skopeo openssl:openssl timeout:coreutils
# the system's python starts in 0.1 s, a version manager's shim in 1 s
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

export BUILDAH_ISOLATION=chroot
export REGISTRIES_CONFIG_PATH="$WORK/registries.conf"
printf 'unqualified-search-registries = []\n' >"$REGISTRIES_CONFIG_PATH"
POLICY="$WORK/policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY"

bah() {
  local drv=$1
  shift
  timeout 120 buildah --root "$WORK/root-$drv" --runroot "$WORK/run-$drv" --storage-driver "$drv" "$@"
}
cleanup() {
  # the overlay driver may leave its home bind-mounted on itself, or a
  # failed build a container's mount: only mounts under $WORK, deepest first
  local m
  awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
  done
}
trap cleanup EXIT

# ---- the image
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1; }
fi
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
  bad "a static /bin/busybox is needed for the RUN step"
  ls_test_finish test_containers_storage
  exit 1
fi
mkdir -p ctx/rootfs/bin
cp "$BUSYBOX" ctx/rootfs/bin/busybox
ln -s busybox ctx/rootfs/bin/sh
ln -s busybox ctx/rootfs/bin/rm
openssl genpkey -algorithm ed25519 -out ctx/id_rsa 2>/dev/null # FAKE, made for this test
printf 'FROM scratch\nCOPY rootfs/ /\nCOPY id_rsa /root/.ssh/id_rsa\nRUN rm /root/.ssh/id_rsa\n' >ctx/Dockerfile

build() {
  bah "$1" bud --signature-policy "$POLICY" --pull=never --layers --isolation chroot -t csimg ctx \
    >"build-$1.log" 2>&1
}
drivers=()
if build vfs; then
  drivers+=(vfs)
else
  bad "buildah bud with the vfs driver: $(tail -n 3 build-vfs.log)"
fi
if build overlay; then
  drivers+=(overlay)
else
  echo "# NOTE: buildah cannot build with the overlay driver here; overlay is not covered:"
  tail -n 3 build-overlay.log | sed 's/^/#   /'
fi

# expect_report REPORT - the one finding and three verified layers.
expect_report() {
  "$PY" - "$1" <<'EOF'
import json, re, sys
r = json.load(open(sys.argv[1]))
H = "[0-9a-f]{64}"
ins = ["COPY dir:%s in /" % H, "COPY file:%s in /root/\\.ssh/id_rsa" % H, "RUN rm /root/\\.ssh/id_rsa"]
problems = []
def want(cond, what):
    if not cond:
        problems.append(what)
want(r["image"]["transport"] == "containers-storage", "transport %r" % r["image"]["transport"])
want(r["errors"] == [], "errors %r" % r["errors"])
want(len(r["layers"]) == 3, "%d layers" % len(r["layers"]))
for i, l in enumerate(r["layers"]):
    want(l["digest_verified"] is True and l["digest"] == l["diff_id"], "layer %d not verified" % i)
    want(l["compression"] == "none" and l["media_type"] == "application/vnd.oci.image.layer.v1.tar",
         "layer %d media type %s" % (i, l["media_type"]))
    want(re.fullmatch(ins[i], l["instruction"] or ""), "layer %d instruction %r" % (i, l["instruction"]))
want([l["whiteouts"] for l in r["layers"]] == [0, 0, 1], "whiteouts")
f = [(x["rule"], x["source"], x["path"], x["layer"], x["history"], x["status"], x["removed_in_layer"])
     for x in r["findings"]]
want(f == [("private-key", "file", "/root/.ssh/id_rsa", 1, 1, "deleted", 2)], "findings %r" % f)
want(len(r["findings"]) == 1 and re.fullmatch(ins[1], r["findings"][0]["instruction"]),
     "finding instruction")
want(len(r["findings"]) == 1 and r["findings"][0]["secret"] == "-----BEGIN PRIVATE KEY-----\u2026",
     "secret not redacted")
if problems:
    print("; ".join(problems))
    sys.exit(1)
EOF
}

# same_report A B - findings, history and layers agree but for how the
# blobs are stored (digest, media type, compression, compressed size).
same_report() {
  "$PY" - "$1" "$2" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
blob = {"digest", "media_type", "compression", "compressed_bytes"}
la = [{k: v for k, v in l.items() if k not in blob} for l in a["layers"]]
lb = [{k: v for k, v in l.items() if k not in blob} for l in b["layers"]]
for key, x, y in (("findings", a["findings"], b["findings"]), ("history", a["history"], b["history"]),
                  ("layers", la, lb), ("errors", a["errors"], b["errors"]),
                  ("config", a["image"]["config_digest"], b["image"]["config_digest"])):
    if x != y:
        print("%s differ:\n%s\n%s" % (key, json.dumps(x), json.dumps(y)))
        sys.exit(1)
EOF
}

scan() { # scan OUT REF - the JSON report; the exit status in $rc
  rc=0
  timeout 300 "${LS[@]}" scan --format json "$2" >"$1" 2>"$1.err" || rc=$?
}

for drv in "${drivers[@]}"; do
  store="[$drv@$WORK/root-$drv+$WORK/run-$drv]"
  scan "cs-$drv.json" "containers-storage:${store}csimg"
  expect_eq "$drv: scan exits 1 (a finding)" "$rc" 1
  check "$drv: the deleted key, exactly" expect_report "cs-$drv.json"
  if timeout 60 skopeo copy --policy "$POLICY" "containers-storage:${store}localhost/csimg" \
    "oci-archive:$WORK/$drv.tar" >"skopeo-$drv.log" 2>&1; then
    scan "oci-$drv.json" "oci-archive:$WORK/$drv.tar"
    expect_eq "$drv: oci-archive scan exits 1" "$rc" 1
    check "$drv: same report as skopeo's oci-archive copy" same_report "cs-$drv.json" "oci-$drv.json"
  else
    bad "$drv: skopeo copy: $(tail -n 2 "skopeo-$drv.log")"
  fi
done


# ---- names: full name, short name, ID prefix, NAME@digest
config_of() { grep -o '"config_digest": *"[^"]*"' "$1" | sed 's/.*"\(sha256:[0-9a-f]*\)"$/\1/'; }
if [ "${drivers[0]:-}" = vfs ]; then
  V="[vfs@$WORK/root-vfs]"
  id=$(bah vfs images --noheading --no-trunc --format '{{.ID}}' localhost/csimg:latest | sed 's/^sha256://')
  digest=$(bah vfs images --noheading --digests --format '{{.Digest}}' localhost/csimg:latest)
  for name in localhost/csimg:latest csimg:latest "${id:0:12}" "csimg@$digest"; do
    scan by-name.json "containers-storage:$V$name"
    expect_eq "vfs: found by $name" "$rc:$(config_of by-name.json)" "1:sha256:$id"
  done
  scan none.json "containers-storage:${V}nosuch:1"
  expect_eq "missing image: exit 2" "$rc" 2
  expect_eq "missing image: one line" "$(cat none.json.err)" \
    "layerscan: ${V}nosuch:1: no image nosuch:1 in the store (available: localhost/csimg:latest)"
  scan empty.json "containers-storage:"
  expect_eq "no name: exit 2" "$rc" 2

  # ---- hostile stores: copies of the vfs store, edited
  for h in dotdot abs size link edit nots trunc; do cp -a "$WORK/root-vfs" "$WORK/h-$h"; done
  # layer 1 is the layer whose tar-split has the key's content: its entry
  # is renamed in h-dotdot and h-abs, its file edited in place in h-edit
  l1=$("$PY" - "$WORK" <<'EOF'
import glob, gzip, json, os, sys
w = sys.argv[1]
l1 = None
for p in glob.glob(os.path.join(w, "root-vfs/vfs-layers/*.tar-split.gz")):
    for line in gzip.open(p, "rt"):
        e = json.loads(line)
        if e["type"] == 1 and e.get("name") == "root/.ssh/id_rsa" and e.get("size", 0) > 0:
            l1 = os.path.basename(p)[:64]
for store, new in (("h-dotdot", "../../../../../../etc/hostname"), ("h-abs", "/etc/hostname")):
    path = os.path.join(w, store, "vfs-layers", l1 + ".tar-split.gz")
    lines = [json.loads(l) for l in gzip.open(path, "rt")]
    for e in lines:
        if e["type"] == 1 and e.get("name") == "root/.ssh/id_rsa":
            e["name"] = new
    with gzip.open(path, "wt") as f:
        f.write("".join(json.dumps(e) + "\n" for e in lines))
key = os.path.join(w, "h-edit/vfs/dir", l1, "root/.ssh/id_rsa")
b = bytearray(open(key, "rb").read())
b[40] ^= 1
open(key, "wb").write(bytes(b))
print(l1)
EOF
)
  printf 'x' >>"$WORK/h-size/vfs/dir/$l1/root/.ssh/id_rsa"
  size=$(stat -c %s "$WORK/h-size/vfs/dir/$l1/root/.ssh/id_rsa")
  mkdir "$WORK/h-link/outside"
  cp "$WORK/h-link/vfs/dir/$l1/root/.ssh/id_rsa" "$WORK/h-link/outside/"
  rm -r "$WORK/h-link/vfs/dir/$l1/root/.ssh"
  ln -s ../../../../outside "$WORK/h-link/vfs/dir/$l1/root/.ssh"
  rm "$WORK/h-nots/vfs-layers/$l1.tar-split.gz"
  head -c 100 "$WORK/root-vfs/vfs-layers/$l1.tar-split.gz" >"$WORK/h-trunc/vfs-layers/$l1.tar-split.gz"
  for h in dotdot abs size link edit nots trunc; do
    scan "h-$h.json" "containers-storage:[vfs@$WORK/h-$h]csimg"
    # the layer fails, the scan does not; the key is not read, but in
    # h-edit, where the stream is scanned before its digest is known
    want="0:0"
    [ "$h" = edit ] && want="1:1"
    expect_eq "h-$h: exit status, findings" "$rc:$(grep -c '"rule": "private-key"' "h-$h.json")" "$want"
  done
  # each report's first error, and how many errors name another layer than 1
  # (the pipeline puts "layer 1: " before an error met while walking the
  # tar, not before one met opening the layer)
  "$PY" - h-nots.json h-trunc.json h-dotdot.json h-abs.json h-size.json h-link.json h-edit.json >errors.txt <<'EOF'
import json, sys
for p in sys.argv[1:]:
    e = json.load(open(p))["errors"]
    print("%s | %d" % (e[0]["message"] if e else "-", sum(1 for x in e if x.get("layer") != 1)))
EOF
  {
    read -r got
    expect_eq "no tar-split: layer 1 is refused" "$got" \
      "[vfs@$WORK/h-nots]csimg: layer 1 (${l1:0:12}) has no tar-split metadata (vfs-layers/$l1.tar-split.gz); such layers are not read | 0"
    read -r got
    expect_eq "truncated tar-split: an error of layer 1" "$got" \
      "[vfs@$WORK/h-trunc]csimg: tar-split metadata is truncated | 0"
    read -r got
    expect_eq "tar-split naming ../: refused in layer 1" "$got" \
      "layer 1: [vfs@$WORK/h-dotdot]csimg: tar-split names ../../../../../../etc/hostname, outside the layer directory (refused) | 0"
    read -r got
    expect_eq "tar-split naming /: refused in layer 1" "$got" \
      "layer 1: [vfs@$WORK/h-abs]csimg: tar-split names /etc/hostname, outside the layer directory (refused) | 0"
    read -r got
    expect_eq "diff file of the wrong size: an error of layer 1" "$got" \
      "layer 1: [vfs@$WORK/h-size]csimg: layer file root/.ssh/id_rsa has $size bytes, its tar entry says $((size - 1)) | 0"
    read -r got
    expect_eq "symlink in the diff directory: refused" "$got" \
      "layer 1: [vfs@$WORK/h-link]csimg: layer file root/.ssh/id_rsa is reached through a symlink (refused) | 0"
    read -r got
  } <errors.txt
  diff=$(grep -o '"diff_id": *"[^"]*"' cs-vfs.json | sed -n 2p | sed 's/.*"\(sha256:[0-9a-f]*\)"$/\1/')
  case "$got" in
  "layer 1: [vfs@$WORK/h-edit]csimg: rebuilt tar is sha256:"*", the store says $diff | 0") ok "diff file changed in place: digest error" ;;
  *) bad "diff file changed in place: got '$got' (store says $diff)" ;;
  esac
fi

ls_test_finish test_containers_storage
