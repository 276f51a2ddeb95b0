#!/usr/bin/env python3
"""The test bed's PyPI mirror server: a simple repository API on loopback.

    server.py --root DIR [--port 18888] [--host 127.0.0.1]

Serves, from the layout build_mirror.py and scenarios.py write
(DIR/projects/<normalized>.json + DIR/files/<filename>[.metadata]):

  /simple/                          project list
  /simple/<normalized-name>/        project page, PEP 503 HTML or PEP 691 JSON
  /files/<filename>                 the files (Range, HEAD, ETag, If-None-Match)
  /files/<filename>.metadata        PEP 658 core metadata of a wheel
  /scenarios/                       list of the generated scenario indexes
  /scenarios/<scenario>/simple/...  the same API for DIR/scenarios/<scenario>/
  /lock/simple/..., /lock/files/... the same API for DIR/lock/ (lock_index.py);
                                    its metadata-only wheels answer 404, their
                                    .metadata files are served

Content negotiation follows PEP 691: the Accept header's q-values choose among
application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html and
text/html (the default when the client accepts anything); `?format=<type>`
overrides the header; nothing acceptable gives 406. Non-normalized project
URLs (and URLs without the trailing slash) redirect with 301.

File URLs in the pages are relative (`../../files/<filename>`), as in
bandersnatch and devpi mirrors, so clients must resolve them against the page
URL. The standard library only; one thread per connection.
"""
import argparse
import email.utils
import html
import json
import os
import re
import socket
import sys
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

API_VERSION = "1.1"
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
HTML = "text/html"
# Server preference among equally acceptable types: the default (text/html) first.
OFFERED = [HTML, HTML_V1, JSON_V1]
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_accept(header: str) -> list:
    """[(type, subtype, q, position)] of an Accept header; malformed parts skipped."""
    out = []
    for pos, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        typ, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = min(max(q, 0.0), 1.0)
        out.append((typ, sub, q, pos))
    return out


def negotiate(header) -> str:
    """The offered content type the Accept header prefers, or None (406).

    For each offered type the most specific matching range gives its q (RFC 9110);
    the highest q wins, then the more specific match, then the range the client
    listed first, then the server's order (text/html first, so `*/*` gets HTML).
    """
    ranges = parse_accept(header) if header and header.strip() else [("*", "*", 1.0, 0)]
    best, best_key = None, None
    for pref, offered in enumerate(OFFERED):
        typ, sub = offered.split("/")
        match = None
        for rt, rs, q, pos in ranges:
            if (rt, rs) == (typ, sub):
                spec = 2
            elif rt == typ and rs == "*":
                spec = 1
            elif rt == "*" and rs == "*":
                spec = 0
            else:
                continue
            if match is None or spec > match[0]:
                match = (spec, q, pos)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -match[2], -pref)
        if best_key is None or key > best_key:
            best, best_key = offered, key
    return best


class Repository:
    """One index root: DIR/projects/*.json and DIR/files/."""

    def __init__(self, root: Path):
        self.root = root
        self.files = root / "files"
        self._cache = {}

    def project_names(self) -> list:
        d = self.root / "projects"
        return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else []

    def project(self, normalized: str):
        path = self.root / "projects" / f"{normalized}.json"
        try:
            st = path.stat()
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(normalized)
        if cached and cached[0] == key:
            return cached[1]
        data = json.loads(path.read_text())
        self._cache[normalized] = (key, data)
        return data


def file_version(filename: str, project: str) -> str:
    if filename.endswith(".whl"):
        return filename.split("-")[1]
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            return filename[: -len(ext)].rpartition("-")[2]
    return ""


def version_key(v: str):
    try:
        from packaging.version import Version
        return (0, Version(v), v)
    except Exception:  # no packaging, or a version it rejects: plain string order
        return (1, v, v)


def project_json(data: dict) -> dict:
    files = []
    for f in data["files"]:
        entry = {"filename": f["filename"], "url": "../../files/" + urllib.parse.quote(f["filename"]),
                 "hashes": f["hashes"], "requires-python": f.get("requires-python"),
                 "size": f["size"], "upload-time": f.get("upload-time"),
                 "yanked": f.get("yanked", False)}
        if f.get("core-metadata"):
            entry["core-metadata"] = f["core-metadata"]
            entry["data-dist-info-metadata"] = f["core-metadata"]
        files.append(entry)
    files.sort(key=lambda e: e["filename"])
    versions = sorted({file_version(f["filename"], data["name"]) for f in data["files"]} - {""},
                      key=version_key)
    return {"meta": {"api-version": API_VERSION}, "name": data["name"], "versions": versions,
            "files": files}


def project_html(doc: dict) -> str:
    lines = ["<!DOCTYPE html>", "<html>", "  <head>",
             f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
             f"    <title>Links for {html.escape(doc['name'])}</title>", "  </head>", "  <body>",
             f"    <h1>Links for {html.escape(doc['name'])}</h1>"]
    for f in doc["files"]:
        attrs = [f'href="{html.escape(f["url"])}#sha256={f["hashes"]["sha256"]}"']
        if f.get("requires-python"):
            attrs.append(f'data-requires-python="{html.escape(f["requires-python"])}"')
        if f.get("core-metadata"):
            value = "sha256=" + f["core-metadata"]["sha256"]
            attrs.append(f'data-dist-info-metadata="{value}"')
            attrs.append(f'data-core-metadata="{value}"')
        yanked = f.get("yanked")
        if yanked:
            reason = yanked if isinstance(yanked, str) else ""
            attrs.append(f'data-yanked="{html.escape(reason)}"')
        lines.append(f"    <a {' '.join(attrs)}>{html.escape(f['filename'])}</a><br>")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def list_json(names: list) -> dict:
    return {"meta": {"api-version": API_VERSION}, "projects": [{"name": n} for n in names]}


def list_html(names: list, title: str = "Simple index") -> str:
    lines = ["<!DOCTYPE html>", "<html>", "  <head>",
             f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
             f"    <title>{html.escape(title)}</title>", "  </head>", "  <body>"]
    lines += [f'    <a href="{urllib.parse.quote(n)}/">{html.escape(n)}</a><br>' for n in names]
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sparkenv-bed-mirror/1"

    # ---------------------------------------------------------------- plumbing
    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY,
        # Nagle's algorithm holds the body until the client's delayed ACK
        # (~40 ms per request on a reused connection), which would dominate
        # every resolver's time on loopback. PyPI's CDN does not do that.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def send_body(self, status: int, body: bytes, ctype: str, extra: dict = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status: int, message: str, extra: dict = None):
        self.send_body(status, (message + "\n").encode(), "text/plain; charset=utf-8", extra)

    def redirect(self, location: str):
        self.send_body(301, b"", "text/plain; charset=utf-8", {"Location": location})

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ---------------------------------------------------------------- routing
    def route(self):
        parsed = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parsed.path)
        query = urllib.parse.parse_qs(parsed.query)
        root = Path(self.server.root)
        if path == "/":
            return self.send_body(200, (
                '<!DOCTYPE html><html><body><a href="/simple/">simple/</a><br>'
                '<a href="/scenarios/">scenarios/</a></body></html>\n').encode(), "text/html; charset=utf-8")
        if path in ("/simple", "/scenarios"):
            return self.redirect(path + "/" + (f"?{parsed.query}" if parsed.query else ""))
        if path.startswith("/simple/") or path.startswith("/files/"):
            return self.serve_repo(self.server.repo(root), "", path, parsed.query, query)
        if path in ("/lock", "/lock/", "/lock/simple"):
            return self.redirect("/lock/simple/" + (f"?{parsed.query}" if parsed.query else ""))
        if (path.startswith("/lock/simple/") or path.startswith("/lock/files/")) \
                and (root / "lock" / "projects").is_dir():
            # The lock index (lock_index.py): metadata-only wheels have no file, so 404.
            return self.serve_repo(self.server.repo(root / "lock"), "/lock", path[len("/lock"):],
                                   parsed.query, query)
        if path == "/scenarios/":
            d = root / "scenarios"
            names = sorted(p.name for p in d.iterdir()
                           if SCENARIO_NAME.match(p.name) and (p / "projects").is_dir()) if d.is_dir() else []
            lines = "".join(f'<a href="{urllib.parse.quote(n)}/simple/">{html.escape(n)}</a><br>\n'
                            for n in names)
            return self.send_body(200, f"<!DOCTYPE html><html><body>\n{lines}</body></html>\n".encode(),
                                  "text/html; charset=utf-8")
        m = re.match(r"^/scenarios/([^/]+)(/.*)?$", path)
        if m and SCENARIO_NAME.match(m.group(1)) and (root / "scenarios" / m.group(1) / "projects").is_dir():
            rest = m.group(2) or "/"
            if rest in ("/", "/simple"):
                return self.redirect(f"/scenarios/{m.group(1)}/simple/")
            return self.serve_repo(self.server.repo(root / "scenarios" / m.group(1)),
                                   f"/scenarios/{m.group(1)}", rest, parsed.query, query)
        return self.error(404, f"not found: {path}")

    def serve_repo(self, repo: Repository, prefix: str, path: str, raw_query: str, query: dict):
        if path.startswith("/files/"):
            return self.serve_file(repo, path[len("/files/"):])
        if path == "/simple/":
            ctype = self.pick_type(query)
            if ctype is None:
                return
            names = repo.project_names()
            if ctype == JSON_V1:
                return self.send_api(ctype, json.dumps(list_json(names), indent=1).encode())
            return self.send_api(ctype, list_html(names).encode())
        m = re.match(r"^/simple/([^/]+)(/?)$", path)
        if not m:
            return self.error(404, f"not found: {prefix}{path}")
        name, slash = m.groups()
        norm = normalize(name)
        if name != norm or not slash:
            return self.redirect(f"{prefix}/simple/{urllib.parse.quote(norm)}/" +
                                 (f"?{raw_query}" if raw_query else ""))
        data = repo.project(norm)
        if data is None:
            return self.error(404, f"no project '{norm}' in this index")
        ctype = self.pick_type(query)
        if ctype is None:
            return
        doc = project_json(data)
        if ctype == JSON_V1:
            return self.send_api(ctype, json.dumps(doc, indent=1).encode())
        return self.send_api(ctype, project_html(doc).encode())

    def pick_type(self, query: dict):
        fmt = query.get("format", [None])[-1]
        ctype = negotiate(fmt if fmt else self.headers.get("Accept"))
        if ctype is None:
            self.error(406, "none of the requested content types is available; this index serves "
                       + ", ".join(OFFERED), {"Vary": "Accept"})
        return ctype

    def send_api(self, ctype: str, body: bytes):
        full = ctype + ("; charset=utf-8" if ctype == HTML else "")
        self.send_body(200, body, full, {"Vary": "Accept", "Cache-Control": "max-age=0"})

    # ---------------------------------------------------------------- files
    def serve_file(self, repo: Repository, name: str):
        if not name or "/" in name or name.startswith(".") or "\\" in name:
            return self.error(404, f"not found: {name}")
        path = repo.files / name
        try:
            f = open(path, "rb")
        except OSError:
            return self.error(404, f"no file '{name}' in this index")
        with f:
            st = os.fstat(f.fileno())
            size = st.st_size
            etag = f'"{st.st_size:x}-{st.st_mtime_ns:x}"'
            headers = {"ETag": etag, "Accept-Ranges": "bytes",
                       "Last-Modified": email.utils.formatdate(st.st_mtime, usegmt=True)}
            inm = self.headers.get("If-None-Match")
            if inm and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]):
                self.send_response(304)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start, end, status = 0, size - 1, 200
            rng = self.headers.get("Range")
            if_range = self.headers.get("If-Range")
            if rng and (not if_range or if_range.strip() == etag):
                parsed = self.parse_range(rng, size)
                if parsed == "unsatisfiable":
                    return self.error(416, f"range '{rng}' is outside 0-{size}",
                                      {"Content-Range": f"bytes */{size}", **headers})
                if parsed is not None:
                    start, end = parsed
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
            length = end - start + 1 if size else 0
            ctype = "application/octet-stream"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(length))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD" or length == 0:
                return
            self.wfile.flush()
            self.connection.sendfile(f, start, length)

    @staticmethod
    def parse_range(header: str, size: int):
        """(start, end) of a single `bytes=` range; None to ignore it (send 200);
        'unsatisfiable' for 416. Multiple ranges are ignored (RFC 9110 allows it)."""
        unit, _, spec = header.partition("=")
        if unit.strip().lower() != "bytes" or "," in spec:
            return None
        first, dash, last = spec.strip().partition("-")
        if not dash:
            return None
        try:
            if first == "":
                n = int(last)
                if n <= 0:
                    return "unsatisfiable"
                return (max(size - n, 0), size - 1) if size else "unsatisfiable"
            start = int(first)
            end = int(last) if last else size - 1
        except ValueError:
            return None
        if start < 0 or (last and end < start):
            return None
        if start >= size:
            return "unsatisfiable"
        return start, min(end, size - 1)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, root: Path):
        super().__init__(addr, Handler)
        self.root = root
        self._repos = {}

    def repo(self, path: Path) -> Repository:
        key = str(path)
        if key not in self._repos:
            self._repos[key] = Repository(path)
        return self._repos[key]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18888)
    args = ap.parse_args()
    if not (args.root / "projects").is_dir():
        print(f"error: '{args.root}' holds no mirror (no projects/ folder): run build_mirror.py first",
              file=sys.stderr)
        return 2
    t0 = time.time()
    server = Server((args.host, args.port), args.root)
    print(f"serving {args.root} on http://{args.host}:{args.port}/simple/"
          f" ({len(server.repo(args.root).project_names())} projects, ready in {time.time() - t0:.3f}s)",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.exit(main())
