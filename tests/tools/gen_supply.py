#!/usr/bin/env python3
"""gen_supply.py - labelled supply-chain fixtures: OCI layouts of one small
image with what BuildKit and cosign attach to it (attestations, signatures).

    python3 tests/tools/gen_supply.py OUT_DIR

Needs the Python 3.11 standard library and the `openssl` command (3.x). Runs
in well under a second or two. OUT_DIR is emptied first, then holds:

  keys/                      made fresh on every run with `openssl genpkey`
    cosign-p256.pem/.pub     ECDSA P-256: the legacy cosign signatures
    ed25519.pem/.pub         Ed25519: the Sigstore bundle (DSSE) signatures
    p384.pem/.pub            ECDSA P-384: the bundle of signed-p384
    rsa.pem/.pub             RSA 2048: the legacy signature of signed-rsa
    other-p256.pem/.pub      ECDSA P-256 that signed nothing: "wrong key"
  <layout>/                  OCI image layouts (oci:OUT_DIR/<layout>)
  expected.json              the labels (below)

The image (built with tests/tools/mkimage.py, format oci) is
"layerscan/supply:1.0", linux/amd64, two layers, no secret in any file. Its
history, as Docker's classic builder records a RUN after `ARG NPM_TOKEN`:
  h0  /bin/sh -c #(nop) ADD file:... in /          owns L0
  h1  /bin/sh -c #(nop)  ARG NPM_TOKEN             empty layer
  h2  |1 NPM_TOKEN=<token> /bin/sh -c npm ci       owns L1
  h3  /bin/sh -c #(nop)  CMD ["node" "server.js"]  empty layer
The "cleaned" variant (another config, so another manifest digest) has h2
`/bin/sh -c npm ci`: no build arg left in the history. <token> is a fake npm
token with a valid CRC32 (it is also the value of build-arg:NPM_TOKEN in the
provenance).

Layouts (the image is the only image in each; everything else is attached):
  unsigned        the image alone
  attest-index    BuildKit's older form: index.json lists the image
                  (platform linux/amd64) and the attestation manifest
                  (platform unknown/unknown, annotations
                  vnd.docker.reference.type=attestation-manifest,
                  vnd.docker.reference.digest=<image>)
  attest-cleaned  attest-index on the cleaned image (history null)
  attest-subject  the current form (manifest with "subject" and artifactType
                  application/vnd.docker.attestation.manifest.v1+json),
                  listed in index.json as oras/regctl do (mediaType,
                  artifactType, digest, size; no platform, no annotation)
  attest-blobs    the current form, only in blobs/
  attest-cosign   `cosign attest` then `cosign save`: index.json entries kind
                  dev.cosignproject.cosign/image and .../atts; the atts
                  manifest's layer (application/vnd.dsse.envelope.v1+json,
                  annotation predicateType) is a DSSE envelope, signed with
                  cosign-p256, of the same SLSA v0.2 provenance statement
                  (subject: the docker reference)
  signed-legacy   `cosign save` style: index.json entries annotated kind
                  dev.cosignproject.cosign/image and .../sigs; one
                  simple-signing layer signed with cosign-p256 (ECDSA
                  P-256, SHA-256, DER, base64 in the layer annotation
                  dev.cosignproject.cosign/signature)
  signed-rsa      the same, signed with rsa (RSASSA-PKCS1-v1_5, SHA-256)
  signed-bundle   a Sigstore bundle v0.3 referrer (only in blobs/): a DSSE
                  envelope over an in-toto Statement v1 (predicateType
                  https://sigstore.dev/cosign/sign/v1), Ed25519 over the PAE
  signed-p384     the same, signed with p384 (ECDSA P-384, SHA-384, DER)
  bad-digest      signed-legacy whose payload names another digest (the
                  signature over that payload is valid)
  bad-sig         signed-legacy with one byte of the DER signature flipped
  all             attest-index + the legacy signature (kind sigs entry) +
                  the Ed25519 bundle (blobs only)

expected.json:
  {"npm_token": "...", "docker_reference": "registry.example.test/layerscan/supply",
   "keys": {"p256": {"private": "keys/cosign-p256.pem", "public": "keys/cosign-p256.pub",
                     "algorithm": "ecdsa-p256-sha256"}, ..., "other": {...}},
   "images": {"base": {"manifest": "sha256:..", "config": "sha256:..",
                       "build_arg_history": 2, "history": [created_by, ...]},
              "cleaned": {..., "build_arg_history": null}},
   "layouts": {NAME: {
       "image": "sha256:<image manifest digest>", "base": "base"|"cleaned",
       "attestations": [   # one per statement, in manifest layer order
           {"manifest": "sha256:..", "digest": "sha256:<statement blob>",
            "media_type": "application/vnd.in-toto+json",
            "predicate_type": "https://slsa.dev/provenance/v0.2"|"https://spdx.dev/Document",
            "source": "index"|"referrer"|"tag", "form": "annotation"|"subject"|"cosign",
            "in_index": true|false}],
       "signatures": [
           {"kind": "cosign", "source": "tag"|"referrer",
            "format": "simplesigning"|"bundle", "digest": "sha256:<manifest>",
            "payload": "sha256:<simple-signing payload or bundle blob>",
            "key": "p256"|"ed25519"|"p384"|"rsa" (the key that signed),
            "valid": true|false, "claims": "sha256:<digest the payload names>",
            "defect": null|"digest"|"signature", "in_index": true|false}]}}}

"source" is what the report says: an attestation found through the
vnd.docker.reference annotations is "index", one found through its subject
"referrer"; what cosign attaches by tag (sha256-<hex>.sig / .att in a
registry, the kind annotation in a layout) is "tag", a bundle "referrer".
tests/tools/oci_push.py pushes any of these layouts to a
registry. Image and attestation digests are the same on every run; the
signature digests change with the keys.
"""

import base64
import hashlib
import json
import os
import shutil
import string
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mkimage  # noqa: E402

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_INTOTO = "application/vnd.in-toto+json"
MT_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
MT_BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"
MT_EMPTY = "application/vnd.oci.empty.v1+json"
AT_ATTESTATION = "application/vnd.docker.attestation.manifest.v1+json"
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
PT_SLSA02 = "https://slsa.dev/provenance/v0.2"
PT_SPDX = "https://spdx.dev/Document"
PT_COSIGN_SIGN = "https://sigstore.dev/cosign/sign/v1"
KIND = "kind"
KIND_IMAGE = "dev.cosignproject.cosign/image"
KIND_SIGS = "dev.cosignproject.cosign/sigs"
KIND_ATTS = "dev.cosignproject.cosign/atts"
MT_DSSE = "application/vnd.dsse.envelope.v1+json"
SIG_ANN = "dev.cosignproject.cosign/signature"

NAME = "layerscan/supply"
TAG = "1.0"
DOCKER_REF = "registry.example.test/" + NAME
CREATED = "2024-01-01T00:00:00Z"

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
# the 30 random characters of the fake token; the last 6 are their CRC32
NPM_BODY = "Lq7RwT2mXc9VbN4kYs8PdF3hGj6ZaE"


def npm_token(body):
    v = zlib.crc32(body.encode()) & 0xFFFFFFFF
    tail = ""
    for _ in range(6):
        tail = B62[v % 62] + tail
        v //= 62
    return "npm_" + body + tail


NPM_TOKEN = npm_token(NPM_BODY)

KEYS = {  # name -> (file stem, genpkey args, algorithm label)
    "p256": ("cosign-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ecdsa-p256-sha256"),
    "ed25519": ("ed25519", ["-algorithm", "ED25519"], "ed25519"),
    "p384": ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ecdsa-p384-sha384"),
    "rsa": ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "rsa-pkcs1v15-sha256"),
    "other": ("other-p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], "ecdsa-p256-sha256"),
}


def die(msg):
    print(f"gen_supply: {msg}", file=sys.stderr)
    sys.exit(2)


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def openssl(args, data=None):
    r = subprocess.run(["openssl"] + args, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        die("openssl %s: %s" % (" ".join(args[:2]), r.stderr.decode(errors="replace").strip()))
    return r.stdout


# ---------------------------------------------------------------- keys and signing

class Keys:
    def __init__(self, out):
        self.dir = os.path.join(out, "keys")
        os.makedirs(self.dir)
        self.tmp = tempfile.mkdtemp(prefix="gen_supply.")
        for name, (stem, args, _) in KEYS.items():
            priv, pub = self.path(name, "pem"), self.path(name, "pub")
            openssl(["genpkey"] + args + ["-out", priv])
            openssl(["pkey", "-in", priv, "-pubout", "-out", pub])
            os.chmod(priv, 0o600)

    def path(self, name, ext):
        return os.path.join(self.dir, KEYS[name][0] + "." + ext)

    def sign(self, name, data):
        """The signature over data as cosign makes it with that key: DER ECDSA
        over SHA-256 (P-256) or SHA-384 (P-384), PKCS#1 v1.5 over SHA-256
        (RSA), pure Ed25519."""
        f = os.path.join(self.tmp, "msg")
        with open(f, "wb") as fh:
            fh.write(data)
        priv = self.path(name, "pem")
        if name == "ed25519":
            return openssl(["pkeyutl", "-sign", "-rawin", "-inkey", priv, "-in", f])
        md = "-sha384" if name == "p384" else "-sha256"
        return openssl(["dgst", md, "-sign", priv, f])

    def hint(self, name):
        """cosign's public key hint: base64 of the SHA-256 of the DER key."""
        with open(self.path(name, "pub"), encoding="ascii") as fh:
            body = "".join(l for l in fh.read().splitlines() if not l.startswith("-----"))
        return base64.b64encode(hashlib.sha256(base64.b64decode(body)).digest()).decode()

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- the image

def image_spec(cleaned):
    run = "/bin/sh -c npm ci" if cleaned else "|1 NPM_TOKEN=%s /bin/sh -c npm ci" % NPM_TOKEN
    return {
        "name": NAME, "ref": TAG, "os": "linux", "architecture": "amd64", "created": CREATED,
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "NODE_ENV=production"],
                   "Cmd": ["node", "server.js"], "WorkingDir": "/app"},
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:5b1e8a2f0c6d4e3a in / "},
            {"created_by": "/bin/sh -c #(nop)  ARG NPM_TOKEN", "empty_layer": True},
            {"created_by": run},
            {"created_by": '/bin/sh -c #(nop)  CMD ["node" "server.js"]', "empty_layer": True},
        ],
        "layers": [
            {"entries": [
                {"path": "etc", "type": "dir"},
                {"path": "etc/os-release", "content": 'NAME="Supply Test Linux"\nID=supplytest\nVERSION_ID=1\n'},
                {"path": "app", "type": "dir"},
                {"path": "app/server.js", "content": "require('http').createServer((q, r) => r.end('ok')).listen(8080);\n"},
                {"path": "app/package.json", "content": '{"name":"supply-app","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}\n'},
            ]},
            {"entries": [
                {"path": "app/node_modules/left-pad", "type": "dir"},
                {"path": "app/node_modules/left-pad/package.json", "content": '{"name":"left-pad","version":"1.3.0","license":"WTFPL"}\n'},
                {"path": "app/node_modules/left-pad/index.js", "content": "module.exports = (s, n, c) => String(s).padStart(n, c || ' ');\n"},
            ]},
        ],
    }


class Base:
    """The image's blobs and its manifest descriptor, built once per variant."""

    def __init__(self, cleaned):
        spec = image_spec(cleaned)
        files = dict(mkimage.build_layout([mkimage.Image(spec)], spec, False))
        index = json.loads(files["index.json"])
        self.desc = dict(index["manifests"][0])  # mediaType, digest, size, annotations
        self.blobs = {rel[len("blobs/sha256/"):]: data for rel, data in files.items()
                      if rel.startswith("blobs/sha256/")}
        man = json.loads(self.blobs[self.desc["digest"][7:]])
        self.config = man["config"]["digest"]
        cfg = json.loads(self.blobs[self.config[7:]])
        self.history = [h.get("created_by") for h in cfg["history"]]
        self.build_arg_history = None if cleaned else 2

    @property
    def digest(self):
        return self.desc["digest"]

    def subject(self):
        return {"mediaType": self.desc["mediaType"], "digest": self.desc["digest"], "size": self.desc["size"]}


# ---------------------------------------------------------------- a layout

class Layout:
    def __init__(self, base):
        self.base = base
        self.blobs = dict(base.blobs)
        self.entries = []
        self.attestations = []
        self.signatures = []

    def put(self, data):
        self.blobs[hashlib.sha256(data).hexdigest()] = data
        return {"digest": sha(data), "size": len(data)}

    def write(self, out):
        index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": self.entries}
        files = [("oci-layout", jdump({"imageLayoutVersion": "1.0.0"})), ("index.json", jdump(index))]
        files += [("blobs/sha256/" + h, self.blobs[h]) for h in sorted(self.blobs)]
        mkimage.write_dir(files, out, mkimage.parse_time(CREATED))

    def label(self):
        return {"image": self.base.digest, "base": "cleaned" if self.base.build_arg_history is None else "base",
                "attestations": self.attestations, "signatures": self.signatures}


def image_entry(base, style):
    e = {"mediaType": base.desc["mediaType"], "digest": base.digest, "size": base.desc["size"]}
    if style == "buildkit":
        e["annotations"] = {"org.opencontainers.image.ref.name": TAG}
        e["platform"] = {"architecture": "amd64", "os": "linux"}
    elif style == "cosign":
        e["annotations"] = {KIND: KIND_IMAGE}
    else:
        e["annotations"] = {"org.opencontainers.image.ref.name": TAG}
    return e


# ---------------------------------------------------------------- BuildKit attestations

def provenance(base):
    hexd = base.digest[7:]
    return {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": PT_SLSA02,
        "subject": [{"name": "pkg:docker/%s@%s?platform=linux%%2Famd64" % (NAME, TAG), "digest": {"sha256": hexd}}],
        "predicate": {
            "builder": {"id": ""},
            "buildType": "https://mobyproject.org/buildkit@v1",
            "materials": [
                {"uri": "pkg:docker/node@20-alpine?platform=linux%2Famd64",
                 "digest": {"sha256": hashlib.sha256(b"layerscan supply base image").hexdigest()}}],
            "invocation": {
                "configSource": {"entryPoint": "Dockerfile"},
                "parameters": {
                    "frontend": "dockerfile.v0",
                    "args": {"build-arg:NODE_ENV": "production", "build-arg:NPM_TOKEN": NPM_TOKEN},
                    "locals": [{"name": "context"}, {"name": "dockerfile"}]},
                "environment": {"platform": "linux/amd64"}},
            "metadata": {
                "buildInvocationID": "supply-test-build-0001",
                "buildStartedOn": "2024-01-01T00:00:00Z",
                "buildFinishedOn": "2024-01-01T00:00:42Z",
                "completeness": {"parameters": True, "environment": True, "materials": False},
                "reproducible": False,
                "https://mobyproject.org/buildkit@v1#metadata": {
                    "vcs": {"revision": "0123456789abcdef0123456789abcdef01234567",
                            "source": "https://git.example.test/supply/app.git"},
                    "source": {"locations": {"step0": {"locations": [{"ranges": [{"start": {"line": 1}, "end": {"line": 1}}]}]}},
                               "infos": [{"filename": "Dockerfile", "language": "Dockerfile",
                                          "data": base64.b64encode(b"FROM node:20-alpine\nARG NPM_TOKEN\nRUN npm ci\n").decode()}]},
                    "layers": {"step0:0": [[]]}}}},
    }


def spdx(base):
    pkgs = [("left-pad", "1.3.0", "WTFPL"), ("node", "20.10.0", "MIT"), ("supply-app", "1.0.0", "NOASSERTION")]
    return {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": PT_SPDX,
        "subject": [{"name": "pkg:docker/%s@%s?platform=linux%%2Famd64" % (NAME, TAG), "digest": {"sha256": base.digest[7:]}}],
        "predicate": {
            "spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT",
            "name": "sbom", "documentNamespace": "https://docker.com/docker.io/layerscan/supply/sbom-1",
            "creationInfo": {"creators": ["Organization: Anchore, Inc", "Tool: syft-v0.85.0", "Tool: buildkit-v0.12.0"],
                             "created": CREATED, "licenseListVersion": "3.21"},
            "packages": [{"name": n, "SPDXID": "SPDXRef-Package-npm-%s" % n, "versionInfo": v,
                          "downloadLocation": "NOASSERTION", "licenseConcluded": lic, "licenseDeclared": lic,
                          "copyrightText": "NOASSERTION",
                          "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                            "referenceLocator": "pkg:npm/%s@%s" % (n, v)}]}
                         for n, v, lic in pkgs],
            "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                               "relatedSpdxElement": "SPDXRef-Package-npm-supply-app"}],
        },
    }


def add_attestation(lay, form, listed):
    """form "annotation" (older: listed with the vnd.docker.reference
    annotations) or "subject" (current: subject + artifactType); listed: in
    index.json or only in blobs/."""
    base = lay.base
    stmts = [(jdump(spdx(base)), PT_SPDX), (jdump(provenance(base)), PT_SLSA02)]
    layers = []
    for data, pt in stmts:
        d = lay.put(data)
        layers.append({"mediaType": MT_INTOTO, "digest": d["digest"], "size": d["size"],
                       "annotations": {"in-toto.io/predicate-type": pt}})
    cfg = jdump({"architecture": "unknown", "os": "unknown", "config": {},
                 "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}})
    c = lay.put(cfg)
    man = {"schemaVersion": 2, "mediaType": MT_MANIFEST}
    if form == "subject":
        man["artifactType"] = AT_ATTESTATION
    man["config"] = {"mediaType": MT_CONFIG, "digest": c["digest"], "size": c["size"]}
    man["layers"] = layers
    if form == "subject":
        man["subject"] = base.subject()
    m = lay.put(jdump(man))
    if listed:
        e = {"mediaType": MT_MANIFEST, "digest": m["digest"], "size": m["size"]}
        if form == "annotation":
            e["annotations"] = {"vnd.docker.reference.digest": base.digest,
                                "vnd.docker.reference.type": "attestation-manifest"}
            e["platform"] = {"architecture": "unknown", "os": "unknown"}
        else:
            e = {"mediaType": MT_MANIFEST, "artifactType": AT_ATTESTATION,
                 "digest": m["digest"], "size": m["size"]}
        lay.entries.append(e)
    for l in layers:
        lay.attestations.append({
            "manifest": m["digest"], "digest": l["digest"], "media_type": MT_INTOTO,
            "predicate_type": l["annotations"]["in-toto.io/predicate-type"],
            "source": "index" if form == "annotation" else "referrer", "form": form, "in_index": listed})


# ---------------------------------------------------------------- cosign

def add_cosign_attestation(lay, keys, key="p256"):
    """`cosign attest --type slsaprovenance --predicate P` with a key, no
    transparency log, as `cosign save` lists it (kind .../atts)."""
    base = lay.base
    st = provenance(base)
    st["subject"] = [{"name": DOCKER_REF, "digest": {"sha256": base.digest[7:]}}]
    stmt = jdump(st)
    sig = keys.sign(key, pae(MT_INTOTO, stmt))
    env = jdump({"payloadType": MT_INTOTO, "payload": base64.b64encode(stmt).decode(),
                 "signatures": [{"keyid": "", "sig": base64.b64encode(sig).decode()}]})
    e = lay.put(env)
    cfg = jdump({"architecture": "", "created": "0001-01-01T00:00:00Z",
                 "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                 "rootfs": {"type": "layers", "diff_ids": [e["digest"]]}, "config": {}})
    c = lay.put(cfg)
    man = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
           "config": {"mediaType": MT_CONFIG, "size": c["size"], "digest": c["digest"]},
           "layers": [{"mediaType": MT_DSSE, "size": e["size"], "digest": e["digest"],
                       "annotations": {SIG_ANN: "", "predicateType": PT_SLSA02}}]}
    m = lay.put(jdump(man))
    lay.entries.append({"mediaType": MT_MANIFEST, "size": m["size"], "digest": m["digest"],
                        "annotations": {KIND: KIND_ATTS}})
    lay.attestations.append({"manifest": m["digest"], "digest": e["digest"], "media_type": MT_DSSE,
                             "predicate_type": PT_SLSA02, "source": "tag", "form": "cosign",
                             "in_index": True})


def add_legacy_sig(lay, keys, key="p256", defect=None):
    """cosign's simple-signing signature manifest, listed as `cosign save`
    lists it (kind dev.cosignproject.cosign/sigs). defect "digest": the
    payload names another image; "signature": one signature byte flipped."""
    base = lay.base
    claims = base.digest
    if defect == "digest":
        claims = sha(b"layerscan supply: some other image")
    payload = jdump({"critical": {"identity": {"docker-reference": DOCKER_REF},
                                  "image": {"docker-manifest-digest": claims},
                                  "type": "cosign container image signature"},
                     "optional": None})
    sig = bytearray(keys.sign(key, payload))
    if defect == "signature":
        sig[-1] ^= 0x01  # still well-formed DER, no longer the signature
    p = lay.put(payload)
    cfg = jdump({"architecture": "", "created": "0001-01-01T00:00:00Z",
                 "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                 "rootfs": {"type": "layers", "diff_ids": [p["digest"]]}, "config": {}})
    c = lay.put(cfg)
    man = {"schemaVersion": 2, "mediaType": MT_MANIFEST,
           "config": {"mediaType": MT_CONFIG, "size": c["size"], "digest": c["digest"]},
           "layers": [{"mediaType": MT_SIMPLESIGNING, "size": p["size"], "digest": p["digest"],
                       "annotations": {SIG_ANN: base64.b64encode(bytes(sig)).decode()}}]}
    m = lay.put(jdump(man))
    lay.entries.append({"mediaType": MT_MANIFEST, "size": m["size"], "digest": m["digest"],
                        "annotations": {KIND: KIND_SIGS}})
    lay.signatures.append({"kind": "cosign", "source": "tag", "format": "simplesigning",
                           "digest": m["digest"], "payload": p["digest"], "key": key,
                           "valid": defect is None, "claims": claims, "defect": defect, "in_index": True})


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def add_bundle(lay, keys, key="ed25519"):
    """cosign's Sigstore bundle v0.3 (cosign sign --new-bundle-format with a
    key, no transparency log): an OCI 1.1 referrer, only in blobs/."""
    base = lay.base
    stmt = jdump({"_type": "https://in-toto.io/Statement/v1",
                  "subject": [{"name": DOCKER_REF, "digest": {"sha256": base.digest[7:]}}],
                  "predicateType": PT_COSIGN_SIGN, "predicate": {}})
    sig = keys.sign(key, pae(MT_INTOTO, stmt))
    bundle = jdump({"mediaType": MT_BUNDLE,
                    "verificationMaterial": {"publicKey": {"hint": keys.hint(key)}, "tlogEntries": []},
                    "dsseEnvelope": {"payload": base64.b64encode(stmt).decode(), "payloadType": MT_INTOTO,
                                     "signatures": [{"sig": base64.b64encode(sig).decode(), "keyid": ""}]}})
    b = lay.put(bundle)
    lay.put(b"{}")
    man = {"schemaVersion": 2, "mediaType": MT_MANIFEST, "artifactType": MT_BUNDLE,
           "config": {"mediaType": MT_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
           "layers": [{"mediaType": MT_BUNDLE, "digest": b["digest"], "size": b["size"]}],
           "subject": base.subject(),
           "annotations": {"dev.sigstore.bundle.content": "dsse-envelope",
                           "dev.sigstore.bundle.predicateType": PT_COSIGN_SIGN,
                           "org.opencontainers.image.created": CREATED}}
    m = lay.put(jdump(man))
    lay.signatures.append({"kind": "cosign", "source": "referrer", "format": "bundle",
                           "digest": m["digest"], "payload": b["digest"], "key": key,
                           "valid": True, "claims": base.digest, "defect": None, "in_index": False})


# ---------------------------------------------------------------- main

def build(out):
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    keys = Keys(out)
    try:
        base, cleaned = Base(False), Base(True)
        layouts = {}

        def make(name, b, style):
            lay = Layout(b)
            lay.entries.append(image_entry(b, style))
            layouts[name] = lay
            return lay

        make("unsigned", base, "plain")
        add_attestation(make("attest-index", base, "buildkit"), "annotation", True)
        add_attestation(make("attest-cleaned", cleaned, "buildkit"), "annotation", True)
        add_attestation(make("attest-subject", base, "plain"), "subject", True)
        add_attestation(make("attest-blobs", base, "plain"), "subject", False)
        add_cosign_attestation(make("attest-cosign", base, "cosign"), keys, "p256")
        add_legacy_sig(make("signed-legacy", base, "cosign"), keys, "p256")
        add_legacy_sig(make("signed-rsa", base, "cosign"), keys, "rsa")
        add_bundle(make("signed-bundle", base, "plain"), keys, "ed25519")
        add_bundle(make("signed-p384", base, "plain"), keys, "p384")
        add_legacy_sig(make("bad-digest", base, "cosign"), keys, "p256", "digest")
        add_legacy_sig(make("bad-sig", base, "cosign"), keys, "p256", "signature")
        lay = make("all", base, "buildkit")
        add_attestation(lay, "annotation", True)
        add_legacy_sig(lay, keys, "p256")
        add_bundle(lay, keys, "ed25519")

        for name, lay in layouts.items():
            lay.write(os.path.join(out, name))
        expected = {
            "npm_token": NPM_TOKEN,
            "docker_reference": DOCKER_REF,
            "keys": {k: {"private": "keys/%s.pem" % v[0], "public": "keys/%s.pub" % v[0], "algorithm": v[2]}
                     for k, v in KEYS.items()},
            "images": {n: {"manifest": b.digest, "config": b.config, "build_arg_history": b.build_arg_history,
                           "history": b.history}
                       for n, b in (("base", base), ("cleaned", cleaned))},
            "layouts": {n: lay.label() for n, lay in layouts.items()},
        }
        with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as fh:
            json.dump(expected, fh, indent=1)
            fh.write("\n")
    finally:
        keys.close()


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: gen_supply.py OUT_DIR", file=sys.stderr)
        return 2
    if not shutil.which("openssl"):
        die("the openssl command is needed")
    build(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
