#!/usr/bin/env python3
"""gen_corpus.py - (re)writes tests/corpus/<case>/{spec.json,labels.json}.

    python3 tests/tools/gen_corpus.py [CORPUS_DIR]

The committed spec.json/labels.json files are the source of truth; this script
is how they were written: it places the fake secrets and computes line,
column and offset from the actual bytes, so the numbers in the labels are
exact. Every secret here is FAKE (random characters in the rule's shape).
The fate of each finding (status, removed_in_layer) is written by hand.

Runner options live in spec["_test"] (mkimage ignores "_" keys):
  forms:          which image forms to build (default: all)
  platforms:      --platforms for mkimage; scan_platform: --platform for layerscan
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = UP + UP.lower() + "0123456789"
B32 = UP + "234567"

rng = random.Random(20240101)


def rand(alpha, n):
    return "".join(rng.choice(alpha) for _ in range(n))


def aws_id():
    return "AKIA" + rand(B32, 16)


def aws_secret():
    return rand(ALNUM + "/+", 40)


def ghp():
    return "ghp_" + rand(ALNUM, 36)


def glpat():
    return "glpat-" + rand(ALNUM, 20)


def slack():
    return f"xoxb-{rand('0123456789', 12)}-{rand('0123456789', 12)}-{rand(ALNUM, 24)}"


def stripe():
    return "sk_live_" + rand(ALNUM, 28)


def google():
    return "AIza" + rand(ALNUM, 35)


def npm():
    return "npm_" + rand(ALNUM, 36)


def pem(kind="RSA"):
    b64 = ALNUM + "+/"
    lines = [rand(b64, 64) for _ in range(6)] + [rand(b64, 40) + "=="]
    return f"-----BEGIN {kind} PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind} PRIVATE KEY-----\n"


# ------------------------------------------------------------------ helpers

def F(path, content, **kw):
    e = {"path": path, "type": "file", "content": content}
    e.update(kw)
    return e


def D(path, **kw):
    e = {"path": path, "type": "dir"}
    e.update(kw)
    return e


def S(path, target):
    return {"path": path, "type": "symlink", "target": target}


def H(path, target):
    return {"path": path, "type": "hardlink", "target": target}


def WH(dirpath, name):
    return F(f"{dirpath}/.wh.{name}" if dirpath else f".wh.{name}", "")


def OPQ(dirpath):
    return F(f"{dirpath}/.wh..wh..opq", "")


def clean(created_by):
    """The contract's instruction cleaning (for the labels)."""
    s = created_by
    if s.endswith(" # buildkit"):
        s = s[: -len(" # buildkit")]
    if s.startswith("/bin/sh -c #(nop) "):
        return s[len("/bin/sh -c #(nop) "):].strip()
    if s.startswith("|"):
        i = s.find(" /bin/sh -c ")
        return "RUN " + s[i + len(" /bin/sh -c "):].strip()
    if s.startswith("/bin/sh -c "):
        return "RUN " + s[len("/bin/sh -c "):].strip()
    return s.strip()


def locate(text, secret, nth=0):
    """(line, column, offset) 1-based line/column of the secret's start."""
    off = -1
    for _ in range(nth + 1):
        off = text.find(secret, off + 1)
        if off < 0:
            raise SystemExit(f"gen_corpus: secret {secret!r} not in text")
    b = text[:off].encode("utf-8")
    line = b.count(b"\n") + 1
    col = len(b) - (b.rfind(b"\n") + 1) + 1
    return line, col, len(b)


class Case:
    def __init__(self, name, spec, exit_code=1):
        self.name = name
        self.spec = spec
        self.labels = {"exit": exit_code, "findings": []}

    # history index owning layer n
    def owner(self, layer):
        n = -1
        for i, h in enumerate(self.spec.get("history", [])):
            if not h.get("empty_layer"):
                n += 1
                if n == layer:
                    return i
        return None

    def file(self, rule, layer, path, content, secret, status="present", removed=None,
             nth=0, with_secret=True, attribution=True, note=None):
        line, col, off = locate(content, secret, nth)
        f = {"rule": rule, "source": "file", "layer": layer}
        if attribution:
            h = self.owner(layer)
            f["history"] = h
            f["instruction"] = clean(self.spec["history"][h]["created_by"]) if h is not None else None
        else:
            f["history"] = None
            f["instruction"] = None
        f.update({"path": path, "line": line, "column": col, "offset": off,
                  "status": status, "removed_in_layer": removed})
        if with_secret:
            f["secret"] = secret
        if note:
            f["_note"] = note
        self.labels["findings"].append(f)
        return f

    def hist(self, rule, index, secret, with_instruction=True, note=None):
        cb = self.spec["history"][index]["created_by"]
        line, col, off = locate(cb, secret)
        h = self.spec["history"][index]
        layer = None
        if not h.get("empty_layer"):
            layer = sum(1 for x in self.spec["history"][:index] if not x.get("empty_layer"))
        f = {"rule": rule, "source": "history", "layer": layer, "history": index}
        if with_instruction:
            f["instruction"] = clean(cb)
        f.update({"path": f"history[{index}].created_by", "line": line, "column": col,
                  "offset": off, "status": "metadata", "removed_in_layer": None, "secret": secret})
        if note:
            f["_note"] = note
        self.labels["findings"].append(f)
        return f

    def conf(self, rule, field, secret, history=None, note=None):
        c = self.spec["config"]
        if field == "Env":
            text = "\n".join(c["Env"])
        elif field == "Labels":
            text = "\n".join(f"{k}={v}" for k, v in sorted(c["Labels"].items()))
        else:
            text = "\n".join(c[field])
        line, col, off = locate(text, secret)
        f = {"rule": rule, "source": "config", "layer": None}
        if history is not None:
            f["history"] = history
            f["instruction"] = clean(self.spec["history"][history]["created_by"])
        f.update({"path": f"config.{field}", "line": line, "column": col, "offset": off,
                  "status": "metadata", "removed_in_layer": None, "secret": secret})
        if note:
            f["_note"] = note
        self.labels["findings"].append(f)
        return f

    def write(self, root):
        d = os.path.join(root, self.name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "spec.json"), "w", encoding="utf-8") as f:
            json.dump(self.spec, f, indent=1, ensure_ascii=False)
            f.write("\n")
        with open(os.path.join(d, "labels.json"), "w", encoding="utf-8") as f:
            json.dump(self.labels, f, indent=1, ensure_ascii=False)
            f.write("\n")


BASE_FILES = [
    D("etc"),
    F("etc/os-release", 'NAME="Tiny Linux"\nID=tiny\nVERSION_ID=1.0\n'),
    F("etc/hostname", "localhost\n"),
    D("bin"),
    F("bin/sh", "#!fake-shell\n", mode=0o755),
]


def base_history(created_by="/bin/sh -c #(nop) ADD file:9f86d081884c7d65 in /"):
    return {"created_by": created_by}


def spec(layers, history, config=None, **kw):
    s = {"name": "layerscan/corpus", "ref": "1.0", "os": "linux", "architecture": "amd64",
         "created": "2024-01-01T00:00:00Z",
         "config": config or {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                              "Cmd": ["/bin/sh"]},
         "history": history, "layers": layers}
    s.update(kw)
    return s


def L(entries, **kw):
    d = {"compression": "gzip", "entries": entries}
    d.update(kw)
    return d


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# ------------------------------------------------------------------ cases

@case
def present():
    k = aws_id()
    env = f"APP_ENV=production\naws_access_key_id = {k}\nREGION=eu-west-1\n"
    c = Case("present", spec(
        [L(BASE_FILES), L([D("app"), F("app/.env", env)])],
        [base_history(), {"created_by": "/bin/sh -c #(nop) COPY file:5d41402abc4b2a76 in /app/.env"}]))
    c.file("aws-access-key-id", 1, "/app/.env", env, k)
    c.labels["layers"] = [{"index": 0, "digest_verified": True, "whiteouts": 0},
                          {"index": 1, "digest_verified": True, "whiteouts": 0}]
    return c


@case
def deleted_whiteout():
    k1, k2 = ghp(), stripe()
    a = f"[github]\n  user = deploy\n  pat = {k1}\n"
    b = f"stripe: {k2}\n"
    c = Case("deleted-whiteout", spec(
        [L(BASE_FILES),
         L([D("root"), F("root/.gitconfig", a), D("srv"), D("srv/billing"), F("srv/billing/keys.yml", b)]),
         L([D("root"), WH("root", ".gitconfig"), D("srv"), WH("srv", "billing")])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:0cc175b9c0f1b6a8 in /"},
         {"created_by": "/bin/sh -c rm -f /root/.gitconfig && rm -rf /srv/billing"}]))
    c.file("github-pat", 1, "/root/.gitconfig", a, k1, "deleted", 2)
    c.file("stripe-secret-key", 1, "/srv/billing/keys.yml", b, k2, "deleted", 2,
           note="an ancestor directory is whited out")
    c.labels["layers"] = [{"index": 2, "whiteouts": 2}]
    return c


@case
def deleted_opaque():
    k1 = glpat()
    a = f"gitlab:\n  url: https://gitlab.example.com\n  pat: {k1}\n"
    c = Case("deleted-opaque", spec(
        [L(BASE_FILES),
         L([D("app"), D("app/config"), F("app/config/ci.yml", a), F("app/config/keep.txt", "keep\n")]),
         L([D("app"), D("app/config"), OPQ("app/config"), F("app/config/other.txt", "other\n")])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:92eb5ffee6ae2fec in /app/config"},
         {"created_by": "/bin/sh -c rm -rf /app/config && mkdir /app/config && echo other > /app/config/other.txt"}]))
    c.file("gitlab-pat", 1, "/app/config/ci.yml", a, k1, "deleted", 2)
    c.labels["layers"] = [{"index": 2, "whiteouts": 1}]
    return c


@case
def overwritten():
    k1, k2 = aws_id(), aws_id()
    a = f"aws_access_key_id = {k1}\n"
    b = f"# rotated\naws_access_key_id = {k2}\n"
    c = Case("overwritten", spec(
        [L(BASE_FILES),
         L([D("root"), D("root/.aws"), F("root/.aws/credentials", a)]),
         L([D("root"), D("root/.aws"), F("root/.aws/credentials", b)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY file:e4da3b7fbbce2345 in /root/.aws/credentials"},
         {"created_by": "/bin/sh -c #(nop) COPY file:1679091c5a880faf in /root/.aws/credentials"}]))
    c.file("aws-access-key-id", 1, "/root/.aws/credentials", a, k1, "overwritten", 2)
    c.file("aws-access-key-id", 2, "/root/.aws/credentials", b, k2, "present")
    return c


@case
def opaque_readd():
    ka, kb, kc = ghp(), npm(), google()
    a = f"pat={ka}\n"
    a2 = "pat=REDACTED\n"
    b = f"npm {kb}\n"
    cc = f"maps: {kc}\n"
    c = Case("opaque-readd", spec(
        [L(BASE_FILES),
         L([D("srv"), D("srv/conf"), F("srv/conf/a.env", a), F("srv/conf/b.npmrc", b), F("srv/conf/c.yml", cc)]),
         L([D("srv"), D("srv/conf"), OPQ("srv/conf"), F("srv/conf/a.env", a2), F("srv/conf/c.yml", cc)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:45c48cce2e2d7fbd in /srv/conf"},
         {"created_by": "/bin/sh -c #(nop) COPY dir:d3d9446802a44259 in /srv/conf"}]))
    c.file("github-pat", 1, "/srv/conf/a.env", a, ka, "overwritten", 2,
           note="opaque dir in layer 2 re-adds a.env with other content")
    c.file("npm-token", 1, "/srv/conf/b.npmrc", b, kb, "deleted", 2,
           note="sibling hidden by the opaque dir, not re-added")
    c.file("google-api-key", 1, "/srv/conf/c.yml", cc, kc, "present", None,
           note="re-added byte-identical under the opaque dir: still served")
    c.file("google-api-key", 2, "/srv/conf/c.yml", cc, kc, "present")
    c.labels["layers"] = [{"index": 2, "whiteouts": 1}]
    return c


@case
def dir_replaced_by_file():
    k = slack()
    a = f"SLACK_BOT={k}\n"
    c = Case("dir-replaced-by-file", spec(
        [L(BASE_FILES),
         L([D("opt"), D("opt/app"), D("opt/app/conf"), F("opt/app/conf/slack.env", a)]),
         L([D("opt"), F("opt/app", "#!/bin/sh\necho the app is a single file now\n", mode=0o755)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:6512bd43d9caa6e0 in /opt/app"},
         {"created_by": "/bin/sh -c #(nop) COPY file:c20ad4d76fe97759 in /opt/app"}]))
    c.file("slack-token", 1, "/opt/app/conf/slack.env", a, k, "deleted", 2,
           note="ancestor dir /opt/app replaced by a regular file (no whiteout entry)")
    return c


@case
def whiteout_recreate():
    ka, kb, kc = ghp(), aws_id(), aws_id()
    a = f"token {ka}\n"
    b = f"aws_access_key_id = {kb}\n"
    b2 = f"aws_access_key_id = {kc}\n"
    c = Case("whiteout-recreate", spec(
        [L(BASE_FILES),
         L([D("etc"), D("etc/app"), F("etc/app/a.conf", a), F("etc/app/b.conf", b)]),
         L([D("etc"), D("etc/app"), WH("etc/app", "a.conf"), WH("etc/app", "b.conf")]),
         L([D("etc"), D("etc/app"), F("etc/app/a.conf", a), F("etc/app/b.conf", b2)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:aab3238922bcc25a in /etc/app"},
         {"created_by": "/bin/sh -c rm /etc/app/a.conf /etc/app/b.conf"},
         {"created_by": "/bin/sh -c #(nop) COPY dir:9bf31c7ff062936a in /etc/app"}]))
    c.file("github-pat", 1, "/etc/app/a.conf", a, ka, "present", None,
           note="whited out in layer 2, re-created byte-identical in layer 3: final image serves it")
    c.file("aws-access-key-id", 1, "/etc/app/b.conf", b, kb, "overwritten", 2,
           note="whited out in layer 2, re-created with other content in layer 3; stopped being served at 2")
    c.file("github-pat", 3, "/etc/app/a.conf", a, ka, "present")
    c.file("aws-access-key-id", 3, "/etc/app/b.conf", b2, kc, "present")
    return c


@case
def identical_readd():
    k = stripe()
    a = f"STRIPE_LIVE = '{k}'\n"
    c = Case("identical-readd", spec(
        [L(BASE_FILES),
         L([D("app"), F("app/settings.py", a, mode=0o644)]),
         L([D("app"), F("app/settings.py", a, mode=0o600)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY file:c51ce410c124a10e in /app/settings.py"},
         {"created_by": "/bin/sh -c chmod 600 /app/settings.py"}]))
    c.file("stripe-secret-key", 1, "/app/settings.py", a, k, "present", None,
           note="layer 2 copies the file up (chmod) with identical bytes")
    c.file("stripe-secret-key", 2, "/app/settings.py", a, k, "present")
    return c


@case
def hardlink():
    k = npm()
    a = f"npm {k}\n"
    c = Case("hardlink", spec(
        [L(BASE_FILES),
         L([D("app"), F("app/.npmrc", a), H("app/.npmrc.bak", "app/.npmrc")]),
         L([D("app"), WH("app", ".npmrc")])],
        [base_history(),
         {"created_by": "/bin/sh -c cp /tmp/npmrc /app/.npmrc && ln /app/.npmrc /app/.npmrc.bak"},
         {"created_by": "/bin/sh -c rm /app/.npmrc"}]))
    c.file("npm-token", 1, "/app/.npmrc", a, k, "deleted", 2)
    c.file("npm-token", 1, "/app/.npmrc.bak", a, k, "present", None,
           note="hard link reports the target's finding at the link path; the link survives")
    return c


@case
def symlink():
    k = google()
    a = f"MAPS={k}\n"
    c = Case("symlink", spec(
        [L(BASE_FILES + [F("etc/maps.env", a)]),
         L([D("app"), S("app/maps.env", "/etc/maps.env"), S("app/etc", "../etc"),
            S("app/loop", "loop"), S("app/dangling", "/nonexistent/secret")])],
        [base_history(),
         {"created_by": "/bin/sh -c ln -s /etc/maps.env /app/maps.env && ln -s ../etc /app/etc"}]))
    c.file("google-api-key", 0, "/etc/maps.env", a, k, "present")
    return c


@case
def long_names():
    k1, k2, k3 = ghp(), aws_id(), glpat()
    seg = "a-rather-long-directory-name-for-testing"
    p1 = "opt/" + "/".join([seg] * 3) + "/credentials.env"               # > 100
    p2 = "opt/" + "/".join([seg] * 7) + "/deeper/and/deeper/secret.env"  # > 255
    assert 100 < len(p1) < 255 and len(p2) > 255, (len(p1), len(p2))
    a = f"pat={k1}\n"
    b = f"aws_access_key_id = {k2}\n"
    d = f"gitlab {k3}\n"
    p3 = "srv/" + "x" * 120 + "/" + "y" * 140 + ".yml"
    c = Case("long-names", spec(
        [L(BASE_FILES),
         L([F(p1, a), F(p2, b)], tar_format="pax"),
         L([F(p3, d)], tar_format="gnu", name_style="dot")],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:70efdf2ec9b08607 in /opt"},
         {"created_by": "/bin/sh -c #(nop) COPY dir:6f4922f45568161a in /srv"}]))
    c.file("github-pat", 1, "/" + p1, a, k1)
    c.file("aws-access-key-id", 1, "/" + p2, b, k2)
    c.file("gitlab-pat", 2, "/" + p3, d, k3)
    return c


@case
def name_styles():
    ka, kb, kc = aws_id(), ghp(), npm()
    a = f"aws_access_key_id = {ka}\n"
    b = f"pat: {kb}\n"
    b2 = "pat: none\n"
    cc = f"npm {kc}\n"
    c = Case("name-styles", spec(
        [L(BASE_FILES, name_style="dot"),
         L([D("app"), F("app/a.env", a), F("app/b.env", b)], name_style="dot"),
         L([D("app"), WH("app", "a.env"), F("app/b.env", b2), F("app/c.env", cc)], name_style="plain"),
         L([F("app/c.env", cc, name_style="dot")], name_style="plain")],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY dir:1f0e3dad99908345 in /app"},
         {"created_by": "/bin/sh -c #(nop) COPY dir:98f13708210194c4 in /app"},
         {"created_by": "/bin/sh -c #(nop) COPY file:3c59dc048e885024 in /app/c.env"}]))
    c.file("aws-access-key-id", 1, "/app/a.env", a, ka, "deleted", 2,
           note="./app/a.env whited out by plain app/.wh.a.env")
    c.file("github-pat", 1, "/app/b.env", b, kb, "overwritten", 2)
    c.file("npm-token", 2, "/app/c.env", cc, kc, "present", None,
           note="re-added byte-identical as ./app/c.env in layer 3")
    c.file("npm-token", 3, "/app/c.env", cc, kc, "present")
    return c


@case
def mixed_compression():
    k0, k1, k2 = aws_id(), ghp(), slack()
    a, b, d = f"aws_access_key_id = {k0}\n", f"pat {k1}\n", f"bot: {k2}\n"
    c = Case("mixed-compression", spec(
        [L(BASE_FILES + [F("etc/aws.ini", a)], compression="gzip"),
         L([D("app"), F("app/gh.txt", b)], compression="zstd"),
         L([D("app"), F("app/slack.yml", d)], compression="none")],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY file:b6d767d2f8ed5d21 in /app/gh.txt"},
         {"created_by": "/bin/sh -c #(nop) COPY file:37693cfc748049e4 in /app/slack.yml"}]))
    c.file("aws-access-key-id", 0, "/etc/aws.ini", a, k0)
    c.file("github-pat", 1, "/app/gh.txt", b, k1)
    c.file("slack-token", 2, "/app/slack.yml", d, k2)
    c.labels["layers"] = [{"index": i, "digest_verified": True} for i in range(3)]
    return c


@case
def big_file():
    k1, k2, k3 = aws_id(), ghp(), npm()
    fill = "#" + " filler" * 8 + " " * 6 + "\n"
    assert len(fill) == 64
    # line 1024 starts at 1023*64 = 65472; its secret starts 7 bytes before 65536
    pre1 = "# aws_access_key_id ="
    pre1 = pre1 + " " * (65536 - 7 - 1023 * 64 - len(pre1))
    l1 = pre1 + k1 + "\n"
    # the next line is 64+ bytes; pad so that the ghp token starts exactly at 131072
    n_mid = (131072 - (1023 * 64 + len(l1))) // 64
    rest = 131072 - (1023 * 64 + len(l1) + n_mid * 64)
    l2a = ("#" + " " * (rest - 2) + "\n") if rest >= 2 else ""
    n_mid2 = n_mid
    if rest == 1:
        raise SystemExit("big_file: adjust padding")
    l2 = k2 + "\n"
    # fill to 1 MiB minus the last line, then a final line without newline
    head = fill * 1023 + l1 + fill * n_mid2 + l2a + l2
    l3 = f"npm {k3}"
    n_tail = (1048576 - len(head) - len(l3)) // 64
    pad = 1048576 - len(head) - len(l3) - n_tail * 64
    l3 = " " * pad + l3
    text = head + fill * n_tail + l3
    assert len(text) == 1048576, len(text)
    assert text.find(k2) == 131072 and text.find(k1) == 65529
    parts = [{"repeat": {"content": fill, "times": 1023}}, {"content": l1},
             {"repeat": {"content": fill, "times": n_mid2}}, {"content": l2a + l2},
             {"repeat": {"content": fill, "times": n_tail}}, {"content": l3}]
    c = Case("big-file", spec(
        [L(BASE_FILES), L([D("data"), {"path": "data/dump.txt", "type": "file", "parts": parts}])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) COPY file:1ff1de774005f8da in /data/dump.txt"}]))
    c.file("aws-access-key-id", 1, "/data/dump.txt", text, k1,
           note="starts 7 bytes before the 64 KiB boundary and straddles it")
    c.file("github-pat", 1, "/data/dump.txt", text, k2, note="starts exactly at offset 131072")
    c.file("npm-token", 1, "/data/dump.txt", text, k3, note="last bytes of a 1 MiB file, no final newline")
    return c


@case
def build_args():
    k = ghp()
    cb = f"|2 DEPLOY_USER=ci GH_PAT={k} /bin/sh -c make install"
    c = Case("build-args", spec(
        [L(BASE_FILES), L([D("usr"), D("usr/local"), D("usr/local/bin"),
                           F("usr/local/bin/app", "#!/bin/sh\necho app\n", mode=0o755)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) ARG DEPLOY_USER", "empty_layer": True},
         {"created_by": "/bin/sh -c #(nop) ARG GH_PAT", "empty_layer": True},
         {"created_by": cb}]))
    f = c.hist("github-pat", 3, k)
    assert f["instruction"] == "RUN make install" and f["layer"] == 1
    return c


@case
def env_attribution():
    ks, kl, kg, kn = slack(), glpat(), google(), npm()
    hist = [base_history(),
            {"created_by": "/bin/sh -c #(nop) ENV APP_HOME=/app", "empty_layer": True},
            {"created_by": f"/bin/sh -c #(nop) ENV SLACK_BOT={ks}", "empty_layer": True},
            {"created_by": "/bin/sh -c #(nop) COPY file:8e296a067a375633 in /app/run.sh"},
            {"created_by": f"/bin/sh -c #(nop) LABEL ci.gitlab={kl}", "empty_layer": True},
            {"created_by": "/bin/sh -c #(nop) ENV APP_HOME=/srv/app", "empty_layer": True},
            {"created_by": f'/bin/sh -c #(nop) CMD ["serve" "--maps" "{kg}"]', "empty_layer": True}]
    config = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                      "APP_HOME=/srv/app", f"SLACK_BOT={ks}", f"NPM_PUBLISH={kn}"],
              "Cmd": ["serve", "--maps", kg],
              "Labels": {"org.opencontainers.image.title": "corpus", "ci.gitlab": kl}}
    c = Case("env-attribution", spec(
        [L(BASE_FILES), L([D("app"), F("app/run.sh", "#!/bin/sh\nexec serve\n", mode=0o755)])],
        hist, config))
    c.hist("slack-token", 2, ks)
    c.hist("gitlab-pat", 4, kl)
    c.hist("google-api-key", 6, kg)
    c.conf("slack-token", "Env", ks, history=2)
    c.conf("npm-token", "Env", kn,
           note="no ENV history entry sets it: history/instruction not labeled (expected null)")
    c.labels["findings"][-1]["history"] = None
    c.conf("gitlab-pat", "Labels", kl, note="Labels scanned as sorted key=value lines")
    c.conf("google-api-key", "Cmd", kg)
    return c


@case
def history_mismatch():
    k1, k2 = aws_id(), ghp()
    a, b = f"aws_access_key_id = {k1}\n", f"pat {k2}\n"
    c = Case("history-mismatch", spec(
        [L(BASE_FILES), L([D("app"), F("app/a.ini", a)]), L([D("app"), F("app/b.txt", b)])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) ENV X=1", "empty_layer": True},
         {"created_by": "/bin/sh -c #(nop) COPY file:4e732ced3463d06d in /app/a.ini"}]))
    c.file("aws-access-key-id", 1, "/app/a.ini", a, k1, attribution=False,
           note="2 non-empty history entries for 3 layers: no attribution at all")
    c.file("github-pat", 2, "/app/b.txt", b, k2, attribution=False)
    c.labels["errors"] = [{"contains": "history"}]
    return c


@case
def clean_image():
    c = Case("clean", spec(
        [L(BASE_FILES + [D("app"),
                         F("app/README.md", "# demo\nSet DB_PASSWORD in the environment.\n"),
                         F("app/start.sh", '#!/bin/sh\nexec app --password "$DB_PASSWORD"\n', mode=0o755),
                         F("app/notes.txt", "near misses: AKIA1234 ghp_short sk_test_abc xoxb-1-2\n")]),
         L([D("app"), F("app/config.yml", "port: 8080\nlog_level: info\n")])],
        [base_history(),
         {"created_by": "/bin/sh -c #(nop) ENV DB_HOST=db", "empty_layer": True},
         {"created_by": "/bin/sh -c #(nop) COPY file:a87ff679a2f3e71d in /app/config.yml"},
         {"created_by": '/bin/sh -c #(nop) CMD ["/app/start.sh"]', "empty_layer": True}],
        {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin", "DB_HOST=db"], "Cmd": ["/app/start.sh"],
         "Labels": {"org.opencontainers.image.title": "clean"}}), exit_code=0)
    c.labels["layers"] = [{"index": 0, "digest_verified": True, "whiteouts": 0},
                          {"index": 1, "digest_verified": True, "whiteouts": 0}]
    return c


def three_layers(name, kind, forms=None):
    k0, k2 = aws_id(), ghp()
    a, b = f"aws_access_key_id = {k0}\n", f"pat {k2}\n"
    filler = {"path": "app/filler.txt", "type": "file",
              "random": {"seed": 7, "size": 6000, "alphabet": "abcdefghij klmnop\n"}}
    s = spec([L(BASE_FILES + [F("etc/aws.ini", a)]), L([D("app"), filler]), L([D("app"), F("app/gh.txt", b)])],
             [base_history(),
              {"created_by": "/bin/sh -c #(nop) COPY file:e2c420d928d4bf8c in /app/filler.txt"},
              {"created_by": "/bin/sh -c #(nop) COPY file:ec5decca5ed3d6b8 in /app/gh.txt"}],
             corrupt={"layer": 1, "kind": kind})
    if forms:
        s["_test"] = {"forms": forms}
    c = Case(name, s)
    c.file("aws-access-key-id", 0, "/etc/aws.ini", a, k0,
           note="status computed from the readable layers (the broken layer 1 does not touch it)")
    c.file("github-pat", 2, "/app/gh.txt", b, k2)
    c.labels["errors"] = [{"layer": 1}]
    return c


@case
def truncated_gzip():
    c = three_layers("hostile-truncated", "truncate")
    c.labels["layers"] = [{"index": 0, "digest_verified": True}, {"index": 2, "digest_verified": True}]
    return c


@case
def corrupt_bytes():
    c = three_layers("hostile-flip", "flip")
    c.labels["layers"] = [{"index": 0, "digest_verified": True}, {"index": 2, "digest_verified": True}]
    return c


@case
def missing_blob():
    c = three_layers("hostile-missing-blob", "missing")
    return c


@case
def bad_diff_id():
    k0, k1 = aws_id(), ghp()
    a, b = f"aws_access_key_id = {k0}\n", f"pat {k1}\n"
    c = Case("hostile-bad-diff-id", spec(
        [L(BASE_FILES + [F("etc/aws.ini", a)]), L([D("app"), F("app/gh.txt", b)])],
        [base_history(), {"created_by": "/bin/sh -c #(nop) COPY file:a1d0c6e83f027327 in /app/gh.txt"}],
        corrupt={"layer": 1, "kind": "bad_diff_id"}))
    c.file("aws-access-key-id", 0, "/etc/aws.ini", a, k0)
    c.file("github-pat", 1, "/app/gh.txt", b, k1,
           note="content is readable; only the config's diff_id is wrong: still scanned")
    c.labels["errors"] = [{"layer": 1}]
    c.labels["layers"] = [{"index": 0, "digest_verified": True}, {"index": 1, "digest_verified": False}]
    return c


@case
def malformed_config():
    c = Case("hostile-malformed-config", spec(
        [L(BASE_FILES + [F("etc/aws.ini", f"aws_access_key_id = {aws_id()}\n")])],
        [base_history()],
        raw_config='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:'),
        exit_code=2)
    c.labels["findings"] = []
    return c


@case
def random_bytes():
    s = {"raw_bytes": {"seed": 4242, "size": 8192}, "_test": {"forms": ["raw"]}}
    c = Case("hostile-random-bytes", s, exit_code=[0, 2])
    c.labels["errors_optional"] = True
    c.labels["_note"] = ("not an image: auto-detected as a lone layer that fails to decode; "
                         "must not crash. exit 2 (unusable) or 0 with an error entry are both accepted "
                         "until the behavior is settled")
    return c


@case
def lone_layer():
    k = slack()
    a = f"bot = {k}\n"
    ghost = ghp()
    s = spec([L([D("app"), F("app/slack.ini", a), F("app/.wh.notes", f"pat {ghost}\n"),
                 F("app/.wh..wh..opq", "")])], [base_history()])
    s["_test"] = {"forms": ["layer"]}
    c = Case("lone-layer", s)
    c.file("slack-token", 0, "/app/slack.ini", a, k, attribution=False,
           note="a lone layer has no history: attribution null")
    c.labels["_note"] = "app/.wh.notes holds a token but is a whiteout: never scanned"
    c.labels["layers"] = [{"index": 0, "whiteouts": 2}]
    return c


@case
def multi_platform():
    k_amd, k_arm = aws_id(), ghp()
    s = spec([L(BASE_FILES), L([D("app"), F("app/a.ini", f"aws_access_key_id = {k_amd}\n")])],
             [base_history(), {"created_by": "/bin/sh -c #(nop) COPY file:c9f0f895fb98ab91 in /app/a.ini"}])
    s["platform_config"] = {"linux/arm64": {"Env": ["PATH=/usr/bin:/bin", f"ARM_PAT={k_arm}"]}}
    s["_test"] = {"forms": ["oci", "oci-archive"], "platforms": "linux/amd64,linux/arm64",
                  "scan_platform": "linux/arm64"}
    c = Case("multi-platform", s)
    c.file("aws-access-key-id", 1, "/app/a.ini", f"aws_access_key_id = {k_amd}\n", k_amd)
    f = {"rule": "github-pat", "source": "config", "layer": None, "path": "config.Env",
         "line": 2, "column": len("ARM_PAT=") + 1, "offset": len("PATH=/usr/bin:/bin\nARM_PAT="),
         "status": "metadata", "removed_in_layer": None, "secret": k_arm}
    c.labels["findings"].append(f)
    c.labels["image"] = {"os": "linux", "architecture": "arm64"}
    return c


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "corpus")
    names = []
    for fn in CASES:
        c = fn()
        c.write(root)
        names.append(c.name)
    print("\n".join(names))


if __name__ == "__main__":
    main()
