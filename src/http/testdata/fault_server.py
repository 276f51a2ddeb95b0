"""A tiny HTTP server for the HTTP client's and the cache's tests.

Listens on 127.0.0.1 (an ephemeral port, printed on stdout as the first
line) and exits when stdin closes, so a test that dies leaves no server.

Paths:
  /ok                      200 "hello"
  /status/<code>           that status, body "status <code>"
  /fail/<n>/<key>          503 for the first <n> requests of <key>, then 200 "recovered"
  /retry-after/<key>       429 with Retry-After: 0 once per <key>, then 200
  /slow                    waits 3 s, then 200
  /redirect                302 to /ok
  /echo                    200, body = the request headers, one "name: value" a line
  /bytes                   200, body = bytes 0..255 repeated to 4096 bytes; honours
                           "Range: bytes=a-b" / "bytes=-n" with 206
  /etag/<key>              200 with ETag "v1" and Cache-Control: max-age=<q max_age or 0>;
                           304 when If-None-Match is "v1"
  /count/<key>             200, body = how many requests <key> had so far (other paths)
  /upload                  (any method) 200, body = "<METHOD> <body length> <sha256 of body>"
  /redirect307             307 to /upload (for clients that must not follow)
PUT, POST and DELETE are answered like GET (after reading the request body),
so /fail/<n>/<key> also fails uploads.
"""

import collections
import hashlib
import http.server
import sys
import threading
import time
import urllib.parse

COUNTS = collections.Counter()
LOCK = threading.Lock()
DATA = bytes(range(256)) * 16


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_PUT(self):
        self.do_GET()

    def do_POST(self):
        self.do_GET()

    def do_DELETE(self):
        self.do_GET()

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        query = urllib.parse.parse_qs(url.query)
        key = parts[-1]
        head = parts[0]
        body = b""
        if self.command in ("PUT", "POST", "DELETE"):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with LOCK:
            if head != "count":
                COUNTS[key] += 1
            count = COUNTS[key]
        if head == "ok":
            self.send(200, b"hello", [("Content-Type", "text/plain")])
        elif head == "status":
            self.send(int(parts[1]), b"status " + parts[1].encode())
        elif head == "fail":
            if count <= int(parts[1]):
                self.send(503, b"unavailable")
            else:
                self.send(200, b"recovered")
        elif head == "retry-after":
            if count == 1:
                self.send(429, b"slow down", [("Retry-After", "0")])
            else:
                self.send(200, b"after")
        elif head == "slow":
            time.sleep(3)
            self.send(200, b"late")
        elif head == "redirect":
            self.send(302, b"", [("Location", "/ok")])
        elif head == "echo":
            body = "".join(f"{k.lower()}: {v}\n" for k, v in self.headers.items())
            self.send(200, body.encode())
        elif head == "bytes":
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes="):
                a, _, b = rng[6:].partition("-")
                if a == "":
                    start, end = len(DATA) - int(b), len(DATA) - 1
                else:
                    start, end = int(a), int(b) if b else len(DATA) - 1
                end = min(end, len(DATA) - 1)
                self.send(206, DATA[start:end + 1],
                          [("Content-Range", f"bytes {start}-{end}/{len(DATA)}")])
            else:
                self.send(200, DATA, [("Accept-Ranges", "bytes")])
        elif head == "etag":
            max_age = query.get("max_age", ["0"])[0]
            headers = [("ETag", '"v1"'), ("Cache-Control", f"max-age={max_age}")]
            if self.headers.get("If-None-Match") == '"v1"':
                self.send(304, b"", headers)
            else:
                self.send(200, f"body of {key}".encode(), headers)
        elif head == "upload":
            digest = hashlib.sha256(body).hexdigest()
            self.send(200, f"{self.command} {len(body)} {digest}".encode())
        elif head == "redirect307":
            self.send(307, b"", [("Location", "/upload")])
        elif head == "count":
            self.send(200, str(count).encode())
        else:
            self.send(404, b"not found")


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test closes the pipe


if __name__ == "__main__":
    main()
