#!/usr/bin/env python3
"""fake_engine.py SOCKET [--image NAME=FILE]... [--fail NAME=STATUS:MESSAGE]...
                 [--cut NAME=BYTES]...

A stand-in for the Docker Engine API on a Unix socket, for what a real
engine will not do on request: GET /images/NAME/get (also under /vX.Y/)
answers FILE's bytes for an --image NAME, the given status and
{"message": MESSAGE} for a --fail NAME, and for a --cut NAME announces the
whole file but closes the connection after BYTES bytes. Any other name is
404 {"message": "No such image: NAME"}. Runs until killed.
"""
import http.server
import json
import os
import re
import socketserver
import sys
import urllib.parse


def parse(argv):
    sock, images, fails, cuts = argv[0], {}, {}, {}
    i = 1
    while i < len(argv):
        flag, val = argv[i], argv[i + 1]
        name, _, rest = val.partition("=")
        if flag == "--image":
            images[name] = rest
        elif flag == "--fail":
            status, _, msg = rest.partition(":")
            fails[name] = (int(status), msg)
        elif flag == "--cut":
            cuts[name] = int(rest)
        else:
            sys.exit(f"unknown option {flag}")
        i += 2
    return sock, images, fails, cuts


SOCK, IMAGES, FAILS, CUTS = parse(sys.argv[1:])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "unix"

    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        m = re.fullmatch(r"(?:/v[0-9.]+)?/images/(.+)/get", urllib.parse.urlsplit(self.path).path)
        if not m:
            return self.answer(404, b'{"message": "page not found"}')
        name = urllib.parse.unquote(m.group(1))
        if name in FAILS:
            status, msg = FAILS[name]
            return self.answer(status, json.dumps({"message": msg}).encode())
        if name not in IMAGES and name not in CUTS:
            return self.answer(404, json.dumps({"message": f"No such image: {name}"}).encode())
        with open(IMAGES[name], "rb") as f:
            data = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-tar")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: CUTS.get(name, len(data))])
        self.wfile.flush()
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCK):
    os.unlink(SOCK)
Server(SOCK, Handler).serve_forever()
