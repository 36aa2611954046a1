#!/usr/bin/env python3
"""gen_vendor_corpus.py - (re)writes the vendor/third-party cases of tests/corpus.

    python3 tests/tools/gen_vendor_corpus.py [CORPUS_DIR]

Cases (each a spec.json for mkimage.py and the labels.json expect.py checks):
  vendor-packages   package databases vouch for files whose bytes match them:
                    dpkg (status + md5sums), apk (installed, Z:Q1 SHA-1) and a
                    Python RECORD (sha256); a .pyc compiled from a verified .py;
                    a package file modified in the layer that installed it, one
                    appended to by a later layer, and a chmod-style copy-up of an
                    unchanged one; a malformed md5sums (error, nothing hidden); an
                    SSH host key made by openssh-server's install (generated) and
                    one a later layer put there (image).
  third-party-trees dependencies' test/fixture/example/docs trees (node_modules,
                    gems, Go module cache) versus their runtime code.

Keys are generated here with openssl for the purpose (fake: never used
anywhere); line, column and offset are computed from the bytes.
"""

import base64
import hashlib
import json
import os
import py_compile
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
rng = random.Random(15)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rand(n):
    return "".join(rng.choice(ALNUM) for _ in range(n))


def ghp():
    return "ghp_" + rand(36)


def npm():
    return "npm_" + rand(36)


def genkey(kind):
    args = ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"] if kind == "rsa" else \
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pos(content, secret):
    b = content.encode() if isinstance(content, str) else content
    s = secret.encode()
    off = b.index(s)
    line = b.count(b"\n", 0, off) + 1
    col = off - (b.rfind(b"\n", 0, off) + 1) + 1
    return line, col, off


def py_concat(src):
    """What private-key-concatenated reports: from BEGIN to the end of END."""
    start = src.index("-----BEGIN")
    end = src.index("-----END PRIVATE KEY-----") + len("-----END PRIVATE KEY-----")
    return src[start:end]


def md5(b):
    return hashlib.md5(b).hexdigest()


def base_image(history, layers):
    return {"name": "layerscan/corpus", "ref": "1.0", "os": "linux", "architecture": "amd64",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/sh"]},
            "history": [{"created_by": h} for h in history],
            "layers": [{"compression": "gzip", "entries": e} for e in layers]}


def f(path, content):
    if isinstance(content, bytes):
        return {"path": path, "type": "file", "content_b64": base64.b64encode(content).decode()}
    return {"path": path, "type": "file", "content": content}


def finding(rule, layer, history, instruction, path, content, secret, status="present", removed=None,
            origin="image", package=None):
    line, col, off = pos(content, secret)
    return {"rule": rule, "source": "file", "layer": layer, "history": history, "instruction": instruction,
            "path": path, "line": line, "column": col, "offset": off, "status": status,
            "removed_in_layer": removed, "secret": secret, "origin": origin, "package": package}


def suppressed(by, **kw):
    d = finding(**kw)
    d["suppressed_by"] = by
    return d


def write_case(corpus, name, spec, labels):
    d = os.path.join(corpus, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "spec.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1)
        fh.write("\n")
    with open(os.path.join(d, "labels.json"), "w", encoding="utf-8") as fh:
        json.dump(labels, fh, indent=1)
        fh.write("\n")


def vendor_packages(corpus):
    tls_key, py_key, apk_key, whl_key = genkey("rsa"), genkey("ec"), genkey("ec"), genkey("ec")
    # a library with a self-test key compiled in (bytes around it like an ELF's rodata)
    lib = b"\x7fELF\x02\x01\x01" + b"\0" * 57 + b"gnutls self-test\0" + tls_key.encode() + b"\0\x01\x02tail\0"
    lib_path = "usr/lib/x86_64-linux-gnu/libfaketls.so.30.34.3"
    # a package tool whose bytes were edited in the layer that installed it
    tool_token = ghp()
    tool_orig = b"#!/bin/sh\necho fake tool\n"
    tool_edit = ("#!/bin/sh\nexport GITHUB_TOKEN=%s\necho fake tool\n" % tool_token).encode()
    conf_orig = b"# fake-tools configuration\nverbose=0\n"
    # python: the source splits the test key across literals, the .pyc holds it whole
    lines = py_key.strip().split("\n")
    py_src = "TEST_KEY = (\n" + "".join('    "%s\\n"\n' % l for l in lines) + ")\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "testkeys.py")
        with open(src, "w") as fh:
            fh.write(py_src)
        pyc_file = os.path.join(tmp, "testkeys.pyc")
        py_compile.compile(src, cfile=pyc_file, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        pyc = open(pyc_file, "rb").read()
    # a second module whose source hides the key from every rule ("-----BEGIN " + "PRIVATE KEY"):
    # CPython folds the constant, so only the .pyc holds it; its .pyc comes first in the tar
    ec_key = genkey("ec")
    ec_lines = ec_key.strip().split("\n")
    ec_src = ('VECTOR_KEY = ("-----BEGIN " + "PRIVATE KEY-----\\n"\n'
              + "".join('              + "%s\\n"\n' % l for l in ec_lines[1:-1])
              + '              + "-----END " + "PRIVATE KEY-----\\n")\n')
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "ecdsa_vectors.py")
        with open(src, "w") as fh:
            fh.write(ec_src)
        pyc_file = os.path.join(tmp, "ecdsa_vectors.pyc")
        py_compile.compile(src, cfile=pyc_file, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        ec_pyc = open(pyc_file, "rb").read()
    assert ec_key.strip().encode() in ec_pyc, "CPython did not fold the constant"
    # a library over 1 MiB: its digests come from a second read of the layer
    big_key = genkey("ec")
    big_lib = b"\x7fELF\x02\x01\x01" + b"\0" * 57 + bytes(range(256)) * 4096 + big_key.encode() + b"\0" * 4096
    big_path = "usr/lib/x86_64-linux-gnu/libfakebig.so.1"
    py_dir = "usr/lib/python3/dist-packages/fakecrypto"
    pyc_path = py_dir + "/__pycache__/testkeys.cpython-311.pyc"
    # a file the malformed md5sums lists: never vendor
    broken_token = npm()
    broken_file = ("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=%s\n" % broken_token)
    status = ("Package: libfaketls30\nStatus: install ok installed\nArchitecture: amd64\n"
              "Version: 3.7.9-2+deb12u3\nDescription: fake TLS library\n with a continuation line\n\n"
              "Package: fake-tools\nStatus: install ok installed\nArchitecture: all\nVersion: 1.0-1\n\n"
              "Package: python3-fakecrypto\nStatus: install ok installed\nArchitecture: all\nVersion: 2.1-3\n\n"
              "Package: broken-pkg\nStatus: install ok installed\nArchitecture: all\nVersion: 0.1\n\n"
              "Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\n"
              "Version: 1:9.2p1-2+deb12u3\n\n"
              "Package: gone-pkg\nStatus: deinstall ok config-files\nArchitecture: all\nVersion: 9.9\n")
    md5_tls = "%s  %s\n%s  usr/share/doc/libfaketls30/copyright\n" % (md5(lib), lib_path, md5(b"Copyright fake\n"))
    md5_tools = "%s  usr/bin/fake-tool\n%s  etc/fake-tools/tools.conf\n" % (md5(tool_orig), md5(conf_orig))
    md5_py = "%s  %s/testkeys.py\n%s  %s/__init__.py\n%s  %s/ecdsa_vectors.py\n" % (
        md5(py_src.encode()), py_dir, md5(b""), py_dir, md5(ec_src.encode()), py_dir)
    md5_tls += "%s  %s\n" % (md5(big_lib), big_path)
    md5_broken = "%s  opt/broken/.npmrc\nthis line is no md5sums record\n" % md5(broken_file.encode())
    # apk: Z:Q1 is base64 of the SHA-1
    apk_file = ("# test key of the fake-ssl package\n" + apk_key).encode()
    apk_db = ("C:Q1fakefakefakefakefakefakefakeAA=\nP:fake-ssl-tests\nV:1.2.3-r0\nA:x86_64\nS:1000\n"
              "F:usr/share/fake-ssl\nR:test.key\nZ:Q1%s\n\n" % base64.b64encode(hashlib.sha1(apk_file).digest()).decode())
    # a wheel's RECORD: urlsafe base64 sha256 without padding, paths relative to site-packages
    whl_file = ("# fixture key of fakesdk's tests\n" + whl_key).encode()
    site = "usr/local/lib/python3.11/site-packages"
    rec = ("fakesdk/__init__.py,sha256=%s,0\nfakesdk/tests/data/client.pem,sha256=%s,%d\n"
           "fakesdk-1.2.0.dist-info/RECORD,,\n"
           % (base64.urlsafe_b64encode(hashlib.sha256(b"").digest()).decode().rstrip("="),
              base64.urlsafe_b64encode(hashlib.sha256(whl_file).digest()).decode().rstrip("="), len(whl_file)))
    conf_appended = conf_orig + ("token=%s\n" % (app_token := ghp())).encode()
    # openssh-server's postinst makes host keys in the layer that installs it; a host key
    # put there by a later layer (someone's own server key) is the image's
    host_key, copied_host_key = genkey("ec"), genkey("rsa")
    sshd = b"\x7fELF fake sshd\n"
    layer0 = [
        {"path": "etc", "type": "dir"}, {"path": "usr", "type": "dir"},
        f(lib_path, lib), f("usr/share/doc/libfaketls30/copyright", "Copyright fake\n"),
        f("usr/bin/fake-tool", tool_edit), f("etc/fake-tools/tools.conf", conf_orig),
        f(py_dir + "/__init__.py", ""), f(py_dir + "/testkeys.py", py_src), f(pyc_path, pyc),
        f(py_dir + "/__pycache__/ecdsa_vectors.cpython-311.pyc", ec_pyc), f(py_dir + "/ecdsa_vectors.py", ec_src),
        f(big_path, big_lib),
        f("opt/broken/.npmrc", broken_file),
        f("var/lib/dpkg/status", status),
        f("var/lib/dpkg/info/libfaketls30:amd64.md5sums", md5_tls),
        f("var/lib/dpkg/info/fake-tools.md5sums", md5_tools),
        f("var/lib/dpkg/info/python3-fakecrypto.md5sums", md5_py),
        f("var/lib/dpkg/info/broken-pkg.md5sums", md5_broken),
        f("usr/sbin/sshd", sshd), f("var/lib/dpkg/info/openssh-server.md5sums", "%s  usr/sbin/sshd\n" % md5(sshd)),
        f("etc/ssh/ssh_host_ecdsa_key", host_key),
        f("usr/share/fake-ssl/test.key", apk_file), f("lib/apk/db/installed", apk_db),
        f(site + "/fakesdk/__init__.py", ""), f(site + "/fakesdk/tests/data/client.pem", whl_file),
        f(site + "/fakesdk-1.2.0.dist-info/RECORD", rec),
    ]
    layer1 = [f("etc/fake-tools/tools.conf", conf_appended), f("etc/ssh/ssh_host_rsa_key", copied_host_key)]
    layer2 = [f(lib_path, lib)]  # chmod -R: the library copied up, bytes unchanged
    hist = ["/bin/sh -c #(nop) ADD file:0a1b2c3d4e5f6a7b in /",
            "/bin/sh -c echo \"token=$TOKEN\" >> /etc/fake-tools/tools.conf",
            "/bin/sh -c chmod -R g-w /usr/lib"]
    ins = ["ADD file:0a1b2c3d4e5f6a7b in /", "RUN echo \"token=$TOKEN\" >> /etc/fake-tools/tools.conf",
           "RUN chmod -R g-w /usr/lib"]
    spec = base_image(hist, [layer0, layer1, layer2])
    tls_pkg = {"manager": "dpkg", "name": "libfaketls30", "version": "3.7.9-2+deb12u3"}
    libtext = lib.decode("latin-1")
    labels = {
        "exit": 1,
        "findings": [
            finding("npm-token", 0, 0, ins[0], "/opt/broken/.npmrc", broken_file, broken_token),
            finding("github-pat", 0, 0, ins[0], "/usr/bin/fake-tool", tool_edit, tool_token),
            # the appended file no longer has the bytes fake-tools recorded (debsums' question)
            {"rule": "package-file-modified", "source": "file", "layer": 1, "history": 1, "instruction": ins[1],
             "path": "/etc/fake-tools/tools.conf", "line": 1, "column": 1, "offset": 0, "status": "present",
             "removed_in_layer": None,
             "secret": "fake-tools: recorded md5 %s, actual md5 %s" % (md5(conf_orig), md5(conf_appended)),
             "origin": "image", "package": None},
            finding("github-pat", 1, 1, ins[1], "/etc/fake-tools/tools.conf", conf_appended, app_token),
            finding("private-key", 1, 1, ins[1], "/etc/ssh/ssh_host_rsa_key", copied_host_key,
                    copied_host_key.strip()),
        ],
        "suppressed": [
            suppressed("generated", rule="private-key", layer=0, history=0, instruction=ins[0],
                       path="/etc/ssh/ssh_host_ecdsa_key", content=host_key, secret=host_key.strip(),
                       origin="generated",
                       package={"manager": "dpkg", "name": "openssh-server", "version": "1:9.2p1-2+deb12u3"}),
            # the chmod layer copies the same bytes up: layer 0's copy is still what is served
            suppressed("vendor", rule="private-key", layer=0, history=0, instruction=ins[0], path="/" + lib_path,
                       content=lib, secret=tls_key.strip(), origin="vendor", package=tls_pkg),
            suppressed("vendor", rule="private-key", layer=2, history=2, instruction=ins[2], path="/" + lib_path,
                       content=lib, secret=tls_key.strip(), origin="vendor", package=tls_pkg),
            # the verified source itself: the key split across literals
            suppressed("vendor", rule="private-key-concatenated", layer=0, history=0, instruction=ins[0],
                       path="/" + py_dir + "/testkeys.py", content=py_src, secret=py_concat(py_src),
                       origin="vendor", package={"manager": "dpkg", "name": "python3-fakecrypto", "version": "2.1-3"}),
            suppressed("vendor", rule="private-key", layer=0, history=0, instruction=ins[0], path="/" + pyc_path,
                       content=pyc, secret=py_key.strip(), origin="vendor",
                       package={"manager": "dpkg", "name": "python3-fakecrypto", "version": "2.1-3"}),
            suppressed("vendor", rule="private-key", layer=0, history=0, instruction=ins[0],
                       path="/" + py_dir + "/__pycache__/ecdsa_vectors.cpython-311.pyc", content=ec_pyc,
                       secret=ec_key.strip(), origin="vendor",
                       package={"manager": "dpkg", "name": "python3-fakecrypto", "version": "2.1-3"}),
            suppressed("vendor", rule="private-key", layer=0, history=0, instruction=ins[0], path="/" + big_path,
                       content=big_lib, secret=big_key.strip(), origin="vendor", package=tls_pkg),
            suppressed("vendor", rule="private-key", layer=0, history=0, instruction=ins[0],
                       path="/usr/share/fake-ssl/test.key", content=apk_file, secret=apk_key.strip(),
                       origin="vendor", package={"manager": "apk", "name": "fake-ssl-tests", "version": "1.2.3-r0"}),
            suppressed("vendor", rule="private-key", layer=0, history=0, instruction=ins[0],
                       path="/" + site + "/fakesdk/tests/data/client.pem", content=whl_file, secret=whl_key.strip(),
                       origin="vendor", package={"manager": "python", "name": "fakesdk", "version": "1.2.0"}),
        ],
        "errors": [{"layer": 0, "path": "/var/lib/dpkg/info/broken-pkg.md5sums", "contains": "package database"}],
    }
    write_case(corpus, "vendor-packages", spec, labels)


def third_party_trees(corpus):
    runtime_key, fixture_key = genkey("ec"), genkey("ec")
    runtime = "// default client settings\nmodule.exports.key = `" + runtime_key + "`;\n"
    fixture = fixture_key
    readme_tok = npm()
    readme = "# y\n\nPublish with `NPM_TOKEN=%s npm publish`.\n" % readme_tok
    gem_tok = ghp()
    gem_spec = "GITHUB_TOKEN = '%s'\n" % gem_tok
    go_tok = ghp()
    go_test = "package client\n\nconst testToken = \"%s\"\n" % go_tok
    go_main_tok = ghp()
    go_main = "package client\n\nconst defaultToken = \"%s\"\n" % go_main_tok
    layer0 = [
        f("app/node_modules/x/lib/config.js", runtime),
        f("app/node_modules/x/test/fixtures/key.pem", fixture),
        f("app/node_modules/@scope/y/README.md", readme),
        f("usr/local/bundle/gems/fakegem-1.0.0/spec/client_spec.rb", gem_spec),
        f("root/go/pkg/mod/github.com/fake/client@v1.2.3/client_test.go", go_test),
        f("root/go/pkg/mod/github.com/fake/client@v1.2.3/client.go", go_main),
    ]
    hist = ["/bin/sh -c #(nop) COPY dir:5f6a7b8c9d0e1f2a in /"]
    ins = "COPY dir:5f6a7b8c9d0e1f2a in /"
    spec = base_image(hist, [layer0])
    labels = {
        "exit": 1,
        "findings": [
            finding("private-key", 0, 0, ins, "/app/node_modules/x/lib/config.js", runtime, runtime_key.strip()),
            finding("github-pat", 0, 0, ins, "/root/go/pkg/mod/github.com/fake/client@v1.2.3/client.go", go_main,
                    go_main_tok),
        ],
        "suppressed": [
            suppressed("third-party", rule="npm-token", layer=0, history=0, instruction=ins,
                       path="/app/node_modules/@scope/y/README.md", content=readme, secret=readme_tok,
                       origin="third-party"),
            suppressed("third-party", rule="private-key", layer=0, history=0, instruction=ins,
                       path="/app/node_modules/x/test/fixtures/key.pem", content=fixture, secret=fixture_key.strip(),
                       origin="third-party"),
            suppressed("third-party", rule="github-pat", layer=0, history=0, instruction=ins,
                       path="/root/go/pkg/mod/github.com/fake/client@v1.2.3/client_test.go", content=go_test,
                       secret=go_tok, origin="third-party"),
            suppressed("third-party", rule="github-pat", layer=0, history=0, instruction=ins,
                       path="/usr/local/bundle/gems/fakegem-1.0.0/spec/client_spec.rb", content=gem_spec,
                       secret=gem_tok, origin="third-party"),
        ],
    }
    write_case(corpus, "third-party-trees", spec, labels)


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "corpus")
    vendor_packages(corpus)
    third_party_trees(corpus)


if __name__ == "__main__":
    main()
