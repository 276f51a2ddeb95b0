"""`sparkenv lock` + `sparkenv build` with real wheels from the bed's mirror.

The environment must import and work under a matching Python (the host's
CPython 3.11 on x86_64, glibc 2.36: target cp311 manylinux_2_28_x86_64) with
only the environment's own folder on sys.path, and importlib.metadata must
report exactly the locked versions. Covers numpy, pandas, scikit-learn,
pyarrow, scipy, docutils 0.18.1 (.data/scripts with '#!python' shebangs) and
greenlet (Root-Is-Purelib: false, .data/headers).
"""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SPARKENV = ROOT / "build" / "sparkenv"
SETS = ROOT / "tests" / "bed" / "mirror" / "sets"
TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
PYTHON = shutil.which("python3.11")


def run(*args, check=True, **kw):
    p = subprocess.run([str(SPARKENV), *map(str, args)], capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"sparkenv {' '.join(map(str, args))}: rc={p.returncode}\n{p.stderr}")
    return p


@pytest.fixture(scope="module")
def locked(bed_env, tmp_path_factory):
    work = tmp_path_factory.mktemp("build")
    reqs = work / "requirements.txt"
    reqs.write_text(
        (SETS / "datasci.txt").read_text()
        + "docutils==0.18.1\ngreenlet\n"
    )
    lock = work / "pylock.toml"
    run("lock", "-r", reqs, "--index-url", bed_env["BED_PYPI_URL"], *TARGET,
        "--cache-dir", work / "cache", "-o", lock)
    return work, lock


def locked_versions(lock: Path) -> dict:
    data = tomllib.loads(lock.read_text())
    return {p["name"]: p["version"] for p in data["packages"]}


@pytest.mark.skipif(PYTHON is None, reason="needs python3.11 on PATH (the target's interpreter)")
def test_environment_imports_with_only_its_folder_on_sys_path(locked):
    work, lock = locked
    out = work / "env"
    p = run("build", lock, "-o", out, "--format", "dir", "--cache-dir", work / "cache")
    assert "Built environment" in p.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    versions = locked_versions(lock)
    assert {l["package"]: l["version"] for l in manifest["layers"]} == versions
    for layer in manifest["layers"]:
        assert (out / "layers" / f"{layer['sha256']}.tar.gz").stat().st_size == layer["size"]

    site = out / "env" / "site-packages"
    probe = f"""
import sys, json, importlib.metadata as md
sys.path[:] = [{str(site)!r}] + [p for p in sys.path if 'site-packages' not in p and 'dist-packages' not in p]
import numpy, pandas, sklearn, pyarrow, scipy, docutils, greenlet
from sklearn.linear_model import LinearRegression
X = numpy.arange(10.0).reshape(-1, 1)
model = LinearRegression().fit(X, 3 * X.ravel() + 1)
table = pyarrow.Table.from_pandas(pandas.DataFrame({{"x": [1, 2, 3]}}))
print(json.dumps({{
  "files": {{m.__name__: m.__file__ for m in (numpy, pandas, sklearn, pyarrow, scipy, docutils, greenlet)}},
  "versions": {{d.metadata["Name"].lower().replace("_", "-"): d.version for d in md.distributions()
                if str(d.locate_file("")).startswith({str(site)!r})}},
  "coef": round(float(model.coef_[0]), 6), "rows": table.num_rows,
  "greenlet": greenlet.greenlet(lambda: 42).switch(),
}}))
"""
    r = subprocess.run([PYTHON, "-S", "-c", probe], capture_output=True, text=True, cwd=work)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    for module, path in got["files"].items():
        assert path.startswith(str(site)), (module, path)
    assert got["versions"] == versions
    assert got["coef"] == 3.0 and got["rows"] == 3 and got["greenlet"] == 42

    # docutils' .data/scripts: shebang rewritten for the target, executable.
    script = out / "env" / "bin" / "rst2html.py"
    assert script.exists()
    assert script.read_text().splitlines()[0] == "#!/usr/bin/env python3.11"
    assert os.access(script, os.X_OK)
    # greenlet: platlib and headers.
    assert list((out / "env" / "include").glob("greenlet/*.h"))


def test_same_lock_same_environment_id_and_layers(locked):
    work, lock = locked
    a = run("build", lock, "-o", work / "a", "--cache-dir", work / "cache-a")
    b = run("build", lock, "-o", work / "b", "--cache-dir", work / "cache-b")
    ma = (work / "a" / "manifest.json").read_bytes()
    mb = (work / "b" / "manifest.json").read_bytes()
    assert ma == mb
    assert " 0 from the cache" in a.stderr and " 0 from the cache" in b.stderr
    # The second build into a warm cache installs nothing.
    c = run("build", lock, "-o", work / "c", "--cache-dir", work / "cache-a")
    assert " 0 built, " in c.stderr and "0 files downloaded" in c.stderr, c.stderr
    assert (work / "c" / "manifest.json").read_bytes() == ma


def test_kill_9_during_a_build_then_again(locked):
    work, lock = locked
    cache = work / "cache-kill"
    out = work / "killed"
    # Kill it while it downloads or installs; try a few moments.
    for delay in (0.3, 1.0, 2.5):
        proc = subprocess.Popen([str(SPARKENV), "build", str(lock), "-o", str(out),
                                 "--cache-dir", str(cache)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Never a half-written environment under the output name.
        if out.exists():
            assert (out / "manifest.json").exists()
            shutil.rmtree(out)
    run("build", lock, "-o", out, "--cache-dir", cache)
    # The killed builds' staging folders are gone too.
    assert sorted(p.name for p in work.iterdir() if p.name.startswith("killed")) == ["killed"]
    run("build", lock, "-o", work / "reference", "--cache-dir", work / "cache-reference")
    assert (out / "manifest.json").read_bytes() == (work / "reference" / "manifest.json").read_bytes()
    # Every blob in the cache has the hash it is named by.
    for blob in (cache / "blobs-v1" / "sha256").glob("*/*"):
        if ".tmp." in blob.name:
            continue
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name, blob


def test_a_wheel_that_does_not_match_its_lock_is_refused(locked, tmp_path):
    work, lock = locked
    text = lock.read_text()
    data = tomllib.loads(text)
    numpy = next(p for p in data["packages"] if p["name"] == "numpy")
    good = numpy["wheels"][0]["hashes"]["sha256"]
    bad = lock.parent / "bad.toml"
    bad.write_text(text.replace(good, "0" * 64))
    out = tmp_path / "env"
    p = run("build", bad, "-o", out, "--cache-dir", tmp_path / "cache", check=False)
    assert p.returncode == 1, p.stderr
    assert f"sha256 mismatch: expected {'0' * 64}, got {good}" in p.stderr
    assert not out.exists()
    assert [x.name for x in tmp_path.iterdir() if x.name.startswith("env")] == []


BED_APP_SETUP = """\
from setuptools import setup
setup(name="bed-app", version="0.3", packages=["bed_app"], install_requires=["tomli"])
"""
BED_APP_MODULE = """\
import tomli
def answer():
    return tomli.loads('x = 42')['x']
"""


@pytest.mark.skipif(PYTHON is None, reason="needs python3.11 on PATH (the target's interpreter)")
def test_an_sdist_and_an_app_are_built_from_the_mirror(bed_env, tmp_path):
    """tomli 2.2.1 is only an sdist on the mirror (flit_core backend, from the
    mirror too); the app is a setup.py-only project (setuptools' legacy
    backend, setuptools from the mirror). Both are built by python3.11 in an
    isolated build environment and imported from the environment alone."""
    cache = tmp_path / "cache"
    lock = tmp_path / "pylock.toml"
    run("lock", "tomli", "--index-url", bed_env["BED_PYPI_URL"], "--cache-dir", cache,
        "-o", lock, *TARGET)
    tomli_pkg = tomllib.loads(lock.read_text())["packages"][0]
    assert "sdist" in tomli_pkg and "wheels" not in tomli_pkg, tomli_pkg
    app = tmp_path / "app"
    (app / "bed_app").mkdir(parents=True)
    (app / "setup.py").write_text(BED_APP_SETUP)
    (app / "bed_app" / "__init__.py").write_text(BED_APP_MODULE)

    out = tmp_path / "env"
    p = run("build", lock, "--app", app, "-o", out, "--format", "dir", "--cache-dir", cache,
            "--build-python", PYTHON)
    lines = p.stderr.splitlines()
    assert lines[0].startswith("Building tomli 2.2.1 from tomli-2.2.1.tar.gz with CPython 3.11."), lines
    assert lines[1].startswith(f"Building the application {app} with CPython 3.11."), lines
    assert lines[-1].endswith(", 1 of 1 sdist built, application bed-app 0.3"), lines
    manifest = json.loads((out / "manifest.json").read_text())
    layers = {layer["package"]: layer for layer in manifest["layers"]}
    assert layers["tomli"]["sdist"] == "tomli-2.2.1.tar.gz"
    assert layers["tomli"]["wheel"] == "tomli-2.2.1-py3-none-any.whl"
    assert manifest["application"]["name"] == "bed-app"
    assert manifest["application"]["wheel"] == "bed_app-0.3-py3-none-any.whl"
    assert manifest["application"]["layer"] == layers["bed-app"]["sha256"]

    site = out / "env" / "site-packages"
    probe = f"""
import sys, json, importlib.metadata as md
sys.path[:] = [{str(site)!r}] + [p for p in sys.path if 'site-packages' not in p and 'dist-packages' not in p]
import bed_app, tomli
print(json.dumps({{"answer": bed_app.answer(), "files": [bed_app.__file__, tomli.__file__],
                   "versions": {{n: md.version(n) for n in ("tomli", "bed-app")}}}}))
"""
    r = subprocess.run([PYTHON, "-S", "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["answer"] == 42
    assert all(f.startswith(str(site)) for f in got["files"]), got
    assert got["versions"] == {"tomli": "2.2.1", "bed-app": "0.3"}

    # Again: tomli's wheel comes from the built-wheel cache; the app is
    # rebuilt, byte for byte the same (SOURCE_DATE_EPOCH), so the same id.
    p = run("build", lock, "--app", app, "-o", out, "--cache-dir", cache, "--build-python", PYTHON)
    assert ", 0 of 1 sdist built, application bed-app 0.3" in p.stderr, p.stderr
    assert json.loads((out / "manifest.json").read_text())["env_id"] == manifest["env_id"]
    (app / "bed_app" / "__init__.py").write_text(BED_APP_MODULE + "VERSION = 2\n")
    run("build", lock, "--app", app, "-o", out, "--cache-dir", cache, "--build-python", PYTHON)
    assert json.loads((out / "manifest.json").read_text())["env_id"] != manifest["env_id"]
