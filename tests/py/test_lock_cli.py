"""`sparkenv lock` without a network: tiny wheels generated into a tmp
--find-links folder (with --no-index), so the `py` stage needs no test bed.

Each kind of bad input has its whole message and exit code pinned; a lock is
only ever written whole (never on error, never by --check); the same inputs
give the same bytes. The contract is docs/lock.md.

The fixture's projects (all py3-none-any, Requires-Python >=3.8):

    alpha 1.0   Requires-Dist: beta<2
    alpha 2.0   Requires-Dist: beta>=2; gamma; extra == "fast"
    beta  1.0, 2.0, 2.1
    gamma 1.0, 1.5
"""
import base64
import functools
import hashlib
import html
import http.server
import re
import threading
import tomllib
import zipfile
from pathlib import Path

import pytest

import packaging.pylock as packaging_pylock
from packaging.utils import canonicalize_name

TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
RESOLVED = re.compile(r"Resolved (\d+) packages? in \d+\.\d\ds\n")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

PROJECTS = {
    ("alpha", "1.0"): ["beta<2"],
    ("alpha", "2.0"): ["beta>=2", 'gamma; extra == "fast"'],
    ("beta", "1.0"): [],
    ("beta", "2.0"): [],
    ("beta", "2.1"): [],
    ("gamma", "1.0"): [],
    ("gamma", "1.5"): [],
}


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(folder: Path, name: str, version: str, requires: list,
               requires_python: str = ">=3.8") -> Path:
    """A valid PEP 427 wheel: module, METADATA, WHEEL and RECORD (fixed zip times)."""
    dist = canonicalize_name(name).replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    extras = sorted({r.split("extra ==")[1].strip().strip("\"'") for r in requires if "extra ==" in r})
    metadata = "".join(
        [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
         f"Requires-Python: {requires_python}\n" if requires_python else ""]
        + [f"Provides-Extra: {e}\n" for e in extras]
        + [f"Requires-Dist: {r}\n" for r in requires]
    )
    files = {
        f"{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: sparkenv-test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n",
    }
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files.items():
            z.writestr(zipfile.ZipInfo(p, ZIP_TIME), d)
    return path


@pytest.fixture
def links(tmp_path) -> Path:
    folder = tmp_path / "links"
    folder.mkdir()
    for (name, version), requires in PROJECTS.items():
        make_wheel(folder, name, version, requires)
    return folder


@pytest.fixture
def lock(run, links, tmp_path):
    """lock(*args, out=...) runs `sparkenv lock` offline against the links folder."""
    cache = tmp_path / "cache"

    def _lock(*args, out=None, cwd=None):
        extra = [] if out is None else ["-o", out]
        return run("lock", *args, "--no-index", "--find-links", links, *TARGET,
                   "--cache-dir", cache, *extra, cwd=cwd or tmp_path)

    return _lock


class LocalIndex:
    """A PEP 503 simple index of the links folder, served from 127.0.0.1 by
    Python's http.server (relative file URLs, #sha256 fragments)."""

    def __init__(self, root: Path, links: Path):
        files = root / "files"
        files.mkdir(parents=True)
        by_project = {}
        for wheel in sorted(links.glob("*.whl")):
            (files / wheel.name).write_bytes(wheel.read_bytes())
            by_project.setdefault(wheel.name.split("-")[0], []).append(wheel)
        for project, wheels in by_project.items():
            page = root / "simple" / project
            page.mkdir(parents=True)
            anchors = "".join(
                f'<a href="../../files/{html.escape(w.name)}#sha256='
                f'{hashlib.sha256(w.read_bytes()).hexdigest()}" data-requires-python="&gt;=3.8">'
                f"{html.escape(w.name)}</a>\n" for w in wheels)
            (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{anchors}</body></html>\n")
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if not self.thread.is_alive():
            return
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def index(tmp_path, links):
    served = LocalIndex(tmp_path / "index", links)
    yield served
    served.stop()


def read_lock(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def versions(doc: dict) -> dict:
    return {p["name"]: p["version"] for p in doc.get("packages", [])}


def stat_of(path: Path):
    s = path.stat()
    return path.read_bytes(), s.st_mtime_ns, s.st_ino


# --------------------------------------------------------------------------- success


def test_lock_picks_highest_and_writes_a_valid_pep751_lock(lock, links, tmp_path):
    out = tmp_path / "pylock.toml"
    r = lock("alpha", out=out)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    m = RESOLVED.fullmatch(r.stderr)
    assert m and m.group(1) == "2", r.stderr
    doc = read_lock(out)
    assert doc["lock-version"] == "1.0"
    assert doc["created-by"] == "sparkenv"
    assert versions(doc) == {"alpha": "2.0", "beta": "2.1"}
    for package in doc["packages"]:
        assert "sdist" not in package
        [wheel] = package["wheels"]
        path = links / wheel["name"]
        assert wheel["name"] == f"{package['name']}-{package['version']}-py3-none-any.whl"
        assert wheel["hashes"] == {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        assert wheel["size"] == path.stat().st_size
        assert wheel["url"].startswith("file://") and wheel["url"].endswith("/" + wheel["name"])
    alpha = next(p for p in doc["packages"] if p["name"] == "alpha")
    assert [d["name"] for d in alpha["dependencies"]] == ["beta"]
    # packaging's PEP 751 reader (the latest packaging) accepts it.
    pylock = packaging_pylock.Pylock.from_dict(doc)
    pylock.validate()
    assert {p.name: str(p.version) for p in pylock.packages} == {"alpha": "2.0", "beta": "2.1"}


def test_default_output_is_pylock_toml_in_the_working_directory(lock, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    r = lock("beta", cwd=work)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(work / "pylock.toml")) == {"beta": "2.1"}


def test_same_inputs_give_the_same_bytes(lock, tmp_path):
    a, b, c = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "c.toml"
    assert lock("alpha[fast]", "gamma<2", out=a).returncode == 0
    assert lock("alpha[fast]", "gamma<2", out=b).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    assert versions(read_lock(a)) == {"alpha": "2.0", "beta": "2.1", "gamma": "1.5"}
    # The requirements in another order: the same packages, byte for byte
    # ([tool.sparkenv] keeps the inputs as given).
    assert lock("gamma<2", "alpha[fast]", out=c).returncode == 0
    assert read_lock(a)["packages"] == read_lock(c)["packages"]
    assert a.read_text().split("[tool.sparkenv]")[0] == c.read_text().split("[tool.sparkenv]")[0]
    # And again into the same file: the same bytes.
    before = a.read_bytes()
    assert lock("alpha[fast]", "gamma<2", out=a).returncode == 0
    assert a.read_bytes() == before


def test_stdout_output(lock, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    r = lock("alpha", out="-", cwd=work)
    assert r.returncode == 0, r.stderr
    assert RESOLVED.fullmatch(r.stderr)
    assert list(work.iterdir()) == []  # nothing written
    file = tmp_path / "file.toml"
    assert lock("alpha", out=file).returncode == 0
    assert r.stdout == file.read_text()


def test_quiet_prints_nothing(lock, tmp_path):
    r = lock("alpha", "-q", out=tmp_path / "q.toml")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_resolution_lowest_picks_the_oldest(lock, tmp_path):
    out = tmp_path / "low.toml"
    r = lock("alpha", "--resolution", "lowest", out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"alpha": "1.0", "beta": "1.0"}
    assert read_lock(out)["tool"]["sparkenv"]["resolution"] == "lowest"


def test_resolution_lowest_direct(lock, tmp_path):
    # The direct requirement at its lowest, its dependencies at their highest.
    out = tmp_path / "lowd.toml"
    r = lock("alpha", "--resolution", "lowest-direct", out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"alpha": "1.0", "beta": "1.0"}
    r = lock("alpha>=2", "--resolution", "lowest-direct", out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"alpha": "2.0", "beta": "2.1"}


def test_requirements_file_and_constraints(lock, tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# the app\nalpha[fast]  # with gamma\n")
    con = tmp_path / "constraints.txt"
    con.write_text("beta<2.1\ngamma==1.0\n")
    out = tmp_path / "c.toml"
    r = lock("-r", req, "-c", con, out=out)
    assert r.returncode == 0, r.stderr
    doc = read_lock(out)
    assert versions(doc) == {"alpha": "2.0", "beta": "2.0", "gamma": "1.0"}
    # A constraint alone adds nothing to the lock.
    r = lock("beta", "-c", con, out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"beta": "2.0"}


def test_pyproject_with_extra(lock, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "app"\nversion = "0.1"\nrequires-python = ">=3.9"\n'
        'dependencies = ["alpha"]\n\n[project.optional-dependencies]\n'
        'speed = ["alpha[fast]"]\ntest = ["beta<2.1"]\n'
    )
    out = tmp_path / "p.toml"
    r = lock("-r", pyproject, out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"alpha": "2.0", "beta": "2.1"}
    r = lock("-r", pyproject, "--extra", "speed", out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"alpha": "2.0", "beta": "2.1", "gamma": "1.5"}
    r = lock("-r", pyproject, "--extra", "speed", "--extra", "test", out=out)
    assert r.returncode == 0, r.stderr
    assert versions(read_lock(out)) == {"alpha": "2.0", "beta": "2.0", "gamma": "1.5"}


# --------------------------------------------------------------------------- --check


def test_check_up_to_date_and_stale_never_writes(lock, run, links, tmp_path):
    # The default lock, ./pylock.toml, in the working directory.
    out = tmp_path / "pylock.toml"
    req = tmp_path / "requirements.txt"
    req.write_text("alpha\n")
    assert lock("-r", req).returncode == 0
    before = stat_of(out)

    def check(*args, **kwargs):
        r = lock("-r", req, "--check", *args, **kwargs)
        assert stat_of(out) == before  # never written
        assert r.stdout == ""
        return r

    assert (check().returncode, check().stderr) == (0, "pylock.toml is up to date\n")
    assert check("-q").stderr == ""

    # Changed inputs: out of date, the lock untouched.
    req.write_text("alpha\ngamma\n")
    r = check()
    assert r.returncode == 1
    assert r.stderr.startswith("pylock.toml is out of date: "), r.stderr
    req.write_text("alpha\n")
    assert check().returncode == 0

    # Another target or resolution: out of date.
    r = run("lock", "-r", req, "--no-index", "--find-links", links, "--python", "3.12",
            "--platform", "manylinux_2_28_x86_64", "--cache-dir", tmp_path / "cache", "--check",
            cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("pylock.toml is out of date: "), r.stderr
    assert stat_of(out) == before

    # A newer beta on the index does not make the lock stale: --check asks
    # whether the locked versions still satisfy the inputs, it does not upgrade.
    make_wheel(links, "beta", "2.2", [])
    assert check().returncode == 0
    # The locked beta file gone from the index: out of date.
    (links / "beta-2.1-py3-none-any.whl").unlink()
    r = check()
    assert r.returncode == 1
    assert r.stderr.startswith("pylock.toml is out of date: "), r.stderr
    assert "beta" in r.stderr, r.stderr


def test_check_without_a_lock(lock, tmp_path):
    r = lock("alpha", "--check", out="missing.toml")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == "sparkenv: error: cannot read 'missing.toml': No such file or directory\n"
    assert not (tmp_path / "missing.toml").exists()


# --------------------------------------------------------------------------- errors

MARKERS = ('implementation_name == "cpython" and python_version == "3.11" and '
           'sys_platform == "linux" and platform_machine == "x86_64"')
# (id, arguments, files to create, exit code, the whole stderr). Each runs in a
# folder that already holds a lock, ./pylock.toml, which must stay as it was.
ERRORS = [
    ("invalid-requirement", ["alpha[fast", *TARGET], {}, 2,
     "invalid requirement 'alpha[fast': expected ']' after the extras "
     "(to match the '[' at position 5) at position 10"),
    ("invalid-requirement-in-file", ["-r", "req.txt", *TARGET], {"req.txt": "beta\nalpha[fast\n"}, 2,
     "req.txt:2: invalid requirement 'alpha[fast': expected ']' after the extras "
     "(to match the '[' at position 5) at position 10"),
    ("invalid-pyproject", ["-r", "pyproject.toml", *TARGET],
     {"pyproject.toml": '[project]\nname = "app"\nversion = "1"\ndependencies = "alpha"\n'}, 2,
     "pyproject.toml:4: project.dependencies: expected an array of strings, not a string"),
    ("bad-resolution", ["alpha", "--resolution", "newest", *TARGET], {}, 2,
     "invalid --resolution 'newest': expected highest, lowest or lowest-direct"),
    ("bad-prerelease", ["alpha", "--prerelease", "never", *TARGET], {}, 2,
     "invalid --prerelease 'never': expected if-necessary-or-explicit or allow"),
    ("extra-without-pyproject", ["alpha", "--extra", "x", *TARGET], {}, 2,
     "--extra 'x' selects optional dependencies of a pyproject.toml, but none was given "
     "(use -r pyproject.toml)"),
    ("nothing-to-lock", [*TARGET], {}, 2,
     "nothing to lock: give requirements, -r requirements.txt or -r pyproject.toml"),
    ("no-python", ["alpha", "--platform", "manylinux_2_28_x86_64"], {}, 2,
     "--python is required to declare a target: give the cluster's Python version, e.g. --python 3.11"),
    ("no-platform", ["alpha", "--python", "3.11"], {}, 2,
     "--platform is required to declare a target: name the cluster's platform, "
     "e.g. --platform manylinux_2_28_x86_64"),
    ("bad-python", ["alpha", "--python", "3.x", "--platform", "manylinux_2_28_x86_64"], {}, 2,
     "invalid Python version '3.x': expected MAJOR.MINOR or MAJOR.MINOR.MICRO, e.g. '3.11' or '3.11.9'"),
    ("missing-requirements-file", ["-r", "nope.txt", *TARGET], {}, 2,
     "could not open requirements file: cannot read 'nope.txt': No such file or directory"),
    ("missing-constraints-file", ["alpha", "-c", "nope.txt", *TARGET], {}, 2,
     "could not open constraints file: cannot read 'nope.txt': No such file or directory"),
    ("missing-pyproject", ["-r", "pyproject.toml", *TARGET], {}, 2,
     "cannot read 'pyproject.toml': No such file or directory"),
    ("unknown-package", ["alpha", "nosuchpkg", *TARGET], {}, 1,
     "Because nosuchpkg was not found in the package index and you require nosuchpkg, "
     "version solving failed."),
    ("unsatisfiable", ["alpha==2.0", "beta<2", *TARGET], {}, 1,
     f"no solution found for the target ({MARKERS}):\n"
     "Because alpha==2.0 depends on beta>=2 and you require alpha==2.0, beta>=2.0 is required.\n"
     "And because you require beta<2, version solving failed."),
    ("requires-python", ["-r", "pyproject.toml", *TARGET],
     {"pyproject.toml": '[project]\nname = "app"\nversion = "1"\nrequires-python = ">=3.12"\n'
                        'dependencies = ["alpha"]\n'}, 1,
     f"no solution found for the target ({MARKERS}):\n"
     "the target's Python 3.11.0 does not satisfy the project's Requires-Python >=3.12"),
]


@pytest.mark.parametrize("name,args,files,code,message", ERRORS, ids=[c[0] for c in ERRORS])
def test_error_is_named_and_nothing_is_written(run, links, tmp_path, name, args, files, code,
                                               message):
    cache = tmp_path / "cache"
    common = ["--no-index", "--find-links", links, "--cache-dir", cache]
    assert run("lock", "beta", *common, *TARGET, cwd=tmp_path).returncode == 0
    lock_file = tmp_path / "pylock.toml"
    before = stat_of(lock_file)
    for file, text in files.items():
        (tmp_path / file).write_text(text)
    listing = sorted(p.name for p in tmp_path.iterdir())

    r = run("lock", *args, *common, cwd=tmp_path)
    assert (r.stderr, r.stdout) == (f"sparkenv: error: {message}\n", "")
    assert r.returncode == code
    assert stat_of(lock_file) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # no temporary left behind
    # Into a new file, or to stdout: nothing at all.
    r = run("lock", *args, *common, "-o", "new.toml", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (code, "")
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    r = run("lock", *args, *common, "-o", "-", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (code, "")


def test_unreachable_index_names_the_url(run, tmp_path):
    out = tmp_path / "x.toml"
    r = run("lock", "alpha", "--index-url", "http://127.0.0.1:9/simple/", *TARGET, "--cache-dir",
            tmp_path / "cache", "-o", out)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == ("sparkenv: error: GET http://127.0.0.1:9/simple/alpha/: connection refused "
                        "(after 3 attempts)\n")
    assert not out.exists()


# --------------------------------------------------------------------------- an HTTP index


def test_index_url_offline_and_the_environment_default(run, index, tmp_path):
    cache = tmp_path / "cache"
    out = tmp_path / "http.toml"
    r = run("lock", "alpha", "--index-url", index.url, *TARGET, "--cache-dir", cache, "-o", out)
    assert r.returncode == 0, r.stderr
    doc = read_lock(out)
    assert versions(doc) == {"alpha": "2.0", "beta": "2.1"}
    base = index.url[: -len("simple/")]
    for package in doc["packages"]:
        assert package["index"] == index.url
        [wheel] = package["wheels"]
        assert wheel["url"] == f"{base}files/{wheel['name']}"  # the relative href, resolved
    first = out.read_bytes()

    # SPARKENV_INDEX_URL is the default index; --index-url wins over it.
    env_out = tmp_path / "env.toml"
    r = run("lock", "alpha", *TARGET, "--cache-dir", tmp_path / "cache2", "-o", env_out,
            env={"SPARKENV_INDEX_URL": index.url, "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert env_out.read_bytes() == first
    r = run("lock", "alpha", "--index-url", index.url, *TARGET, "--cache-dir", tmp_path / "cache3",
            "-o", env_out, env={"SPARKENV_INDEX_URL": "http://127.0.0.1:9/simple/",
                                "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert env_out.read_bytes() == first

    # With the server gone, --offline locks from the cache: the same bytes.
    index.stop()
    off = tmp_path / "offline.toml"
    r = run("lock", "alpha", "--index-url", index.url, *TARGET, "--cache-dir", cache, "--offline",
            "-o", off)
    assert r.returncode == 0, r.stderr
    assert off.read_bytes() == first
    # ... and with an empty cache it fails, naming the page it does not have.
    r = run("lock", "alpha", "--index-url", index.url, *TARGET, "--cache-dir", tmp_path / "empty",
            "--offline", "-o", off)
    assert r.returncode == 1
    assert r.stderr == (f"sparkenv: error: GET {index.url}alpha/: not in the cache, and offline "
                        f"mode forbids the network (cache '{tmp_path / 'empty' / 'simple-v1'}')\n")
    assert off.read_bytes() == first


def test_first_index_that_has_a_project_supplies_all_of_it(run, tmp_path):
    # A: alpha 1.0 and beta 1.0. B (extra index): alpha 2.0, beta 1.0/2.0/2.1, gamma.
    # alpha and beta come from A only (B's newer releases are not looked at);
    # gamma, which A does not have, from B.
    folders = {}
    for side, wanted in (("a", {("alpha", "1.0"), ("beta", "1.0")}),
                         ("b", set(PROJECTS) - {("alpha", "1.0")})):
        folder = tmp_path / f"links-{side}"
        folder.mkdir()
        for (name, version) in wanted:
            make_wheel(folder, name, version, PROJECTS[(name, version)])
        folders[side] = LocalIndex(tmp_path / f"index-{side}", folder)
    try:
        a, b = folders["a"].url, folders["b"].url
        out = tmp_path / "pylock.toml"
        r = run("lock", "alpha", "gamma", "--index-url", a, "--extra-index-url", b, *TARGET,
                "--cache-dir", tmp_path / "cache", "-o", out)
        assert r.returncode == 0, r.stderr
        doc = read_lock(out)
        assert {p["name"]: (p["version"], p["index"]) for p in doc["packages"]} == {
            "alpha": ("1.0", a), "beta": ("1.0", a), "gamma": ("1.5", b)}
        assert doc["tool"]["sparkenv"]["indexes"] == [a, b]
        # alpha>=2 exists only on B: A has alpha, so there is no solution.
        r = run("lock", "alpha>=2", "--index-url", a, "--extra-index-url", b, *TARGET,
                "--cache-dir", tmp_path / "cache", "-o", out)
        assert r.returncode == 1
        assert r.stderr.startswith("sparkenv: error: no solution found for the target"), r.stderr
        assert "no version of alpha matches >=2" in r.stderr, r.stderr
        assert read_lock(out) == doc
    finally:
        for served in folders.values():
            served.stop()
