#!/usr/bin/env python3
"""gen_samples.py - how samples/leaky.json and samples/leaky.labels.json were written.

    python3 tests/tools/gen_samples.py [SAMPLES_DIR]

The committed files are the source of truth. All secrets are FAKE.
History (index: instruction -> layer):
   0 ADD file:... in /                        -> layer 0  base files
   1 CMD ["/bin/sh"]                          (empty)
   2 ENV APP_HOME=/app                        (empty)
   3 ENV STRIPE_LIVE=sk_live_...              (empty)  secret in history + config.Env
   4 COPY file:... in /root/.ssh/id_rsa       -> layer 1  private key, deleted by .wh. in layer 5
   5 COPY dir:... in /app/config              -> layer 2  postgres URI, hidden by opaque dir in layer 5
   6 |1 NPM_TOKEN=npm_... /bin/sh -c npm install -> layer 3  secret in history created_by
   7 COPY .env /app/ # buildkit               -> layer 4  AWS keys + DB password, overwritten in layer 6
   8 LABEL com.example.ci.gitlab=glpat-...    (empty)  secret in history + config.Labels
   9 RUN /bin/sh -c rm ... # buildkit         -> layer 5  whiteout + opaque dir
  10 COPY file:... in /app/.env               -> layer 6  sanitized .env
  11 /bin/sh -c ... ln deploy.sh ...          -> layer 7  GitHub PAT, present, hard-linked
  12 ENV NODE_ENV=production                  (empty)
  13 CMD ["node","server.js"]                 (empty)
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus as g  # noqa: E402

g.rng.seed(777)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(g.ROOT, "samples")
    k_stripe = g.stripe()
    k_npm = g.npm()
    k_aws = g.aws_id()
    k_aws_secret = g.aws_secret()
    k_gl = g.glpat()
    k_gh = g.ghp()
    db_pw = g.rand(g.ALNUM, 18)
    gen_pw = "Xk9#" + g.rand(g.ALNUM, 12)
    pem = g.pem("RSA")
    h64 = "3b5d5c3712955042212316173ccf37be800b6ef2a2d8e1e8e1f6b1c1c2f7b6a1"

    dbyml = ("production:\n  adapter: postgresql\n"
             f"  url: postgres://app:{db_pw}@db.internal:5432/app\n  pool: 5\n")
    env1 = (f"APP_ENV=production\nAWS_ACCESS_KEY_ID={k_aws}\n"
            f"aws_secret_access_key = {k_aws_secret}\nDB_PASSWORD={gen_pw}\n")
    env2 = "APP_ENV=production\n# credentials come from the secret store now\n"
    deploy = ("#!/bin/sh\nset -e\n# push the release tag\n"
              f'curl -fsS -H "Authorization: Bearer {k_gh}" https://api.github.com/repos/example/app/releases\n')

    history = [
        {"created_by": f"/bin/sh -c #(nop) ADD file:{h64} in / "},
        {"created_by": '/bin/sh -c #(nop) CMD ["/bin/sh"]', "empty_layer": True},
        {"created_by": "/bin/sh -c #(nop) ENV APP_HOME=/app", "empty_layer": True},
        {"created_by": f"/bin/sh -c #(nop) ENV STRIPE_LIVE={k_stripe}", "empty_layer": True},
        {"created_by": "/bin/sh -c #(nop) COPY file:0c8f4ae1b7d2e3a95f6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f in /root/.ssh/id_rsa "},
        {"created_by": "/bin/sh -c #(nop) COPY dir:5e8a1f2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f in /app/config "},
        {"created_by": f"|1 NPM_TOKEN={k_npm} /bin/sh -c npm install"},
        {"created_by": "COPY .env /app/ # buildkit"},
        {"created_by": f"/bin/sh -c #(nop) LABEL com.example.ci.gitlab={k_gl}", "empty_layer": True},
        {"created_by": "RUN /bin/sh -c rm -f /root/.ssh/id_rsa && rm -rf /app/config && mkdir -p /app/config"
                       " && cp /tmp/app.yml /app/config/app.yml # buildkit"},
        {"created_by": "/bin/sh -c #(nop) COPY file:9d4e1e23bd5b727046a9e3b4b7db57bd8d6ee684a1f9e2c3b4d5e6f7a8b9c0d1 in /app/.env "},
        {"created_by": "/bin/sh -c install -m 755 /tmp/deploy.sh /app/bin/deploy.sh && ln /app/bin/deploy.sh /usr/local/bin/deploy"},
        {"created_by": "/bin/sh -c #(nop) ENV NODE_ENV=production", "empty_layer": True},
        {"created_by": '/bin/sh -c #(nop) CMD ["node","server.js"]', "empty_layer": True},
    ]
    appyml = "log_level: info\nport: 8080\n"
    layers = [
        g.L([g.F("etc/os-release", 'NAME="Tiny Linux"\nID=tiny\n'),
             g.F("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), g.F("bin/sh", "#!fake-shell\n", mode=0o755)]),
        g.L([g.D("root/.ssh", mode=0o700), g.F("root/.ssh/id_rsa", pem, mode=0o600)]),
        g.L([g.D("app/config"), g.F("app/config/database.yml", dbyml),
             g.F("app/config/app.yml", appyml)]),
        g.L([g.F("app/package.json", '{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.3.0"}}\n'),
             g.F("app/node_modules/left-pad/index.js", "module.exports = (s, n) => String(s).padStart(n);\n")]),
        g.L([g.F("app/.env", env1)]),
        g.L([g.WH("root/.ssh", "id_rsa"), g.D("app/config"), g.OPQ("app/config"), g.F("app/config/app.yml", appyml)]),
        g.L([g.F("app/.env", env2)]),
        g.L([g.F("app/bin/deploy.sh", deploy, mode=0o755), g.H("usr/local/bin/deploy", "app/bin/deploy.sh")]),
    ]
    config = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                      "APP_HOME=/app", f"STRIPE_LIVE={k_stripe}", "NODE_ENV=production"],
              "Cmd": ["node", "server.js"],
              "WorkingDir": "/app",
              "Labels": {"maintainer": "ops@example.com", "com.example.ci.gitlab": k_gl}}
    spec = {"name": "example/leaky", "ref": "1.0", "os": "linux", "architecture": "amd64",
            "created": "2024-03-01T12:00:00Z", "config": config, "history": history, "layers": layers}

    c = g.Case("leaky", spec)
    c.file("private-key", 1, "/root/.ssh/id_rsa", pem, "-----BEGIN RSA PRIVATE KEY-----", "deleted", 5,
           with_secret=False, note="whited out (.wh.id_rsa) in layer 5; secret = BEGIN line + first base64 line")
    c.labels["findings"][-1]["secret"] = pem[: len("-----BEGIN RSA PRIVATE KEY-----\n") + 64]
    c.file("uri-credentials", 2, "/app/config/database.yml", dbyml, db_pw, "deleted", 5,
           note="hidden by the opaque app/config in layer 5; secret assumed to be the password")
    c.hist("npm-token", 6, k_npm)
    c.hist("generic-secret", 6, k_npm,
           note="same span as the npm-token finding: NPM_TOKEN=... also matches generic-secret "
                "(patterns/generic.json); keep or drop depending on whether overlapping findings are deduplicated")
    c.file("aws-access-key-id", 4, "/app/.env", env1, k_aws, "overwritten", 6)
    c.file("aws-secret-access-key", 4, "/app/.env", env1, k_aws_secret, "overwritten", 6,
           note="secret assumed to be the 40-char value")
    c.file("generic-password", 4, "/app/.env", env1, gen_pw, "overwritten", 6,
           note="generic rule: extracted secret assumed to be the value after '='")
    c.file("github-pat", 7, "/app/bin/deploy.sh", deploy, k_gh, "present")
    c.file("github-pat", 7, "/usr/local/bin/deploy", deploy, k_gh, "present",
           note="hard link to /app/bin/deploy.sh")
    c.hist("stripe-secret-key", 3, k_stripe)
    c.hist("gitlab-pat", 8, k_gl)
    c.conf("stripe-secret-key", "Env", k_stripe, history=3)
    c.conf("gitlab-pat", "Labels", k_gl)
    c.labels["layers"] = ([{"index": i, "digest_verified": True, "whiteouts": 0} for i in range(5)]
                          + [{"index": 5, "digest_verified": True, "whiteouts": 2},
                             {"index": 6, "digest_verified": True, "whiteouts": 0},
                             {"index": 7, "digest_verified": True, "whiteouts": 0}])
    c.labels["image"] = {"os": "linux", "architecture": "amd64", "created": "2024-03-01T12:00:00Z"}
    c.labels["layer_count"] = 8
    with open(os.path.join(out, "leaky.json"), "w", encoding="utf-8") as f:
        json.dump(spec, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(out, "leaky.labels.json"), "w", encoding="utf-8") as f:
        json.dump(c.labels, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
