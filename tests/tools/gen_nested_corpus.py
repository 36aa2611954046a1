#!/usr/bin/env python3
"""gen_nested_corpus.py - (re)writes the nested-content and binary cases of
tests/corpus/ (spec.json + labels.json), like gen_corpus.py does for the others.

    python3 tests/tools/gen_nested_corpus.py [CORPUS_DIR]

Archives are built with tests/tools/nested_gen.py and stored base64 in the
spec (the zip bomb is the exception: a "zip_bomb" piece that mkimage.py
expands at build time). Binaries are compiled here when the tools exist (gcc,
python3 -m py_compile, javac) and stored as bytes, so the committed specs do
not depend on them. Line, column and offset of each labeled secret are
computed from the member's own bytes. Every secret is FAKE.
"""

import base64
import hashlib
import os
import py_compile
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import nested_gen as ng  # noqa: E402
from gen_corpus import BASE_FILES, Case, D, F, L, WH, base_history, spec  # noqa: E402

UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = UP + UP.lower() + "0123456789"
B32 = UP + "234567"
rng = random.Random(20240303)


def rand(alpha, n):
    return "".join(rng.choice(alpha) for _ in range(n))


def ghp():
    return "ghp_" + rand(ALNUM, 36)


def glpat():
    return "glpat-" + rand(ALNUM, 20)


def stripe():
    return "sk_live_" + rand(ALNUM, 28)


def aws_id():
    return "AKIA" + rand(B32, 16)


def npm():
    return "npm_" + rand(ALNUM, 36)


def B(path, data, **kw):
    e = {"path": path, "type": "file", "content_b64": base64.b64encode(data).decode()}
    e.update(kw)
    return e


def locate_bytes(data, secret):
    s = secret.encode()
    off = data.find(s)
    if off < 0:
        raise SystemExit(f"gen_nested_corpus: secret {secret!r} not in data")
    line = data[:off].count(b"\n") + 1
    col = off - (data.rfind(b"\n", 0, off) + 1) + 1
    return line, col, off


def nfile(c, rule, layer, path, data, secret, status="present", removed=None, note=None):
    """A labeled finding inside member bytes `data` (or a binary file)."""
    line, col, off = locate_bytes(data, secret)
    h = c.owner(layer)
    f = {"rule": rule, "source": "file", "layer": layer, "history": h,
         "instruction": c.spec["history"][h]["created_by"].replace("/bin/sh -c #(nop) ", "").strip(),
         "path": path, "line": line, "column": col, "offset": off,
         "status": status, "removed_in_layer": removed, "secret": secret}
    if note:
        f["_note"] = note
    c.labels["findings"].append(f)


FORMS = {"forms": ["oci", "docker-archive"]}
COPY = "/bin/sh -c #(nop) COPY file:{} in {}"


def hist(tag, dest):
    return {"created_by": COPY.format(hashlib.sha256(tag.encode()).hexdigest()[:16], dest)}


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def app_jar(tok_props, tok_stored):
    props = f"spring.datasource.url=jdbc:h2:mem:app\ngithub.token={tok_props}\nserver.port=8080\n".encode()
    stored = f"NPM_CONFIG_REGISTRY=https://registry.example.net\nNPM_TOKEN_FILE={tok_stored}\n".encode()
    jar = ng.zip_bytes([
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nMain-Class: org.example.App\n", "deflate"),
        ("BOOT-INF/classes/application.properties", props, "deflate"),
        ("BOOT-INF/classes/static/notes.txt", b"nothing to see here\n" * 50, "deflate"),
        ("META-INF/build.env", stored, "store"),
    ], descriptor=True)
    return jar, props, stored


@case
def nested_jar_present():
    t1, t2 = ghp(), npm()
    jar, props, stored = app_jar(t1, t2)
    c = Case("nested-jar-present", spec(
        [L(BASE_FILES), L([D("app"), B("app/app.jar", jar)])],
        [base_history(), hist("jar1", "/app/app.jar")], _test=FORMS))
    nfile(c, "github-pat", 1, "/app/app.jar!/BOOT-INF/classes/application.properties", props, t1)
    nfile(c, "npm-token", 1, "/app/app.jar!/META-INF/build.env", stored, t2,
          note="a stored (uncompressed) member: reported once, as the member (raw bytes of an archive that opens are not reported)")
    return c


@case
def nested_jar_deleted():
    t1, t2 = ghp(), npm()
    jar, props, stored = app_jar(t1, t2)
    c = Case("nested-jar-deleted", spec(
        [L(BASE_FILES), L([D("app"), B("app/app.jar", jar)]), L([D("app"), WH("app", "app.jar")])],
        [base_history(), hist("jar2", "/app/app.jar"), {"created_by": "/bin/sh -c rm -f /app/app.jar"}],
        _test=FORMS))
    note = "the fate of a member is its jar's: /app/app.jar is whited out in layer 2"
    nfile(c, "github-pat", 1, "/app/app.jar!/BOOT-INF/classes/application.properties", props, t1,
          status="deleted", removed=2, note=note)
    nfile(c, "npm-token", 1, "/app/app.jar!/META-INF/build.env", stored, t2, status="deleted", removed=2)
    c.labels["findings"][0]["instruction"] = "COPY file:" + hashlib.sha256(b"jar2").hexdigest()[:16] + " in /app/app.jar"
    c.labels["findings"][1]["instruction"] = c.labels["findings"][0]["instruction"]
    return c


@case
def nested_targz():
    tok = aws_id()
    cfg = f"# service config\nAWS_ACCESS_KEY_ID={tok}\nAWS_REGION=eu-west-1\n".encode()
    inner = ng.zip_bytes([("cfg.env", cfg, "deflate"), ("README", b"inner zip\n", "deflate")])
    tgz = ng.gzip_bytes(ng.tar_bytes([("x/readme.txt", b"outer tarball\n"), ("inner.zip", inner)]))
    c = Case("nested-targz", spec(
        [L(BASE_FILES), L([D("opt"), B("opt/x.tar.gz", tgz)])],
        [base_history(), hist("tgz", "/opt/x.tar.gz")], _test=FORMS))
    nfile(c, "aws-access-key-id", 1, "/opt/x.tar.gz!/inner.zip!/cfg.env", cfg, tok,
          note="two levels down: tar.gz (one archive: gzip + tar) -> zip -> file")
    return c


@case
def nested_single_streams():
    import bz2
    import lzma
    t_gz, t_zst, t_bz, t_xz = glpat(), stripe(), ghp(), npm()
    gz_text = f"DEPLOY_USER=ci\nGITLAB_TOKEN={t_gz}\n".encode()
    zst_text = f'{{"billing": {{"key": "{t_zst}"}}}}\n'.encode()
    bz_text = f"[github]\n  token = {t_bz}\n".encode()
    xz_text = f"//registry.npmjs.org/:_authToken={t_xz}\n".encode()
    c = Case("nested-single-streams", spec(
        [L(BASE_FILES), L([D("var"), D("var/backups"),
                           B("var/backups/app.env.gz", ng.gzip_bytes(gz_text, "app.env")),
                           B("var/backups/billing.json.zst", ng.zstd_bytes(zst_text)),
                           B("var/backups/gitconfig.bz2", bz2.compress(bz_text, 9)),
                           B("var/backups/npmrc.xz", lzma.compress(xz_text))])],
        [base_history(), hist("streams", "/var/backups")], _test=FORMS))
    nfile(c, "gitlab-pat", 1, "/var/backups/app.env.gz!/app.env", gz_text, t_gz,
          note="a single compressed stream: the member is named after the file without its suffix")
    nfile(c, "stripe-secret-key", 1, "/var/backups/billing.json.zst!/billing.json", zst_text, t_zst)
    nfile(c, "github-pat", 1, "/var/backups/gitconfig.bz2!/gitconfig", bz_text, t_bz)
    nfile(c, "npm-token", 1, "/var/backups/npmrc.xz!/npmrc", xz_text, t_xz)
    return c


@case
def nested_whl():
    tok = glpat()
    settings = f'"""Settings."""\nGITLAB_URL = "https://gitlab.example.net"\nGITLAB_TOKEN = "{tok}"\n'.encode()
    whl = ng.zip_bytes([
        ("acme/__init__.py", b"", "deflate"),
        ("acme/settings.py", settings, "deflate"),
        ("acme-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: acme\nVersion: 1.0\n", "deflate"),
        ("acme-1.0.dist-info/RECORD", b"acme/__init__.py,,\nacme/settings.py,,\n", "deflate"),
    ])
    path = "usr/lib/python3/dist-packages/acme-1.0-py3-none-any.whl"
    c = Case("nested-whl", spec(
        [L(BASE_FILES), L([D("usr"), D("usr/lib"), D("usr/lib/python3"), D("usr/lib/python3/dist-packages"),
                           B(path, whl)])],
        [base_history(), hist("whl", "/usr/lib/python3/dist-packages/")], _test=FORMS))
    nfile(c, "gitlab-pat", 1, "/" + path + "!/acme/settings.py", settings, tok)
    return c


def build_elf(tok):
    src = f'#include <stdio.h>\nstatic const char token[] = "{tok}";\nint main(void) {{ puts(token); return 0; }}\n'
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "t.c"), "w") as f:
            f.write(src)
        subprocess.run(["gcc", "-Os", "-s", "-o", os.path.join(d, "t"), os.path.join(d, "t.c")], check=True)
        return open(os.path.join(d, "t"), "rb").read()


def build_pyc(tok):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "settings.py")
        with open(p, "w") as f:
            f.write(f'SLACK_CHANNEL = "#ops"\nGITLAB_TOKEN = "{tok}"\n')
        out = os.path.join(d, "settings.pyc")
        py_compile.compile(p, cfile=out, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        return open(out, "rb").read()


def build_class(tok):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "Billing.java"), "w") as f:
            f.write('public class Billing {\n  static final String KEY = "' + tok + '";\n'
                    '  public static void main(String[] a) { System.out.println(KEY.length()); }\n}\n')
        subprocess.run(["javac", "-d", d, os.path.join(d, "Billing.java")], check=True)
        return open(os.path.join(d, "Billing.class"), "rb").read()


@case
def binary_embedded():
    t_elf, t_pyc, t_cls = ghp(), glpat(), stripe()
    elf, pyc, cls = build_elf(t_elf), build_pyc(t_pyc), build_class(t_cls)
    c = Case("binary-embedded", spec(
        [L(BASE_FILES), L([D("usr"), D("usr/local"), D("usr/local/bin"), B("usr/local/bin/agent", elf, mode=0o755),
                           D("app"), B("app/settings.pyc", pyc), B("app/Billing.class", cls)])],
        [base_history(), hist("bins", "/")], _test=FORMS))
    nfile(c, "stripe-secret-key", 1, "/app/Billing.class", cls, t_cls, note="javac constant pool (UTF8 entry)")
    nfile(c, "gitlab-pat", 1, "/app/settings.pyc", pyc, t_pyc, note="marshalled str constant")
    nfile(c, "github-pat", 1, "/usr/local/bin/agent", elf, t_elf, note="ELF .rodata string")
    return c


def sha16(b):
    return hashlib.sha256(b).hexdigest()[:16]


@case
def keystores():
    jks = ng.jks_bytes(1, keys=1, certs=1)
    jceks = ng.jks_bytes(2, keys=1, magic=b"\xce\xce\xce\xce")
    trust = ng.jks_bytes(3, keys=0, certs=3)
    p12 = ng.pkcs12_bytes(4)
    cert_der = bytes.fromhex("308201") + b"\x00" * 8  # a DER-looking file that is no PKCS#12
    c = Case("keystores", spec(
        [L(BASE_FILES), L([D("app"), D("app/tls"), B("app/tls/server.jks", jks), B("app/tls/secrets.jceks", jceks),
                           B("app/tls/truststore.jks", trust), B("app/tls/client.p12", p12),
                           B("app/tls/ca.der", cert_der)])],
        [base_history(), hist("tls", "/app/tls")], _test=FORMS))
    def ks(path, secret, note=None):
        h = c.owner(1)
        f = {"rule": "java-keystore" if "keystore" in secret else "pkcs12-file", "source": "file", "layer": 1,
             "history": h, "instruction": "COPY file:" + sha16(b"tls") + " in /app/tls", "path": path,
             "line": 1, "column": 1, "offset": 0, "status": "present", "removed_in_layer": None,
             "secret": secret, "confidence": "high"}
        if note:
            f["_note"] = note
        c.labels["findings"].append(f)
    ks("/app/tls/client.p12", f"PKCS#12 file with a private key bag, {len(p12)} bytes, sha256:{sha16(p12)}")
    ks("/app/tls/secrets.jceks", "JCEKS keystore v2, entries 1 (private keys 1, secret keys 0, certificates 0), "
       f"{len(jceks)} bytes, sha256:{sha16(jceks)}")
    ks("/app/tls/server.jks", "JKS keystore v2, entries 2 (private keys 1, secret keys 0, certificates 1), "
       f"{len(jks)} bytes, sha256:{sha16(jks)}",
       note="found by magic bytes; the secret is a descriptor; truststore.jks (certificates only) is not reported")
    return c


@case
def nested_bomb():
    tok = stripe()
    after = f"STRIPE_SECRET_KEY={tok}\n"
    bomb_spec = {"path": "app/bomb.zip", "type": "file",
                 "zip_bomb": {"name": "zeros.bin", "size": 3 * 1024 * 1024 * 1024}}
    c = Case("nested-bomb", spec(
        [L(BASE_FILES), L([D("app"), bomb_spec, F("app/zz-after.env", after)])],
        [base_history(), hist("bomb", "/app")], _test=FORMS))
    nfile(c, "stripe-secret-key", 1, "/app/zz-after.env", after.encode(), tok,
          note="after the bomb in the same layer: the scan goes on")
    c.labels["errors"] = [{"layer": 1, "path": "/app/bomb.zip",
                           "contains": "/app/bomb.zip: nested archive exceeds expansion ratio 100 (--max-nested-ratio)"}]
    return c


@case
def nested_too_deep():
    deep_tok, mid_tok = ghp(), glpat()
    deep = f"token={deep_tok}\n".encode()
    mid = f"GITLAB_TOKEN={mid_tok}\n".encode()
    l3 = ng.zip_bytes([("secret.txt", deep, "store")])
    l2 = ng.zip_bytes([("mid.env", mid, "deflate"), ("l3.zip", l3, "store")])
    l1 = ng.zip_bytes([("l2.zip", l2, "store")])
    chain = ng.zip_bytes([("l1.zip", l1, "store")])
    c = Case("nested-too-deep", spec(
        [L(BASE_FILES), L([D("app"), B("app/chain.zip", chain)])],
        [base_history(), hist("chain", "/app/chain.zip")], _test=FORMS))
    nfile(c, "gitlab-pat", 1, "/app/chain.zip!/l1.zip!/l2.zip!/mid.env", mid, mid_tok,
          note="depth 3: the deepest level opened by default")
    nfile(c, "github-pat", 1, "/app/chain.zip!/l1.zip!/l2.zip!/l3.zip", l3, deep_tok,
          note="l3.zip would be depth 4: not opened, scanned as bytes (its member is stored)")
    c.labels["errors"] = [{"layer": 1, "path": "/app/chain.zip!/l1.zip!/l2.zip!/l3.zip",
                           "contains": "exceeds depth 3 (--max-nested-depth)"}]
    return c


@case
def nested_corrupt():
    t_first, t_garbage = ghp(), npm()
    first = f"GITHUB_TOKEN={t_first}\n".encode()
    jar = ng.zip_bytes([("config/first.env", first, "store"),
                        ("lib/big.bin", bytes(rng.getrandbits(8) for _ in range(20000)), "deflate")])
    cut = jar[: len(jar) // 2]
    garbage = b"PK\x03\x04" + b"\xff" * 26 + f"\nleftover NPM_TOKEN={t_garbage}\n".encode()
    c = Case("nested-corrupt", spec(
        [L(BASE_FILES), L([D("app"), B("app/broken.jar", cut), B("app/garbage.zip", garbage)])],
        [base_history(), hist("corrupt", "/app")], _test=FORMS))
    nfile(c, "github-pat", 1, "/app/broken.jar!/config/first.env", first, t_first,
          note="read before the cut; the raw fallback finds it again and is deduplicated")
    nfile(c, "npm-token", 1, "/app/garbage.zip", garbage, t_garbage,
          note="zip magic but no zip: scanned as bytes")
    c.labels["errors"] = [{"layer": 1, "path": "/app/broken.jar", "contains": "/app/broken.jar: corrupt zip archive"},
                          {"layer": 1, "path": "/app/garbage.zip", "contains": "/app/garbage.zip: corrupt zip archive"}]
    return c


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "corpus")
    for fn in CASES:
        c = fn()
        c.write(root)
        print("wrote", c.name)


if __name__ == "__main__":
    main(sys.argv)
