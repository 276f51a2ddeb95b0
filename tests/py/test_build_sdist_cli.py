"""`sparkenv build` with sdists and `--app`, offline: crafted source trees
whose PEP 517 backend lives in the tree (tests/py/craft.py), build
requirements as wheels in a --find-links folder, python3 from PATH as the
build interpreter (the target is CPython 3.11 manylinux_2_28_x86_64, as the
host's). The contract is docs/build.md.
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import craft
from craft import TarItem, Wheel

TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
PYTHON3 = shutil.which("python3")
HOST = subprocess.run([PYTHON3 or "false", "-c", "import platform,sys;print("
                       "platform.python_implementation(), platform.python_version(), 'on', "
                       "sys.platform, platform.machine())"],
                      capture_output=True, text=True).stdout.strip()

pytestmark = pytest.mark.skipif(
    PYTHON3 is None or not HOST.startswith("CPython 3.11.") or "x86_64" not in HOST,
    reason="needs python3 = CPython 3.11 on x86_64 on PATH (the locks' target)")


@pytest.fixture(scope="module")
def tgt(sparkenv_bin):
    return craft.target(sparkenv_bin, *TARGET)


class Bed:
    def __init__(self, root: Path, tgt):
        self.root, self.tgt = root, tgt
        self.files = root / "files"
        self.files.mkdir()
        self.cache = root / "cache"
        self.out = root / "env"
        self.lock = root / "pylock.toml"
        self.packages = []
        self.find_links = []

    def add_sdist(self, name, version, files=None, extra=(), fmt="tar.gz", **project):
        top = f"{name.replace('-', '_')}-{version}"
        data = craft.sdist(top, files or craft.project_files(name, version, **project), extra, fmt)
        path = self.files / f"{top}.{fmt}"
        path.write_bytes(data)
        self.packages.append((name, version, "sdist", craft.file_entry(path)))
        self.write()
        return path

    def add_wheel(self, wheel: Wheel):
        path = self.files / wheel.filename
        path.write_bytes(wheel.build())
        self.packages.append((wheel.name, wheel.version, "wheel", craft.file_entry(path)))
        self.write()
        return path

    def add_find_links(self, *wheels: Wheel):
        folder = self.root / "find-links"
        folder.mkdir(exist_ok=True)
        for w in wheels:
            (folder / w.filename).write_bytes(w.build())
        self.find_links = [str(folder)]
        self.write()

    def write(self, tgt=None):
        craft.write_lock(self.lock, tgt or self.tgt, self.packages, self.find_links)

    def build(self, run, *extra):
        return run("build", self.lock, "-o", self.out, "--cache-dir", self.cache, *extra)

    def snapshot(self):
        return craft.snapshot(self.root, skip=("cache",))

    def manifest(self):
        return json.loads((self.out / "manifest.json").read_text())


@pytest.fixture
def bed(tmp_path, tgt):
    return Bed(tmp_path, tgt)


def site_of(out: Path, tmp: Path) -> Path:
    """Unpacks every layer of an environment into one site-packages."""
    merged = tmp / "merged"
    merged.mkdir()
    for layer in json.loads((out / "manifest.json").read_text())["layers"]:
        with tarfile.open(out / "layers" / f"{layer['sha256']}.tar.gz") as t:
            t.extractall(merged, filter="data")
    return merged / "site-packages"


def imports(site: Path, code: str) -> str:
    p = subprocess.run([sys.executable, "-I", "-S", "-c",
                        f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


HOST_LINE = f"with {HOST}"


def test_an_sdist_is_built_installed_and_cached(run, bed, tmp_path):
    sdist = bed.add_sdist("demo", "1.0")
    bed.add_wheel(Wheel("plain", "2.0", {"plain/__init__.py": b"VALUE = 'plain'\n"}))
    p = bed.build(run)
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines[0] == f"Building demo 1.0 from demo-1.0.tar.gz {HOST_LINE}"
    assert lines[1].startswith("Built environment ")
    assert lines[1].endswith(": 2 built, 0 from the cache, 2 files downloaded (0.0 MB), "
                             "1 of 1 sdist built")
    m = bed.manifest()
    demo = next(layer for layer in m["layers"] if layer["package"] == "demo")
    assert demo["sdist"] == "demo-1.0.tar.gz"
    assert demo["sdist_sha256"] == craft.sha256(sdist.read_bytes())
    assert demo["wheel"] == "demo-1.0-py3-none-any.whl"
    assert m["application"] is None
    site = site_of(bed.out, tmp_path)
    assert imports(site, "import demo, plain, importlib.metadata as md; "
                         "print(demo.VALUE, plain.VALUE, md.version('plain'))") == "demo 1.0 plain 2.0"

    # Again, into a fresh folder: the built wheel and its layer come from the
    # cache, nothing is built or fetched, the same manifest.
    before = (bed.out / "manifest.json").read_bytes()
    shutil.rmtree(bed.out)
    p = bed.build(run)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines()[0].endswith(": 0 built, 2 from the cache, 0 files downloaded "
                                             "(0.0 MB), 0 of 1 sdist built"), p.stderr
    assert (bed.out / "manifest.json").read_bytes() == before


def test_zip_sdists_too(run, bed, tmp_path):
    bed.add_sdist("demo", "1.0", fmt="zip")
    p = bed.build(run)
    assert p.returncode == 0, p.stderr
    assert imports(site_of(bed.out, tmp_path), "import demo; print(demo.VALUE)") == "demo 1.0"


def test_build_requirements_come_from_find_links_into_an_isolated_environment(run, bed, tmp_path):
    # craftdep is in build-system.requires, craftdyn comes from
    # get_requires_for_build_wheel; both only in the lock's find-links.
    bed.add_find_links(Wheel("craftdep", "1.0", {"craftdep/__init__.py": b"VALUE = 'dep'\n"}),
                       Wheel("craftdyn", "3.0", {"craftdyn/__init__.py": b"VALUE = 'dyn'\n"}))
    bed.add_sdist("demo", "1.0", requires=["craftdep"], dynamic_requires=["craftdyn>=2"],
                  record_env=True, imports=["craftdep", "craftdyn"])
    p = bed.build(run, "--no-index")
    assert p.returncode == 0, p.stderr
    site = site_of(bed.out, tmp_path)
    env = json.loads((site / "demo" / "_build_env.json").read_text())
    assert env["deps"] == {"craftdep": "dep", "craftdyn": "dyn"}
    assert env["isolated"] == 1 and env["no_site"] == 1
    assert env["epoch"] == "315532800"
    # Nothing of the host's site-packages or of the test's venv: only the
    # stdlib, the backend-path and the build environment's own folders.
    stdlib = subprocess.run([PYTHON3, "-I", "-S", "-c", "import sys; print('\\n'.join(sys.path))"],
                            capture_output=True, text=True).stdout.split()
    others = [x for x in env["path"] if x not in stdlib]
    assert others[0] == env["cwd"], others  # backend-path ["."]
    assert env["cwd"].endswith("/sdist-demo/src/demo-1.0")
    assert [Path(x).parent.name for x in others[1:]] == ["craftdep", "craftdyn"], others
    assert all("/env-2/" in x and x.endswith("/site-packages") for x in others[1:]), others


def test_a_build_requirement_nowhere_to_be_found(run, bed):
    bed.add_sdist("demo", "1.0", requires=["nosuchdep"])
    before = bed.snapshot()
    p = bed.build(run, "--no-index")
    assert (p.returncode, p.stderr.splitlines()[1:]) == (
        2, ["sparkenv: error: cannot build a wheel from 'demo-1.0.tar.gz': its build "
            "requirements ['nosuchdep'] cannot be resolved: there is no index or find-links to "
            "take them from (the lock names none); give --index-url or --find-links"])
    assert not bed.out.exists() and bed.snapshot() == before
    bed.add_find_links(Wheel("craftdep", "1.0", {"craftdep/__init__.py": b""}))
    p = bed.build(run, "--no-index")
    assert (p.returncode, p.stderr.splitlines()[1:]) == (
        1, ["sparkenv: error: cannot build a wheel from 'demo-1.0.tar.gz': its build "
            f"requirements ['nosuchdep'] cannot be resolved for the build interpreter {HOST}: "
            "Because nosuchdep was not found in the package index and you require nosuchdep, "
            "version solving failed."])
    assert not bed.out.exists()


def test_a_failing_backend_shows_its_output(run, bed):
    bed.add_sdist("demo", "1.0", fail=True)
    before = bed.snapshot()
    p = bed.build(run)
    assert p.returncode == 1, p.stderr
    assert p.stderr.endswith(
        "sparkenv: error: cannot build a wheel from 'demo-1.0.tar.gz': the build backend "
        "'craft_backend' failed in build_wheel (exit code 3); its last output:\n"
        "  craft backend: failing on purpose\n"), p.stderr
    assert not bed.out.exists() and bed.snapshot() == before


def test_a_backend_that_cannot_be_imported(run, bed):
    files = craft.project_files("demo", "1.0")
    files["pyproject.toml"] = files["pyproject.toml"].replace(b'"craft_backend"', b'"no_such_backend"')
    bed.add_sdist("demo", "1.0", files=files)
    p = bed.build(run)
    assert p.returncode == 1, p.stderr
    assert ("sparkenv: error: cannot build a wheel from 'demo-1.0.tar.gz': the build backend "
            "'no_such_backend' cannot be imported (no build requirements):\n") in p.stderr
    assert "ModuleNotFoundError: No module named 'no_such_backend'" in p.stderr


def test_an_sdist_that_builds_another_project(run, bed):
    files = craft.project_files("other", "2.0")
    bed.add_sdist("demo", "1.0", files=files)
    p = bed.build(run)
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, "sparkenv: error: package 'demo' 1.0: its sdist 'demo-1.0.tar.gz' built "
           "'other-2.0-py3-none-any.whl', not a wheel of demo 1.0")


def test_a_wheel_built_for_another_target_is_refused(run, bed, sparkenv_bin):
    # The lock is for CPython 3.12; python3 builds a cp311 wheel.
    bed.add_sdist("demo", "1.0", tag="cp311-cp311-linux_x86_64")
    bed.write(craft.target(sparkenv_bin, "--python", "3.12", "--platform",
                           "manylinux_2_28_x86_64"))
    before = bed.snapshot()
    p = bed.build(run)
    assert p.returncode == 2, p.stderr
    assert p.stderr.splitlines()[-1] == (
        "sparkenv: error: package 'demo' 1.0: the wheel built is "
        "'demo-1.0-cp311-cp311-linux_x86_64.whl' (tags cp311-cp311-linux_x86_64), which does "
        "not fit the lock's target CPython 3.12 on linux x86_64; it was built with "
        f"'{PYTHON3}' ({HOST}): give --build-python with an interpreter that matches the target")
    assert not bed.out.exists() and bed.snapshot() == before
    # A pure wheel fits any CPython 3 target.
    bed.packages.clear()
    bed.add_sdist("pure", "1.0")
    bed.write(craft.target(sparkenv_bin, "--python", "3.12", "--platform", "manylinux_2_28_aarch64"))
    p = bed.build(run)
    assert p.returncode == 0, p.stderr


def test_a_compiled_wheel_for_the_same_target_fits(run, bed):
    bed.add_sdist("demo", "1.0", tag="cp311-cp311-linux_x86_64")
    p = bed.build(run)
    assert p.returncode == 0, p.stderr
    assert bed.manifest()["layers"][0]["wheel"] == "demo-1.0-cp311-cp311-linux_x86_64.whl"


def test_build_python_must_match_the_target(run, bed, sparkenv_bin):
    bed.add_sdist("demo", "1.0")
    bed.write(craft.target(sparkenv_bin, "--python", "3.12", "--platform",
                           "manylinux_2_28_x86_64"))
    p = bed.build(run, "--build-python", PYTHON3)
    assert (p.returncode, p.stderr) == (
        2, f"sparkenv: error: --build-python '{PYTHON3}' is {HOST}, which does not match the "
           "lock's target: python_version '3.11' (the target's is '3.12')\n")
    p = bed.build(run, "--build-python", "/no/such/python")
    assert (p.returncode, p.stderr) == (
        2, "sparkenv: error: build interpreter '/no/such/python' does not exist or is not "
           "executable\n")


UNSAFE = [
    ("absolute", [TarItem("/tmp/sparkenv-evil", b"x")],
     "entry '/tmp/sparkenv-evil' is an absolute path"),
    ("dotdot", [TarItem("demo-1.0/../../evil", b"x")],
     "entry 'demo-1.0/../../evil' has a '..' component"),
    ("symlink", [TarItem("demo-1.0/etc", type=tarfile.SYMTYPE, linkname="/etc")],
     "entry 'demo-1.0/etc' is a symbolic link to '/etc', outside the archive"),
    ("symlink-up", [TarItem("demo-1.0/up", type=tarfile.SYMTYPE, linkname="../..")],
     "entry 'demo-1.0/up' is a symbolic link to '../..', outside the archive"),
    ("through-link", [TarItem("demo-1.0/out", type=tarfile.SYMTYPE, linkname="/tmp"),
                      TarItem("demo-1.0/out/evil", b"x")],
     "entry 'demo-1.0/out/evil' lies below the link 'demo-1.0/out'"),
    ("hardlink", [TarItem("demo-1.0/h", type=tarfile.LNKTYPE, linkname="../outside")],
     "entry 'demo-1.0/h' is a hard link to '../outside', outside the archive"),
    ("device", [TarItem("demo-1.0/tty", type=tarfile.CHRTYPE)],
     "entry 'demo-1.0/tty' is a device or special file (mode 020644)"),
    ("fifo", [TarItem("demo-1.0/fifo", type=tarfile.FIFOTYPE)],
     "entry 'demo-1.0/fifo' is a device or special file (mode 010644)"),
    ("duplicate", [TarItem("demo-1.0/setup.py", b"1"), TarItem("demo-1.0/setup.py", b"2")],
     "entry 'demo-1.0/setup.py' appears twice in the archive"),
    ("two-tops", [TarItem("other-1.0/x", b"1")],
     "it has two top-level entries ('demo-1.0' and 'other-1.0'); an sdist holds one folder"),
]


@pytest.mark.parametrize("case", UNSAFE, ids=[c[0] for c in UNSAFE])
def test_unsafe_sdists_are_refused(run, bed, tmp_path, case):
    _, extra, why = case
    bed.add_wheel(Wheel("plain", "2.0", {"plain/__init__.py": b""}))
    bed.add_sdist("demo", "1.0", extra=extra)
    before = bed.snapshot()
    p = bed.build(run)
    assert (p.returncode, p.stderr.splitlines()[1:]) == (
        2, [f"sparkenv: error: package 'demo': cannot unpack 'demo-1.0.tar.gz': {why}"]), p.stderr
    assert not bed.out.exists() and bed.snapshot() == before
    assert not Path("/tmp/sparkenv-evil").exists()


def test_an_sdist_bomb_is_refused(run, bed):
    # 80 MiB of zeros gzip to about 80 KiB: more than 200 times the archive.
    bed.add_sdist("demo", "1.0", extra=[TarItem("demo-1.0/zeros", b"\0" * (80 << 20))])
    size = (bed.files / "demo-1.0.tar.gz").stat().st_size
    before = bed.snapshot()
    p = bed.build(run)
    assert (p.returncode, p.stderr.splitlines()[1:]) == (
        2, ["sparkenv: error: package 'demo': cannot unpack 'demo-1.0.tar.gz': its entries "
            f"inflate to more than 200 times the archive's {size} bytes (the limit against "
            "archive bombs)"]), p.stderr
    assert not bed.out.exists() and bed.snapshot() == before


def test_links_inside_an_sdist_are_copied(run, bed, tmp_path):
    files = craft.project_files("demo", "1.0")
    bed.add_sdist("demo", "1.0", files=files, extra=[
        TarItem("demo-1.0/src/demo/alias.py", type=tarfile.SYMTYPE, linkname="__init__.py")])
    p = bed.build(run)
    assert p.returncode == 0, p.stderr
    site = site_of(bed.out, tmp_path)
    assert not (site / "demo" / "alias.py").is_symlink()
    assert imports(site, "import demo.alias as a; print(a.VALUE)") == "demo 1.0"


# --app -----------------------------------------------------------------------

def make_app(folder: Path, version="0.1", body="GREETING = 'hello'\n", **kw) -> Path:
    return craft.write_tree(folder, craft.project_files("my-app", version, module=body, **kw))


def test_app_is_built_added_and_recorded(run, bed, tmp_path):
    bed.add_wheel(Wheel("plain", "2.0", {"plain/__init__.py": b"VALUE = 'plain'\n"}))
    app = make_app(tmp_path / "project")
    p = bed.build(run, "--app", app)
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    assert lines[0] == f"Building the application {app} {HOST_LINE}"
    assert lines[1].endswith(", application my-app 0.1"), lines
    m = bed.manifest()
    layer = next(layer for layer in m["layers"] if layer["package"] == "my-app")
    assert m["application"] == {"name": "my-app", "version": "0.1",
                                "wheel": "my_app-0.1-py3-none-any.whl",
                                "wheel_sha256": layer["wheel_sha256"], "layer": layer["sha256"]}
    assert [layer["package"] for layer in m["layers"]] == ["my-app", "plain"]
    site = site_of(bed.out, tmp_path)
    assert imports(site, "import my_app, importlib.metadata as md; "
                         "print(my_app.GREETING, md.version('my-app'))") == "hello 0.1"

    # The same content: the same wheel (SOURCE_DATE_EPOCH), the same id.
    first = m["env_id"]
    shutil.rmtree(bed.out)
    os.utime(app / "src" / "my_app" / "__init__.py", (1e9, 1e9))
    assert bed.build(run, "--app", app).returncode == 0
    assert bed.manifest()["env_id"] == first
    # Changed content: another id; the lock's layers are reused.
    (app / "src" / "my_app" / "__init__.py").write_text("GREETING = 'bonjour'\n")
    p = bed.build(run, "--app", app)
    assert p.returncode == 0, p.stderr
    assert bed.manifest()["env_id"] != first
    assert ": 1 built, 1 from the cache, 0 files downloaded" in p.stderr
    # Without --app: the id of the lock alone, and no application.
    assert bed.build(run).returncode == 0
    assert bed.manifest()["application"] is None
    assert bed.manifest()["env_id"] not in (first,)


def test_app_errors(run, bed, tmp_path):
    bed.add_wheel(Wheel("my-app", "0.0", {"my_app/__init__.py": b""}))
    p = bed.build(run, "--app", tmp_path / "nowhere")
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, f"sparkenv: error: --app '{tmp_path / 'nowhere'}' is not a folder")
    (tmp_path / "empty").mkdir()
    p = bed.build(run, "--app", tmp_path / "empty")
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, f"sparkenv: error: --app '{tmp_path / 'empty'}' has neither pyproject.toml nor "
           "setup.py: it is not a Python project")
    app = make_app(tmp_path / "project")
    p = bed.build(run, "--app", app)
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, f"sparkenv: error: the application '{app}' is the project 'my-app', which the lock "
           "also has (my-app 0.0): an environment holds one version of each project")
    bad = make_app(tmp_path / "bad")
    (bad / "pyproject.toml").write_text("[build-system]\nbuild-backend = 'x'\n")
    p = bed.build(run, "--app", bad)
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, f"sparkenv: error: cannot build a wheel from the application '{bad}': the "
           f"application '{bad}': pyproject.toml: [build-system] has no 'requires' (PEP 518 "
           "makes it mandatory; use requires = [] for none)")
    assert not bed.out.exists()



def test_a_target_sparkenv_cannot_recover_needs_the_target_options(run, bed, sparkenv_bin):
    two = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64",
           "--platform", "musllinux_1_2_x86_64"]
    bed.add_sdist("demo", "1.0", tag="cp311-cp311-linux_x86_64")
    bed.write(craft.target(sparkenv_bin, *two))
    p = bed.build(run)
    assert (p.returncode, p.stderr.splitlines()[1:]) == (
        2, ["sparkenv: error: package 'demo' 1.0: cannot tell whether "
            "'demo-1.0-cp311-cp311-linux_x86_64.whl' fits the lock's target CPython 3.11 on "
            "linux x86_64: the lock records only a hash of the target's tags, and they are not "
            "those of a target declared with one --platform; give the target to 'sparkenv "
            "build' as to 'sparkenv lock' (--target FILE, or --python and --platform)"])
    p = bed.build(run, *TARGET)
    assert (p.returncode, p.stderr) == (
        2, "sparkenv: error: the target given is not the lock's: its 714 tags are not the "
           "lock's 789\n")
    p = bed.build(run, *two)
    assert p.returncode == 0, p.stderr


def test_the_apps_requirements_must_be_in_the_lock(run, bed, tmp_path):
    bed.add_wheel(Wheel("plain", "2.0", {"plain/__init__.py": b""}))
    ok = make_app(tmp_path / "ok", dependencies=["plain>=2", "pywin32; sys_platform == 'win32'"])
    p = bed.build(run, "--app", ok)
    assert p.returncode == 0, p.stderr
    old = make_app(tmp_path / "old", dependencies=["plain>=3"])
    p = bed.build(run, "--app", old)
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, f"sparkenv: error: the application '{old}' requires 'plain>=3', but the lock has "
           "plain 2.0")
    missing = make_app(tmp_path / "missing", dependencies=["requests"])
    p = bed.build(run, "--app", missing)
    assert (p.returncode, p.stderr.splitlines()[-1]) == (
        2, f"sparkenv: error: the application '{missing}' requires 'requests', but the lock has "
           "no 'requests': lock the application's dependencies too (e.g. 'sparkenv lock -r "
           "pyproject.toml')")
