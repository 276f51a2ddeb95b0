"""Issue 4 acceptance (b): a lock written by sparkenv is read and validated by
packaging.pylock (packaging 26.4, the latest, pinned) and its wheels install with pip
into a matching interpreter.

Real sets of the bed's mirror (tests/bed/mirror/sets/pandas.txt, datasci.txt)
are locked from $BED_PYPI_URL for CPython 3.11 on manylinux_2_28_x86_64 (the
host: CPython 3.11, x86_64, glibc 2.36). Each wheel URL in the lock is
downloaded, its size and sha256 checked against the lock, and the files are
installed with `pip install --no-deps --no-index` into a fresh
`python3.11 -m venv`; every package then imports and
importlib.metadata reports the locked version. The locked files are the ones
pip itself picked from PyPI for the same set and target (the mirror's
manifest.json). Locking twice gives the same bytes.

Needs `tests/bed/bed up mirror`.
"""
import hashlib
import json
import os
import shutil
import subprocess
import tomllib
import urllib.request
from pathlib import Path

import pytest
from packaging.pylock import Pylock
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
SPARKENV = os.environ.get("SPARKENV_BIN", str(ROOT / "build" / "sparkenv"))
SETS = ROOT / "tests" / "bed" / "mirror" / "sets"
PYTHON311 = shutil.which("python3.11")
NO_INTERNET = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


def sparkenv_lock(bed_env, set_name: str, out: Path, cache: Path, python: str = "3.11"):
    if not os.access(SPARKENV, os.X_OK):
        pytest.fail(f"sparkenv binary not found at {SPARKENV}: run scripts/build first")
    env = {**os.environ, **NO_INTERNET}
    return subprocess.run(
        [SPARKENV, "lock", "-r", str(SETS / f"{set_name}.txt"), "--index-url", bed_env["BED_PYPI_URL"],
         "--python", python, "--platform", "manylinux_2_28_x86_64", "--cache-dir", str(cache),
         "-o", str(out)],
        capture_output=True, text=True, timeout=600, env=env)


def read(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


@pytest.fixture(scope="module")
def mirror_env(bed_env):
    assert "BED_PYPI_URL" in bed_env, "the mirror is not up: run tests/bed/bed up mirror"
    return bed_env


@pytest.fixture(scope="module")
def locks(mirror_env, tmp_path_factory):
    """{set: path of its lock}, each locked once with a fresh cache."""
    tmp = tmp_path_factory.mktemp("locks")
    out = {}
    for name in ("pandas", "datasci"):
        path = tmp / f"{name}.pylock.toml"
        r = sparkenv_lock(mirror_env, name, path, tmp / f"cache-{name}")
        assert r.returncode == 0, r.stderr
        assert r.stderr.startswith("Resolved "), r.stderr
        out[name] = path
    return out


@pytest.mark.parametrize("set_name", ["pandas", "datasci"])
def test_packaging_validates_the_lock(locks, mirror_env, set_name):
    doc = read(locks[set_name])
    lock = Pylock.from_dict(doc)
    lock.validate()
    assert str(lock.lock_version) == "1.0"
    assert lock.created_by == "sparkenv"
    for package in lock.packages:
        assert package.index == mirror_env["BED_PYPI_URL"], package
        assert len(package.wheels) == 1 and package.sdist is None, package
        [wheel] = package.wheels
        assert wheel.url.startswith(mirror_env["BED_MIRROR_URL"] + "/files/"), wheel.url
        assert set(wheel.hashes) == {"sha256"}
        assert wheel.size and wheel.upload_time is not None
    # The whole environment of the lock is CPython 3.11 on Linux x86_64.
    assert lock.requires_python is not None and lock.requires_python.contains("3.11.7")
    assert not lock.requires_python.contains("3.12.0")


# The main index's sets (lock-*.txt are the separate lock index's, docs/bed-mirror.md).
MIRROR_SETS = sorted(p.stem for p in SETS.glob("*.txt")
                     if not p.name.endswith(".sdist.txt") and not p.name.startswith("lock-"))


@pytest.mark.parametrize("python", ["3.11", "3.12"])
@pytest.mark.parametrize("set_name", MIRROR_SETS)
def test_lock_matches_what_pip_picked(mirror_env, tmp_path, set_name, python):
    """Every set of the mirror, for both Pythons: sparkenv locks exactly the
    files pip picked from PyPI (manifest.json), although the mirror's pages
    hold the files of every set (e.g. numpy 1.26.4, 2.4.6 and 2.5.5)."""
    manifest = json.loads((Path(mirror_env["BED_MIRROR_ROOT"]) / "manifest.json").read_text())
    want = {canonicalize_name(f["name"]): (f["version"], f["filename"])
            for f in manifest["sets"][set_name][python]}
    out = tmp_path / "pylock.toml"
    r = sparkenv_lock(mirror_env, set_name, out, tmp_path / "cache", python=python)
    assert r.returncode == 0, r.stderr
    got = {p["name"]: (p["version"], p["wheels"][0]["name"]) for p in read(out)["packages"]}
    assert got == want


def test_same_inputs_give_the_same_bytes(locks, mirror_env, tmp_path):
    # A fresh cache and a warm one: the same bytes as the first lock.
    for cache in (tmp_path / "fresh", tmp_path / "fresh"):
        out = tmp_path / "again.toml"
        r = sparkenv_lock(mirror_env, "datasci", out, cache)
        assert r.returncode == 0, r.stderr
        assert out.read_bytes() == locks["datasci"].read_bytes()


def top_level_modules_script() -> str:
    # Runs inside the venv: {dist: [importable top-level names]} from RECORD.
    return r"""
import importlib.metadata as md, json, sys
out = {}
for name in sys.argv[1:]:
    d = md.distribution(name)
    tops = set()
    for f in d.files or []:
        parts = f.parts
        if ".dist-info" in parts[0] or ".data" in parts[0] or parts[0] in ("..", "bin"):
            continue
        if len(parts) == 1 and parts[0].endswith(".py"):
            tops.add(parts[0][:-3])
        elif len(parts) > 1 and parts[-1] == "__init__.py" and len(parts) == 2:
            tops.add(parts[0])
    out[name] = {"version": d.version, "modules": sorted(t for t in tops if not t.startswith("_"))}
print(json.dumps(out))
"""


@pytest.mark.skipif(PYTHON311 is None, reason="no python3.11 on PATH")
def test_locked_wheels_install_with_pip_and_import(locks, tmp_path):
    doc = read(locks["datasci"])
    wheels_dir = tmp_path / "wheels"
    wheels_dir.mkdir()
    files = []
    for package in doc["packages"]:
        [wheel] = package["wheels"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as response:
            data = response.read()
        assert len(data) == wheel["size"], wheel["name"]
        assert hashlib.sha256(data).hexdigest() == wheel["hashes"]["sha256"], wheel["name"]
        path = wheels_dir / wheel["name"]
        path.write_bytes(data)
        files.append(str(path))

    venv = tmp_path / "venv"
    subprocess.run([PYTHON311, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(NO_INTERNET)
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PIP_NO_INPUT": "1"})
    r = subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--no-cache-dir",
                        *files], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    # pip's own consistency check: every dependency is installed, in range.
    r = subprocess.run([python, "-m", "pip", "check"], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr

    names = [p["name"] for p in doc["packages"]]
    r = subprocess.run([python, "-c", top_level_modules_script(), *names], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    installed = json.loads(r.stdout)
    for package in doc["packages"]:
        assert installed[package["name"]]["version"] == package["version"], package["name"]
    modules = sorted({m for info in installed.values() for m in info["modules"]})
    assert {"numpy", "pandas", "pyarrow", "scipy", "sklearn"} <= set(modules)
    r = subprocess.run([python, "-c", "import sys, importlib\n"
                        "for m in sys.argv[1:]: importlib.import_module(m)\nprint('ok')", *modules],
                       capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, "ok\n"), r.stderr
    # The interpreter matches the lock's target.
    r = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                       capture_output=True, text=True, check=True)
    assert r.stdout == "3.11\n"
