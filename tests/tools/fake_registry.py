#!/usr/bin/env python3
"""fake_registry.py - a tiny, misbehaving OCI Distribution server, for tests.

    fake_registry.py --layout DIR --port P --log FILE [--tamper-layer N]
                     [--flaky K] [--redirect-blobs] [--basic USER:PASS]
                     [--drop-blob-once]

Serves the image of an OCI layout (index.json's first entry, under any tag
but cosign's and the referrers tag schema's "sha256-<hex>[.sig|.att]",
and by digest, in any repository) on plain http://127.0.0.1:P, with the
faults a real registry cannot be made to produce on demand:

  --tamper-layer N   layer N's blob is served with one byte flipped (same
                     length), so its digest no longer matches the manifest
  --tamper-manifest  the manifest is served with a trailing space (valid
                     JSON, another digest); --tamper-config the same for the config
  --flaky K          the first K requests of every path answer 503 with
                     Retry-After: 1
  --redirect-blobs   blob GETs answer 307 to http://localhost:P/_storage/..
                     (another origin: Authorization must not follow) with
                     a query string standing for a presigned URL's signature
  --basic U:P        /v2/ paths need HTTP Basic U:P (401 with a challenge)
  --drop-blob-once   the first GET of each blob sends the headers and half
                     the body, then resets the connection (Range must resume)

GET /v2/REPO/tags/list pages through seven tags t0..t6 with n, last and a
Link header, as the API describes.

Supply-chain modes (tests/integration/test_registry_attached.sh):

  --serve-all        a registry holding the whole layout: every manifest and
                     blob of blobs/ by digest, and each index.json entry's
                     org.opencontainers.image.ref.name as a tag (any other
                     tag is 404), in every repository; it also takes pushes
                     (POST/PUT uploads, PUT manifests by tag or digest,
                     HEAD), kept per repository, so tests/tools/oci_push.py
                     can place an image's attachments as BuildKit and cosign
                     do, several images side by side. Manifests go out with
                     their mediaType (else the Content-Type pushed) as
                     Content-Type.
  --referrers        GET /v2/REPO/referrers/DIGEST answers an OCI index of
                     every manifest of the layout or pushed to REPO whose
                     subject.digest is DIGEST
                     (mediaType, digest, size, artifactType, annotations);
                     without it that path is 404, as distribution 2.8 has
                     no referrers API
  --referrers-status N  the referrers API answers N (an error) instead
  --referrers-stray  the referrers answer also lists, for each referrer, a
                     copy of it (served by digest, its layers being the
                     referrer's) whose subject is another digest: a client
                     that trusts the listing would take it for the image's

Hostile modes (tests/integration/test_registry_hostile.sh), each what a
malicious or broken registry can do to a client:

  --drip-manifest    the manifest body goes out one byte a second
  --layer-size N=V   layer N's descriptor in the manifest (served by tag)
                     says size V: an integer (2^62, say) or "none" (dropped)
  --endless-blob N   layer N's blob is an endless chunked body (no length)
  --stall-blob N     layer N's blob sends its headers and half its body, then
                     nothing (the connection stays open)
  --link-cycle K     tags/list and _catalog are K pages (?page=0..K-1), the
                     last linking back to the first; every page repeats the
                     name of page 0 too
  --catalog-names N  _catalog is one page of N repositories r0..r(N-1)
  --deny-tags REPO[=STATUS]  GET /v2/REPO/tags/list answers STATUS (403 by
                     default; 401 with a Basic challenge) while REPO's
                     manifests and blobs are served: listing is forbidden,
                     pulling is not (repeatable)
  --header-flood H   the manifest answer carries H: "many" (20000 headers of
                     64 bytes) or "huge" (one 200 KB header)
  --reset-at LIST    the i-th GET of each blob (i = 0, 1, ...) is cut by a
                     reset after LIST[i] bytes of its body ("always" for every
                     GET, after half of what it sends)
  --wrong-range      a Range request is answered 206 with a Content-Range that
                     starts elsewhere
  --token-stall      /v2/ paths want a Bearer token from /token, which never
                     answers
  --token-rotate     /v2/ paths want a Bearer token from /token, which answers
                     after a second with a new token each time (tok1, tok2..);
                     layer blobs refuse tok1, so every layer reader meets a
                     401 at once and one fetch must serve them all
  --tls CERT KEY     serve https with this certificate (realms and
                     redirects still say http: not for the token modes)
  --refresh-token T  /v2/ paths (but /v2/ itself) want "Bearer acc-refreshed",
                     which only POST /token gives: the OAuth2 refresh-token
                     grant of T (grant_type=refresh_token, refresh_token=T,
                     service=fake, client_id set) answers {"access_token": ...};
                     anything else at /token is 401
  --token-busy K     /v2/ paths want a Bearer token from /token, whose first K
                     requests answer 503 with Retry-After: 1; a request that
                     comes sooner than that second after a 503 is refused
                     with 400 (so only a client honouring Retry-After gets
                     the token)

Each request is logged to FILE as one JSON line: path, status, whether an
Authorization header came, and the Range header. Prints "ready" once
listening ("ready PORT" with --port 0, which takes a free port).
"""
import argparse
import base64
import hashlib
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse

SIGNATURE = "X-Amz-Signature=fakepresignedsignature0123456789"
TAGS = ["t%d" % i for i in range(7)]  # tags/list pages through these, sorted


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tamper-layer", type=int)
    ap.add_argument("--tamper-manifest", action="store_true")
    ap.add_argument("--tamper-config", action="store_true")
    ap.add_argument("--flaky", type=int, default=0)
    ap.add_argument("--redirect-blobs", action="store_true")
    ap.add_argument("--basic")
    ap.add_argument("--drop-blob-once", action="store_true")
    ap.add_argument("--drip-manifest", action="store_true")
    ap.add_argument("--layer-size", action="append", default=[])
    ap.add_argument("--endless-blob", type=int)
    ap.add_argument("--stall-blob", type=int)
    ap.add_argument("--link-cycle", type=int, default=0)
    ap.add_argument("--header-flood", choices=["many", "huge"])
    ap.add_argument("--reset-at")
    ap.add_argument("--wrong-range", action="store_true")
    ap.add_argument("--token-stall", action="store_true")
    ap.add_argument("--token-rotate", action="store_true")
    ap.add_argument("--token-busy", type=int, default=0)
    ap.add_argument("--refresh-token")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--catalog-names", type=int, default=0)
    ap.add_argument("--deny-tags", action="append", default=[])
    ap.add_argument("--serve-all", action="store_true")
    ap.add_argument("--referrers", action="store_true")
    ap.add_argument("--referrers-status", type=int)
    ap.add_argument("--referrers-stray", action="store_true")
    args = ap.parse_args()
    deny_tags = {}
    for d in args.deny_tags:
        repo, _, status = d.partition("=")
        deny_tags[repo] = int(status or 403)

    blobs = os.path.join(args.layout, "blobs", "sha256")
    index = json.load(open(os.path.join(args.layout, "index.json")))
    top = index["manifests"][0]
    manifest = json.load(open(os.path.join(blobs, top["digest"].split(":")[1])))
    manifest.setdefault("layers", [])  # an index first: no layers to fault
    tampered = None
    if args.tamper_layer is not None:
        tampered = manifest["layers"][args.tamper_layer]["digest"]
    # the manifest served by tag: rewritten when --layer-size says so
    served = open(os.path.join(blobs, top["digest"].split(":")[1]), "rb").read()
    for spec in args.layer_size:
        n, v = spec.split("=")
        if v == "none":
            manifest["layers"][int(n)].pop("size")
        else:
            manifest["layers"][int(n)]["size"] = int(v)
        served = json.dumps(manifest).encode()
    served_digest = "sha256:" + hashlib.sha256(served).hexdigest() if args.layer_size else top["digest"]
    layer_digests = [l["digest"] for l in manifest["layers"]]
    endless = layer_digests[args.endless_blob] if args.endless_blob is not None else None
    stalled = layer_digests[args.stall_blob] if args.stall_blob is not None else None
    resets = None
    if args.reset_at and args.reset_at != "always":
        resets = [int(x) for x in args.reset_at.split(",")]
    blob_gets = {}
    firsts = {}
    tokens = [0]
    busy = {"count": 0, "last_503": None}  # --token-busy: 503s sent, and when the last went out
    want_auth = "Basic " + base64.b64encode(args.basic.encode()).decode() if args.basic else None
    lock = threading.Lock()
    seen = {}

    # --serve-all: what was pushed, per repository ((repo, digest) -> bytes;
    # manifests also keep their Content-Type), and the tags: index.json's
    # ref.name in every repository (repo None), then pushes ((repo, tag))
    pushed = {}
    pushed_types = {}
    tags = {}
    uploads = [0]
    if args.serve_all:
        for e in index["manifests"]:
            name = (e.get("annotations") or {}).get("org.opencontainers.image.ref.name")
            if name:
                tags[(None, name)] = e["digest"]
    strays = {}  # --referrers-stray: digest -> the copies made so far

    def tagged(repo, tag):
        with lock:
            return tags.get((repo, tag)) or tags.get((None, tag))

    def blob_bytes(digest, repo=None):
        if args.layer_size and digest == served_digest:
            return served
        with lock:
            if digest in strays:
                return strays[digest]
            if (repo, digest) in pushed:
                return pushed[(repo, digest)]
        path = os.path.join(blobs, digest.split(":", 1)[1])
        if "/" in digest or not os.path.isfile(path):
            return None
        data = open(path, "rb").read()
        if args.tamper_manifest and digest == top["digest"]:
            data += b" "  # still the same JSON, another digest
        if args.tamper_config and digest == manifest["config"]["digest"]:
            data += b" "
        if digest == tampered:
            mid = len(data) // 2
            data = data[:mid] + bytes([data[mid] ^ 0x55]) + data[mid + 1:]
        return data

    def held_manifests(repo):
        """(digest, bytes, parsed) of every manifest repo holds."""
        out = {}
        with lock:
            for (r, d), data in pushed.items():
                if r == repo:
                    out[d] = data
        for name in sorted(os.listdir(blobs)):
            p = os.path.join(blobs, name)
            if os.path.getsize(p) <= 4 << 20 and "sha256:" + name not in out:
                with open(p, "rb") as f:
                    out["sha256:" + name] = f.read()
        for d, data in sorted(out.items()):
            if not data.startswith(b"{"):
                continue
            try:
                m = json.loads(data)
            except ValueError:
                continue
            if isinstance(m, dict) and ("layers" in m or "manifests" in m):
                yield d, data, m

    def stray_copy(m):
        m = dict(m, subject=dict(m["subject"], digest="sha256:" + "0" * 64))
        data = json.dumps(m).encode()
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        with lock:
            strays[d] = data
        return d, data, m

    def referrers(repo, digest):
        entries = []
        held = []
        for d, data, m in held_manifests(repo):
            subject = m.get("subject") if isinstance(m.get("subject"), dict) else {}
            if subject.get("digest") == digest:
                held.append((d, data, m))
                if args.referrers_stray:
                    held.append(stray_copy(m))
        for d, data, m in held:
            e = {"mediaType": m.get("mediaType", "application/vnd.oci.image.manifest.v1+json"),
                 "digest": d, "size": len(data)}
            at = m.get("artifactType") or (m.get("config") or {}).get("mediaType")
            if at:
                e["artifactType"] = at
            if m.get("annotations"):
                e["annotations"] = m["annotations"]
            entries.append(e)
        return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                           "manifests": entries}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def log(self, status):
            with lock, open(args.log, "a") as f:
                f.write(json.dumps({"path": urllib.parse.urlparse(self.path).path,
                                    "query": urllib.parse.urlparse(self.path).query,
                                    "status": status,
                                    "auth": self.headers.get("Authorization") is not None,
                                    "range": self.headers.get("Range")}) + "\n")

        def send(self, status, body=b"", ctype="application/json", headers=()):
            self.log(status)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def drip(self, data, mtype):
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Type", mtype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                self.close_connection = True

        def error(self, status, code, message, headers=()):
            body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
            self.send(status, body, headers=headers)

        def first_time(self, key):
            with lock:
                seen[key] = seen.get(key, 0) + 1
                return seen[key]

        def reset(self):
            """Ends the connection with a reset, not a clean close."""
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        def endless(self):
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            except OSError:
                self.close_connection = True

        def stall(self, data):
            self.log(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            try:
                while self.connection.recv(1):  # until the client gives up
                    pass
            except OSError:
                pass
            self.close_connection = True

        def serve_blob(self, digest, repo=None):
            if digest == endless:
                return self.endless()
            data = blob_bytes(digest, repo)
            if data is None:
                return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
            if digest == stalled:
                return self.stall(data)
            with lock:
                nth = blob_gets.get(digest, 0)
                blob_gets[digest] = nth + 1
            rng = self.headers.get("Range")
            start = 0
            if rng and rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                if start >= len(data):
                    return self.error(416, "RANGE", "range not satisfiable")
            cut = None
            if digest not in layer_digests:
                pass  # the config is never cut
            elif args.reset_at == "always":
                cut = (len(data) - start) // 2
            elif resets is not None and nth < len(resets):
                cut = resets[nth]
            if cut is not None:
                self.log(206 if start else 200)
                self.send_response(206 if start else 200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data) - start))
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.end_headers()
                self.wfile.write(data[start:start + cut])
                return self.reset()
            if start:
                shown = 0 if args.wrong_range else start
                return self.send(206, data[start:], "application/octet-stream",
                                 [("Content-Range", f"bytes {shown}-{len(data) - 1}/{len(data)}")])
            if args.drop_blob_once and self.first_time("drop " + digest) == 1 and len(data) > 64:
                self.log(200)
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                # the client reads the half before the reset: a reset can
                # discard bytes not yet read, and a client that saw none on
                # a reused connection retries it whole on its own (libcurl
                # does), which is not the mid-body cut this mode is for
                time.sleep(0.2)
                # a reset, not a clean close: SO_LINGER with a zero timeout
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return None
            return self.send(200, data, "application/octet-stream")

        def cycle(self, path, q, key, names):
            """Page i of a listing whose last page links back to the first."""
            if "page" not in q:
                with lock:
                    firsts[path] = self.path  # the first page, as the client asked for it
            i = int(q.get("page", ["0"])[0]) % args.link_cycle
            link = f'<{path}?page={i + 1}>; rel="next"'
            if i + 1 == args.link_cycle:
                link = f'<{firsts.get(path, path)}>; rel="next"'
            body = json.dumps({key: sorted({names[0], names[i]})}).encode()
            return self.send(200, body, headers=[("Link", link)])

        def tags(self, path, q):
            if args.link_cycle:
                return self.cycle(path, q, "tags", ["t%d" % i for i in range(args.link_cycle)])
            n = int(q.get("n", ["100"])[0])
            last = q.get("last", [""])[0]
            rest = [t for t in TAGS if t > last]
            page, more = rest[:n], len(rest) > n
            headers = [("Link", f'<{path}?last={page[-1]}&n={n}>; rel="next"')] if more else []
            body = json.dumps({"name": path[4:-len("/tags/list")], "tags": page}).encode()
            return self.send(200, body, headers=headers)

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            path = url.path
            if path == "/token":
                if args.refresh_token:
                    return self.error(401, "UNAUTHORIZED", "POST the refresh-token grant")
                if args.token_stall:
                    self.log(0)
                    try:
                        while self.connection.recv(1):
                            pass
                    except OSError:
                        pass
                    self.close_connection = True
                    return None
                if args.token_busy:
                    with lock:
                        last = busy["last_503"]
                        early = last is not None and time.monotonic() - last < 0.95
                        if not early and busy["count"] < args.token_busy:
                            busy["count"] += 1
                            busy["last_503"] = time.monotonic()
                            status = 503
                        else:
                            status = 400 if early else 200
                    if status == 503:
                        return self.error(503, "UNAVAILABLE", "token service busy", [("Retry-After", "1")])
                    if status == 400:
                        return self.error(400, "TOO_EARLY", "retried before Retry-After")
                    return self.send(200, b'{"token": "faketoken"}')
                if args.token_rotate:
                    time.sleep(1)
                    with lock:
                        tokens[0] += 1
                        n = tokens[0]
                    return self.send(200, json.dumps({"token": "tok%d" % n}).encode())
                return self.send(200, b'{"token": "faketoken"}')
            if path.startswith("/_storage/"):
                if SIGNATURE not in url.query:
                    return self.error(403, "DENIED", "unsigned storage request")
                return self.serve_blob(path[len("/_storage/"):])
            if not path.startswith("/v2/"):
                return self.error(404, "NOT_FOUND", "no such path")
            if args.flaky and self.first_time("flaky " + path) <= args.flaky:
                return self.error(503, "UNAVAILABLE", "try again later", [("Retry-After", "1")])
            if want_auth and self.headers.get("Authorization") != want_auth:
                return self.error(401, "UNAUTHORIZED", "authentication required",
                                  [("WWW-Authenticate", 'Basic realm="fake"')])
            if (args.refresh_token and path != "/v2/"
                    and self.headers.get("Authorization") != "Bearer acc-refreshed"):
                realm = f"http://127.0.0.1:{args.port}/token"
                return self.error(401, "UNAUTHORIZED", "authentication required",
                                  [("WWW-Authenticate", f'Bearer realm="{realm}",service="fake"')])
            if ((args.token_stall or args.token_busy) and path != "/v2/"
                    and self.headers.get("Authorization") != "Bearer faketoken"):
                realm = f"http://127.0.0.1:{args.port}/token"
                return self.error(401, "UNAUTHORIZED", "authentication required",
                                  [("WWW-Authenticate", f'Bearer realm="{realm}",service="fake"')])
            if args.token_rotate and path != "/v2/":
                auth = self.headers.get("Authorization") or ""
                layer = any(path.endswith("/blobs/" + d) for d in layer_digests)
                if not auth.startswith("Bearer tok") or (layer and auth == "Bearer tok1"):
                    realm = f"http://127.0.0.1:{args.port}/token"
                    return self.error(401, "UNAUTHORIZED", "authentication required",
                                      [("WWW-Authenticate", f'Bearer realm="{realm}",service="fake"')])
            if path == "/v2/":
                return self.send(200, b"{}")
            if path == "/v2/_catalog" and args.catalog_names:
                body = json.dumps({"repositories": ["r%d" % i for i in range(args.catalog_names)]})
                return self.send(200, body.encode())
            if path == "/v2/_catalog" and args.link_cycle:
                return self.cycle(path, urllib.parse.parse_qs(url.query), "repositories",
                                  ["repo%d" % i for i in range(args.link_cycle)])
            parts = path[4:].split("/")
            if path.endswith("/tags/list"):
                denied = deny_tags.get(path[4:-len("/tags/list")])
                if denied == 401:
                    return self.error(401, "UNAUTHORIZED", "authentication required",
                                      [("WWW-Authenticate", 'Basic realm="fake"')])
                if denied:
                    return self.error(denied, "DENIED", "requested access to the resource is denied")
                return self.tags(path, urllib.parse.parse_qs(url.query))
            if len(parts) < 3:
                return self.error(404, "NAME_UNKNOWN", "repository name not known to registry")
            kind, ref = parts[-2], parts[-1]
            repo = "/".join(parts[:-2])
            if kind == "referrers" and args.referrers_status:
                return self.error(args.referrers_status, "UNKNOWN", "referrers are broken here")
            if kind == "referrers" and args.referrers:
                return self.send(200, referrers(repo, ref), "application/vnd.oci.image.index.v1+json")
            if kind == "manifests":
                digest = ref if ref.startswith("sha256:") else served_digest
                if args.serve_all and not ref.startswith("sha256:"):
                    digest = tagged(repo, ref)
                elif ref.startswith("sha256-"):
                    digest = None  # cosign's and the referrers tag schema's: none here
                data = blob_bytes(digest, repo) if digest else None
                if data is None:
                    return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
                doc = json.loads(data)
                mtype = doc.get("mediaType") or pushed_types.get(digest) or (
                    "application/vnd.oci.image.index.v1+json" if "manifests" in doc
                    else "application/vnd.oci.image.manifest.v1+json")
                headers = [("Docker-Content-Digest", "sha256:" + hashlib.sha256(data).hexdigest())]
                if args.header_flood == "many":
                    headers += [("X-Flood-%05d" % i, "f" * 50) for i in range(20000)]
                elif args.header_flood == "huge":
                    headers += [("X-Flood", "f" * 200000)]
                if args.drip_manifest:
                    return self.drip(data, mtype)
                return self.send(200, data, mtype, headers)
            if kind == "blobs":
                if args.redirect_blobs:
                    loc = f"http://localhost:{args.port}/_storage/{ref}?{SIGNATURE}"
                    return self.send(307, b"", headers=[("Location", loc)])
                return self.serve_blob(ref, repo)
            return self.error(404, "NOT_FOUND", "no such path")

        def do_HEAD(self):
            path = urllib.parse.urlparse(self.path).path
            parts = path[4:].split("/")
            data = None
            if args.serve_all and len(parts) >= 3 and parts[-2] in ("blobs", "manifests"):
                ref, repo = parts[-1], "/".join(parts[:-2])
                if parts[-2] == "manifests" and not ref.startswith("sha256:"):
                    ref = tagged(repo, ref)
                data = blob_bytes(ref, repo) if ref else None
            self.log(200 if data is not None else 404)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Length", str(len(data) if data is not None else 0))
            self.end_headers()

        def body(self):
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self):
            path = urllib.parse.urlparse(self.path).path
            if path == "/token" and args.refresh_token:
                form = urllib.parse.parse_qs(self.body().decode())
                want = {"grant_type": ["refresh_token"], "refresh_token": [args.refresh_token],
                        "service": ["fake"]}
                if any(form.get(k) != v for k, v in want.items()) or not form.get("client_id"):
                    return self.error(401, "UNAUTHORIZED", "bad refresh-token grant")
                return self.send(200, b'{"access_token": "acc-refreshed", "expires_in": 300}')
            if not args.serve_all or not path.endswith("/blobs/uploads/"):
                return self.error(404, "NOT_FOUND", "no such path")
            self.body()
            with lock:
                uploads[0] += 1
                n = uploads[0]
            return self.send(202, headers=[("Location", f"{path}{n}")])

        def do_PUT(self):
            url = urllib.parse.urlparse(self.path)
            parts = url.path[4:].split("/")
            data = self.body()
            got = "sha256:" + hashlib.sha256(data).hexdigest()
            if not args.serve_all or len(parts) < 3:
                return self.error(404, "NOT_FOUND", "no such path")
            if parts[-3:-1] == ["blobs", "uploads"]:
                want = urllib.parse.parse_qs(url.query).get("digest", [""])[0]
                if want != got:
                    return self.error(400, "DIGEST_INVALID", "digest mismatch")
                with lock:
                    pushed[("/".join(parts[:-3]), got)] = data
                return self.send(201, headers=[("Docker-Content-Digest", got)])
            if parts[-2] == "manifests":
                ref, repo = parts[-1], "/".join(parts[:-2])
                if ref.startswith("sha256:") and ref != got:
                    return self.error(400, "DIGEST_INVALID", "digest mismatch")
                with lock:
                    pushed[(repo, got)] = data
                    pushed_types[got] = self.headers.get("Content-Type")
                    if not ref.startswith("sha256:"):
                        tags[(repo, ref)] = got
                return self.send(201, headers=[("Docker-Content-Digest", got)])
            return self.error(404, "NOT_FOUND", "no such path")

    http.server.ThreadingHTTPServer.address_family = socket.AF_INET
    # socketserver listens with a backlog of 5: when more connections than
    # that arrive at once (8 layer readers and a token fetch), the kernel
    # drops a SYN and the client's retransmit comes a second later, which
    # the 2 s limits of the hostile tests then count against layerscan
    http.server.ThreadingHTTPServer.request_queue_size = 128
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    if args.tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    if not args.port:
        args.port = server.server_address[1]  # what redirects and realms name
        print("ready", args.port, flush=True)
    else:
        print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
