#!/usr/bin/env python3
"""token_issuer.py - a Docker registry token service, for tests only.

    token_issuer.py --port P --tls-cert C --tls-key K --sign-key SK --sign-cert SC
                    --service S --issuer I --user U --password PW --log FILE

Serves GET /token?service=S&scope=TYPE:NAME:ACTIONS[&scope=...] over TLS
(stdlib http.server + ssl) on 127.0.0.1:P. Basic credentials must be U:PW
(anything else, or none, is 401). The answer is {"token": JWT,
"access_token": JWT, "expires_in": 300}: a JWT granting every requested
scope, RS256-signed by `openssl dgst -sha256 -sign SK` (the Python
standard library cannot sign), with the signing certificate SC in the
`x5c` header, which is how distribution 2.8 finds the key when its
`auth.token.rootcertbundle` holds SC. Every issued token is appended to
FILE (one a line) so a test can check that none leaks into any output.
Prints "ready" on stdout once listening.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.parse


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_of(pem_path):
    out = subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER"],
                         check=True, capture_output=True)
    return out.stdout


def parse_scope(scope):
    # "repository:team/app:pull,push" -> type, name, actions; names hold no ':'
    parts = scope.split(":")
    if len(parts) < 3:
        return None
    return {"type": parts[0], "name": ":".join(parts[1:-1]), "actions": parts[-1].split(",")}


def make_jwt(args, x5c, scopes, subject):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
    claims = {"iss": args.issuer, "sub": subject, "aud": args.service, "exp": now + 300,
              "nbf": now - 10, "iat": now, "jti": b64url(os.urandom(12)),
              "access": [a for a in (parse_scope(s) for s in scopes) if a]}
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", args.sign_key],
                         input=signing_input, check=True, capture_output=True).stdout
    return signing_input.decode() + "." + b64url(sig)


def main():
    ap = argparse.ArgumentParser()
    for name in ("port", "tls-cert", "tls-key", "sign-key", "sign-cert", "service", "issuer",
                 "user", "password", "log"):
        ap.add_argument("--" + name, required=True)
    args = ap.parse_args()
    x5c = base64.b64encode(der_of(args.sign_cert)).decode()
    want = "Basic " + base64.b64encode(f"{args.user}:{args.password}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):  # quiet: the test reads our log file instead
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            q = urllib.parse.parse_qs(url.query)
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            if self.headers.get("Authorization") != want:
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                    "message": "bad credentials"}]})
            if q.get("service", [""])[0] != args.service:
                return self.reply(400, {"errors": [{"code": "DENIED", "message": "wrong service"}]})
            token = make_jwt(args, x5c, q.get("scope", []), args.user)
            with open(args.log, "a") as f:
                f.write(token + "\n")
            self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    # a backlog of 128, not socketserver's 5: a burst of parallel clients
    # must not lose a SYN (retransmitted only a second later)
    http.server.ThreadingHTTPServer.request_queue_size = 128
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(args.port)), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls_cert, args.tls_key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
