"""The bed's PyPI mirror (tests/bed/mirror): the simple repository API as the
specs define it (PEP 503, 691, 658, 700, 714), checked against the files it
serves, and pip resolving and downloading from it with no other index and no
route to the internet.

Needs `tests/bed/bed up mirror` (and the mirror built by scripts/setup).
"""
import email.parser
import hashlib
import html
import http.client
import io
import json
import os
import subprocess
import sys
import urllib.parse
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
PIP_ACCEPT = f"{JSON_V1}, {HTML_V1}; q=0.1, text/html; q=0.01"  # what pip sends
PLATFORMS = [f"manylinux_2_{m}_x86_64" for m in range(28, 4, -1)] + [
    "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]
# Any connection pip tries outside loopback goes to this closed port and fails.
NO_INTERNET = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


class Mirror:
    def __init__(self, env: dict):
        assert "BED_PYPI_URL" in env, "the mirror is not up: run tests/bed/bed up mirror"
        self.index = env["BED_PYPI_URL"]
        self.base = env["BED_MIRROR_URL"]
        self.root = Path(env["BED_MIRROR_ROOT"])
        u = urllib.parse.urlsplit(self.base)
        self.host, self.port = u.hostname, u.port

    def request(self, path: str, headers: dict = None, method: str = "GET"):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def json(self, path: str) -> dict:
        status, headers, body = self.request(path, {"Accept": JSON_V1})
        assert status == 200, (path, status, body[:200])
        assert headers["content-type"] == JSON_V1
        return json.loads(body)

    def resolve(self, page: str, url: str) -> str:
        """The server path of a (possibly relative) URL found on page `page`."""
        return urllib.parse.urlsplit(urllib.parse.urljoin(self.base + page, url)).path

    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text())


@pytest.fixture(scope="module")
def mirror(bed_env) -> Mirror:
    return Mirror(bed_env)


def pip(*args, env_extra=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(NO_INTERNET)
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_NO_INPUT": "1"})
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def target_args(python: str) -> list:
    xy = python.replace(".", "")
    args = ["--only-binary=:all:", "--python-version", python, "--implementation", "cp",
            "--abi", f"cp{xy}"]
    for p in PLATFORMS:
        args += ["--platform", p]
    return args


def file_version(filename: str) -> Version:
    if filename.endswith(".whl"):
        return parse_wheel_filename(filename)[1]
    return parse_sdist_filename(filename)[1]


# --------------------------------------------------------------------------- negotiation

@pytest.mark.parametrize("accept, expected", [
    (None, "text/html"),
    ("*/*", "text/html"),
    ("text/html", "text/html"),
    (HTML_V1, HTML_V1),
    (JSON_V1, JSON_V1),
    (PIP_ACCEPT, JSON_V1),
    (f"{JSON_V1};q=0.2, text/html;q=0.5", "text/html"),
    (f"text/html;q=0.3, {HTML_V1};q=0.4, {JSON_V1};q=0.35", HTML_V1),
    (f"*/*;q=0.1, {JSON_V1}", JSON_V1),
    (f"{JSON_V1};q=0, */*", "text/html"),
    ("application/*", HTML_V1),              # both v1 types match; the server prefers HTML
    ("application/json", None),
    ("text/html;q=0", None),
    (f"{JSON_V1};q=0, {HTML_V1};q=0, text/*;q=0", None),
    ("image/png, text/plain", None),
])
@pytest.mark.parametrize("path", ["/simple/", "/simple/pandas/"])
def test_content_negotiation(mirror, path, accept, expected):
    status, headers, body = mirror.request(path, {"Accept": accept} if accept else {})
    if expected is None:
        assert status == 406, (status, body[:200])
        return
    assert status == 200
    assert headers["content-type"].split(";")[0].strip() == expected
    assert "accept" in headers.get("vary", "").lower()
    assert int(headers["content-length"]) == len(body)
    if expected == JSON_V1:
        assert json.loads(body)["meta"]["api-version"] == "1.1"
    else:
        assert b'<meta name="pypi:repository-version" content="1.1">' in body


def test_format_query_parameter_overrides_accept(mirror):
    status, headers, body = mirror.request(f"/simple/numpy/?format={urllib.parse.quote(JSON_V1)}",
                                           {"Accept": "text/html"})
    assert status == 200 and headers["content-type"] == JSON_V1
    assert json.loads(body)["name"] == "numpy"


def test_head_of_a_page_has_headers_and_no_body(mirror):
    status, headers, body = mirror.request("/simple/pandas/", {"Accept": JSON_V1}, method="HEAD")
    _, _, full = mirror.request("/simple/pandas/", {"Accept": JSON_V1})
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(full)


# --------------------------------------------------------------------------- index content

REQUIRED_FILE_KEYS = {"filename", "url", "hashes", "requires-python", "size", "upload-time", "yanked"}


def test_project_list_json_and_html_agree(mirror):
    doc = mirror.json("/simple/")
    names = [p["name"] for p in doc["projects"]]
    assert {"numpy", "pandas", "pyarrow", "scikit-learn", "scipy"} <= set(names)
    assert all(n == canonicalize_name(n) for n in names)
    _, _, body = mirror.request("/simple/", {"Accept": "text/html"})
    anchors = parse_anchors(body.decode())
    assert [text for _, text in anchors] == names
    assert [attrs["href"] for attrs, _ in anchors] == [f"{n}/" for n in names]


def test_every_file_matches_its_index_entry(mirror):
    """For every project: the JSON entry's sha256 and size are the served file's, the
    .metadata file's sha256 is core-metadata's, and METADATA names the file's project
    and version; `versions` lists exactly the files' versions."""
    names = [p["name"] for p in mirror.json("/simple/")["projects"]]
    checked = 0
    for name in names:
        page = f"/simple/{name}/"
        doc = mirror.json(page)
        assert doc["name"] == name
        assert tuple(int(x) for x in doc["meta"]["api-version"].split(".")) >= (1, 1)
        assert doc["files"], name
        assert doc["versions"] == [str(v) for v in sorted({file_version(f["filename"]) for f in doc["files"]})]
        for f in doc["files"]:
            assert REQUIRED_FILE_KEYS <= set(f), f
            assert isinstance(f["yanked"], (bool, str))
            assert f["upload-time"].endswith("Z") and "T" in f["upload-time"]
            status, headers, body = mirror.request(mirror.resolve(page, f["url"]))
            assert status == 200, f["filename"]
            assert len(body) == f["size"] == int(headers["content-length"])
            assert hashlib.sha256(body).hexdigest() == f["hashes"]["sha256"], f["filename"]
            if f["filename"].endswith(".whl"):
                assert f["core-metadata"] == f["data-dist-info-metadata"] == f["core-metadata"]
                wheel_name, wheel_version, _, _ = parse_wheel_filename(f["filename"])
                status, _, meta = mirror.request(mirror.resolve(page, f["url"]) + ".metadata")
                assert status == 200
                assert hashlib.sha256(meta).hexdigest() == f["core-metadata"]["sha256"]
                msg = email.parser.BytesParser().parsebytes(meta)
                assert canonicalize_name(msg["Name"]) == wheel_name == name
                assert Version(msg["Version"]) == wheel_version
                assert (msg["Requires-Python"] or None) == (f["requires-python"] or None)
                # The PEP 658 file is the wheel's own METADATA, byte for byte.
                with zipfile.ZipFile(io.BytesIO(body)) as z:
                    inner = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
                    assert z.read(inner[0]) == meta
            else:
                assert "core-metadata" not in f
                assert parse_sdist_filename(f["filename"])[0] == name
            checked += 1
    assert checked == mirror.manifest()["files"]


class AnchorParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = (dict(attrs), "")

    def handle_data(self, data):
        if self._open:
            self._open = (self._open[0], self._open[1] + data)

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            self.anchors.append(self._open)
            self._open = None


def parse_anchors(text: str) -> list:
    p = AnchorParser()
    p.feed(text)
    return p.anchors


@pytest.mark.parametrize("accept", ["text/html", HTML_V1])
def test_html_pages_carry_the_json_data(mirror, accept):
    for name in [p["name"] for p in mirror.json("/simple/")["projects"]]:
        page = f"/simple/{name}/"
        doc = mirror.json(page)
        status, _, body = mirror.request(page, {"Accept": accept})
        assert status == 200
        anchors = parse_anchors(body.decode())
        assert [text for _, text in anchors] == [f["filename"] for f in doc["files"]]
        for (attrs, _), f in zip(anchors, doc["files"]):
            url, _, fragment = attrs["href"].partition("#")
            assert fragment == f"sha256={f['hashes']['sha256']}"
            assert mirror.resolve(page, url) == mirror.resolve(page, f["url"])
            assert attrs.get("data-requires-python") == f["requires-python"]  # unescaped by the parser
            if "core-metadata" in f:
                value = f"sha256={f['core-metadata']['sha256']}"
                assert attrs["data-core-metadata"] == attrs["data-dist-info-metadata"] == value
            else:
                assert "data-core-metadata" not in attrs and "data-dist-info-metadata" not in attrs
            assert ("data-yanked" in attrs) == bool(f["yanked"])
        for f in doc["files"]:
            if f["requires-python"]:  # HTML-escaped on the wire: '>=3.9' as '&gt;=3.9'
                assert f'data-requires-python="{html.escape(f["requires-python"])}"'.encode() in body


# --------------------------------------------------------------------------- URLs

@pytest.mark.parametrize("path, location", [
    ("/simple/Pandas/", "/simple/pandas/"),
    ("/simple/pandas", "/simple/pandas/"),
    ("/simple/Python_Dateutil/", "/simple/python-dateutil/"),
    ("/simple/scikit.learn", "/simple/scikit-learn/"),
    ("/simple/SciKit-Learn/?format=text/html", "/simple/scikit-learn/?format=text/html"),
    ("/simple", "/simple/"),
])
def test_non_normalized_urls_redirect(mirror, path, location):
    status, headers, _ = mirror.request(path)
    assert status == 301
    assert headers["location"] == location


@pytest.mark.parametrize("path", ["/simple/no-such-project/", "/files/no-such-file.whl",
                                  "/files/../manifest.json", "/scenarios/no-such-scenario/simple/"])
def test_unknown_paths_are_404(mirror, path):
    assert mirror.request(path)[0] == 404


# --------------------------------------------------------------------------- files

def _smallest_wheel(mirror):
    doc = mirror.json("/simple/pyarrow/")
    f = min((f for f in doc["files"] if f["filename"].endswith(".whl")), key=lambda f: f["size"])
    return mirror.resolve("/simple/pyarrow/", f["url"]), f


@pytest.mark.parametrize("spec", ["bytes=0-99", "bytes=1000-1999", "bytes=-4096", "bytes=LAST-"])
def test_range_request_returns_exactly_the_bytes(mirror, spec):
    path, f = _smallest_wheel(mirror)
    with open(mirror.root / "files" / f["filename"], "rb") as local:
        data = local.read()
    size = len(data)
    spec = spec.replace("LAST", str(size - 10))
    status, headers, body = mirror.request(path, {"Range": spec})
    first, last = spec[len("bytes="):].split("-")
    if first == "":
        start, end = size - int(last), size - 1
    else:
        start, end = int(first), int(last) if last else size - 1
    assert status == 206
    assert headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert body == data[start:end + 1]
    assert int(headers["content-length"]) == len(body)


@pytest.mark.parametrize("spec", ["bytes=0-9,20-29", "items=0-9", "bytes=9-3"])
def test_ranges_the_server_ignores_give_the_whole_file(mirror, spec):
    path, f = _smallest_wheel(mirror)
    status, headers, body = mirror.request(path, {"Range": spec})
    assert status == 200 and len(body) == f["size"] and "content-range" not in headers


def test_unsatisfiable_range_is_416(mirror):
    path, f = _smallest_wheel(mirror)
    status, headers, _ = mirror.request(path, {"Range": f"bytes={f['size']}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{f['size']}"


class RangeReader(io.RawIOBase):
    """A seekable file over HTTP Range requests, as lazy-wheel metadata readers do."""

    def __init__(self, mirror, path, size):
        self.mirror, self.path, self.size, self.pos, self.requests = mirror, path, size, 0, 0

    def seekable(self):
        return True

    def readable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def read(self, n=-1):
        end = self.size if n is None or n < 0 else min(self.pos + n, self.size)
        if end <= self.pos:
            return b""
        status, _, body = self.mirror.request(self.path, {"Range": f"bytes={self.pos}-{end - 1}"})
        assert status == 206
        self.requests += 1
        self.pos += len(body)
        return body


def test_metadata_read_through_ranges_matches_pep658_file(mirror):
    path, f = _smallest_wheel(mirror)
    reader = RangeReader(mirror, path, f["size"])
    with zipfile.ZipFile(reader) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = z.read(name)
    _, _, pep658 = mirror.request(path + ".metadata")
    assert meta == pep658
    assert reader.requests < 20  # a few ranges, not the whole 40 MB wheel


def test_head_etag_and_conditional_get(mirror):
    path, f = _smallest_wheel(mirror)
    status, headers, body = mirror.request(path, method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == f["size"]
    assert headers["accept-ranges"] == "bytes"
    etag = headers["etag"]
    status, _, body = mirror.request(path, {"If-None-Match": etag})
    assert status == 304 and body == b""
    # If-Range with a stale validator: the whole file, not a part.
    status, headers, body = mirror.request(path, {"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert status == 200 and len(body) == f["size"]


# --------------------------------------------------------------------------- pip

def _binary_sets(mirror):
    return [(s, py) for s, by_py in sorted(mirror.manifest()["sets"].items())
            for py in sorted(by_py) if py != "sdist"]


def test_pip_downloads_pandas_from_the_mirror_alone(mirror, tmp_path):
    for py in ("3.11", "3.12"):
        dest = tmp_path / py
        r = pip("download", "--no-cache-dir", "--index-url", mirror.index, *target_args(py),
                "-d", str(dest), "pandas")
        assert r.returncode == 0, r.stderr
        expected = {f["filename"] for f in mirror.manifest()["sets"]["pandas"][py]}
        got = {p.name for p in dest.iterdir()}
        assert got == expected
        for p in dest.iterdir():
            assert p.read_bytes() == (mirror.root / "files" / p.name).read_bytes()


@pytest.mark.parametrize("python", ["3.11", "3.12"])
@pytest.mark.parametrize("set_name", ["datasci", "datasci-2023", "pandas", "wheel-layouts", "build-tools"])
def test_sets_resolve_from_the_mirror_as_from_pypi(mirror, tmp_path, set_name, python):
    """pip, with the mirror as its only index and no internet, picks the same files
    it picked from PyPI when the mirror was built."""
    sets = Path(__file__).resolve().parents[1] / "mirror" / "sets"
    report = tmp_path / "report.json"
    r = pip("install", "--dry-run", "--ignore-installed", "--no-cache-dir", "--quiet",
            "--index-url", mirror.index, "--report", str(report), *target_args(python),
            "-r", str(sets / f"{set_name}.txt"))
    assert r.returncode == 0, r.stderr
    got = {item["download_info"]["url"].rsplit("/", 1)[1] for item in json.loads(report.read_text())["install"]}
    expected = {f["filename"] for f in mirror.manifest()["sets"][set_name][python]}
    assert got == expected
    if set_name == "datasci":
        names = {canonicalize_name(parse_wheel_filename(f)[0]) for f in got}
        assert {"numpy", "pandas", "pyarrow", "scikit-learn", "scipy"} <= names


def test_mirrored_sdists_build_offline(mirror, tmp_path):
    """The real sdists build with pip, the build backends coming from the mirror too."""
    sdists = mirror.manifest()["sets"]["sdists"]["sdist"]
    reqs = [f"{s['name']}=={s['version']}" for s in sdists]
    no_binary = ",".join(s["name"] for s in sdists)  # not :all:, the backends come as wheels
    r = pip("wheel", "--no-cache-dir", "--no-deps", f"--no-binary={no_binary}", "--index-url", mirror.index,
            "-w", str(tmp_path), *reqs)
    assert r.returncode == 0, r.stderr
    built = sorted(canonicalize_name(parse_wheel_filename(p.name)[0]) for p in tmp_path.glob("*.whl"))
    assert built == sorted(canonicalize_name(s["name"]) for s in sdists)


# --------------------------------------------------------------------------- scenarios

def _scenarios(mirror):
    d = mirror.root / "scenarios"
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".") and (p / "projects").is_dir())


def test_scenario_indexes_are_listed_and_consistent(mirror):
    names = _scenarios(mirror)
    assert {"bed-backtrack", "bed-extras-python-tags", "bed-sdist-only"} <= set(names)
    _, _, body = mirror.request("/scenarios/")
    assert [a["href"] for a, _ in parse_anchors(body.decode())] == [f"{n}/simple/" for n in names]
    for scenario in names:
        prefix = f"/scenarios/{scenario}"
        for p in mirror.json(f"{prefix}/simple/")["projects"]:
            page = f"{prefix}/simple/{p['name']}/"
            for f in mirror.json(page)["files"]:
                path = mirror.resolve(page, f["url"])
                assert path.startswith(f"{prefix}/files/")
                _, _, body = mirror.request(path)
                assert hashlib.sha256(body).hexdigest() == f["hashes"]["sha256"] and len(body) == f["size"]
                if "core-metadata" in f:
                    _, _, meta = mirror.request(path + ".metadata")
                    assert hashlib.sha256(meta).hexdigest() == f["core-metadata"]["sha256"]
                    assert meta.startswith(b"Metadata-Version: 2.3\n")


def test_generated_wheels_are_valid(mirror):
    """RECORD lists every other file with its sha256 and size; WHEEL carries the tags
    of the filename."""
    import base64
    from packaging.tags import parse_tag
    wheels = sorted((mirror.root / "scenarios").glob("*/files/*.whl"))
    assert wheels
    for w in wheels:
        _, version, _, tags = parse_wheel_filename(w.name)
        with zipfile.ZipFile(w) as z:
            names = z.namelist()
            info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/RECORD"))
            assert info == f"{w.name.split('-')[0]}-{version}.dist-info"
            rows = [line.split(",") for line in z.read(f"{info}/RECORD").decode().splitlines()]
            assert sorted(r[0] for r in rows) == sorted(names)
            for path, digest, size in rows:
                if path == f"{info}/RECORD":
                    assert digest == size == ""
                    continue
                data = z.read(path)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == f"sha256={expected}" and int(size) == len(data)
            wheel = z.read(f"{info}/WHEEL").decode()
            assert {str(t) for t in tags} == {line[5:] for line in wheel.splitlines() if line.startswith("Tag: ")}
            assert z.read(f"{info}/METADATA") == (w.parent / (w.name + ".metadata")).read_bytes()


def _scenario(mirror, scenario):
    """(root requirements, expected {name: version}, target Python) of a generated scenario."""
    doc = json.loads((mirror.root / "scenarios" / scenario / "scenario.json").read_text())
    python = doc.get("resolver_options", {}).get("python") or doc.get("environment", {}).get("python", "3.12")
    expected = {canonicalize_name(k): v for k, v in doc["expected"].get("packages", {}).items()}
    return doc["root"]["requires"], expected, python


@pytest.mark.parametrize("scenario", ["bed-backtrack", "bed-extras-python-tags"])
def test_pip_resolves_scenarios_as_expected(mirror, tmp_path, scenario):
    requires, expected, python = _scenario(mirror, scenario)
    report = tmp_path / "report.json"
    r = pip("install", "--dry-run", "--ignore-installed", "--no-cache-dir", "--quiet", "--report", str(report),
            "--index-url", f"{mirror.base}/scenarios/{scenario}/simple/", *target_args(python), *requires)
    assert r.returncode == 0, r.stderr
    got = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
           for i in json.loads(report.read_text())["install"]}
    assert got == expected


def test_pip_installs_a_scenario_sdist_offline(mirror, tmp_path):
    requires, expected, _ = _scenario(mirror, "bed-sdist-only")
    target = tmp_path / "site"
    r = pip("install", "--no-cache-dir", "--target", str(target),
            "--index-url", f"{mirror.base}/scenarios/bed-sdist-only/simple/", *requires)
    assert r.returncode == 0, r.stderr
    code = "import a, b; print(a.__version__, b.__version__)"
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(target)},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [expected["a"], expected["b"]]


# --------------------------------------------------------------------------- bad input (no server needed)

MIRROR_DIR = Path(__file__).resolve().parents[1] / "mirror"


def _run(script, *args):
    return subprocess.run([sys.executable, str(MIRROR_DIR / script), *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("toml, message", [
    ('[root]\nrequires = ["a"]\n[packages.a.versions."1.0"]\nwheel_tag = ["py3-none-any"]\n',
     "package 'a' version '1.0': unknown field(s) wheel_tag"),
    ('[root]\nrequires = ["a"]\n[packages.a.versions."1.0.x"]\n',
     "package 'a' has invalid version '1.0.x' (PEP 440)"),
    ('name = "bad name"\n[root]\n', "scenario name 'bad name' must be letters, digits, '.', '_', '-'"),
    ('[root\n', "not valid TOML"),
    ('[root]\nrequires = ["a"]\n[packages.a.versions."1.0"]\nwheel_tags = ["py3-none"]\n',
     "package 'a' version '1.0': Tag 'py3-none' must have exactly three components"),
    ('[root]\nrequires = ["a"]\n[packages.a.versions."1.0"]\nrequires = ["b>>1"]\n',
     "package 'a' version '1.0': Expected"),
])
def test_bad_scenarios_are_rejected_and_nothing_is_written(tmp_path, toml, message):
    src = tmp_path / "in" / "s.toml"
    src.parent.mkdir()
    src.write_text(toml)
    out = tmp_path / "out"
    r = _run("scenarios.py", "--out", str(out), str(src))
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert list(out.iterdir()) == []


def test_duplicate_scenario_names_are_rejected(tmp_path):
    for n in ("one", "two"):
        (tmp_path / f"{n}.toml").write_text('name = "same"\n[root]\nrequires = []\n')
    r = _run("scenarios.py", "--out", str(tmp_path / "out"), str(tmp_path))
    assert r.returncode == 1 and "scenario name 'same' is also used by" in r.stderr


def test_bad_sdist_set_line_is_rejected_before_any_download(tmp_path):
    sets = tmp_path / "sets"
    sets.mkdir()
    (sets / "x.sdist.txt").write_text("# comment\nsix==1.17.0\nsix>=1\n")
    r = _run("build_mirror.py", "--root", str(tmp_path / "root"), "--sets", str(sets))
    assert r.returncode != 0
    assert f"{sets / 'x.sdist.txt'}:3: 'six>=1' is not 'name==version'" in r.stderr
    assert not (tmp_path / "root" / "stamp").exists() and not (tmp_path / "root" / "projects").exists()


def test_server_refuses_a_root_without_a_mirror(tmp_path):
    r = _run("server.py", "--root", str(tmp_path), "--port", "0")
    assert r.returncode == 2
    assert r.stderr == f"error: '{tmp_path}' holds no mirror (no projects/ folder): run build_mirror.py first\n"
