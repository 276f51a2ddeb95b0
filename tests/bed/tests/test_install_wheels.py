"""install::InstallWheel on real wheels from the bed's mirror (issue 5).

Each wheel is installed into its own layer with the dev tool
build/install_wheel (`install_wheel WHEEL --python 3.11 -o DIR`); then a real
CPython 3.11, started isolated (-I -S) with only the layers' site-packages
folders on sys.path, imports and uses numpy, pandas, scikit-learn, pyarrow,
docutils and greenlet, and importlib.metadata reports the installed versions.
Scripts from .data/scripts (docutils) and console_scripts launchers (numpy's
f2py) run through their rewritten shebangs.

Needs the mirror's files on disk (scripts/setup builds them; the mirror
server itself need not be up) and python3.11 on PATH.
"""
import base64
import configparser
import csv
import hashlib
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "build" / "install_wheel"
PYTHON = "python3.11"

# One consistent cp311 set: pandas 2.1 and scikit-learn 1.3 need numpy < 2.
WHEELS = [
    "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "pandas-2.1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "python_dateutil-4.0.0-py3-none-any.whl",
    "pytz-2026.6-py2.py3-none-any.whl",
    "tzdata-2026.6-py2.py3-none-any.whl",
    "scikit_learn-1.3.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "scipy-1.11.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "joblib-1.6.0-py3-none-any.whl",
    "cloudpickle-3.1.3-py3-none-any.whl",
    "threadpoolctl-3.8.0-py3-none-any.whl",
    "pyarrow-14.0.2-cp311-cp311-manylinux_2_28_x86_64.whl",
    "docutils-0.18.1-py2.py3-none-any.whl",  # .data/scripts
    "greenlet-3.5.6-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",  # platlib + headers
]


def project_and_version(wheel: str):
    name, version = wheel.split("-")[:2]
    return name.replace("_", "-").lower(), version


@pytest.fixture(scope="module")
def files(bed_env) -> Path:
    root = Path(bed_env["BED_MIRROR_ROOT"]) / "files"
    missing = [w for w in WHEELS if not (root / w).is_file()]
    assert not missing, f"the bed mirror lacks {missing}: run scripts/setup"
    assert TOOL.is_file(), "build/install_wheel is missing: run scripts/build"
    assert shutil.which(PYTHON), f"{PYTHON} is not on PATH"
    return root


def install(wheel: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TOOL), str(wheel), "--python", "3.11", "-o", str(out), *extra],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def layers(files, tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("layers")
    out = {}
    for wheel in WHEELS:
        name, _ = project_and_version(wheel)
        layer = base / name
        r = install(files / wheel, layer)
        assert r.returncode == 0, f"{wheel}: {r.stderr}"
        assert r.stdout.startswith("installed "), r.stdout
        out[name] = layer
    # Nothing but the layers was written.
    assert sorted(p.name for p in base.iterdir()) == sorted(out)
    return out


def run_python(layers: dict, code: str, **kw) -> subprocess.CompletedProcess:
    # -B (and PYTHONDONTWRITEBYTECODE below): layers stay exactly as installed.
    paths = [str(layer / "site-packages") for layer in layers.values()]
    prog = f"import sys; sys.path[:0] = {paths!r}\n" + code
    return subprocess.run([PYTHON, "-I", "-S", "-B", "-c", prog], capture_output=True, text=True,
                          timeout=600, **kw)


def test_layers_import_and_work_with_only_their_folders_on_sys_path(layers):
    code = """
import importlib.metadata as md, json
import numpy, pandas, sklearn, pyarrow, docutils.core, greenlet, scipy.linalg
from sklearn.linear_model import LinearRegression
# -I -S: no host site-packages, no user site, no PYTHONPATH on the path.
assert not any(p.endswith('site-packages') and '/layers' not in p for p in sys.path), sys.path
df = pandas.DataFrame({"x": numpy.arange(10.0), "y": 2 * numpy.arange(10.0) + 1})
model = LinearRegression().fit(df[["x"]], df["y"])
table = pyarrow.Table.from_pandas(df)
html = docutils.core.publish_string("*hi*", writer_name="html").decode()
g = greenlet.greenlet(lambda: 41 + 1)
print(json.dumps({
    "sum": float(df["y"].sum()),
    "coef": round(float(model.coef_[0]), 6),
    "rows": table.num_rows,
    "em": "<em>hi</em>" in html,
    "greenlet": g.switch(),
    "numpy_file": numpy.__file__,
    "versions": {d.metadata["Name"].lower().replace("_", "-"): d.version
                 for d in md.distributions()},
}))
"""
    r = run_python(layers, code)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["sum"] == 100.0
    assert got["coef"] == 2.0
    assert got["rows"] == 10
    assert got["em"] is True
    assert got["greenlet"] == 42
    assert got["numpy_file"].startswith(str(layers["numpy"] / "site-packages"))
    expected = dict(project_and_version(w) for w in WHEELS)
    # importlib.metadata sees exactly the locked distributions and versions.
    assert got["versions"] == expected


def record_rows(layer: Path):
    site = layer / "site-packages"
    (info,) = [p for p in site.iterdir() if p.name.endswith(".dist-info")]
    with open(info / "RECORD", newline="") as f:
        return site, info, list(csv.reader(f))


@pytest.mark.parametrize("wheel", WHEELS)
def test_record_lists_every_file_with_its_hash(files, layers, wheel):
    name, version = project_and_version(wheel)
    site, info, rows = record_rows(layers[name])
    assert (info / "INSTALLER").read_text() == "sparkenv\n"
    listed = set()
    for path, digest, size in rows:
        target = (site / path).resolve()
        listed.add(target)
        if path.endswith(".dist-info/RECORD"):
            assert (digest, size) == ("", "")
            continue
        algo, _, b64 = digest.partition("=")
        assert algo == "sha256"
        data = target.read_bytes()
        assert base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode() == b64
        assert int(size) == len(data)
    on_disk = {p.resolve() for p in layers[name].rglob("*") if p.is_file()}
    assert on_disk == listed
    # Every file of the wheel (signatures aside), INSTALLER and one launcher
    # per console/gui script: nothing lost, nothing extra.
    with zipfile.ZipFile(files / wheel) as z:
        names = [n for n in z.namelist()
                 if not n.endswith(("/", "RECORD.jws", "RECORD.p7s"))]
        eps = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        eps.optionxform = str
        ep_file = f"{info.name}/entry_points.txt"
        if ep_file in z.namelist():
            eps.read_string(z.read(ep_file).decode())
    launchers = sum(len(eps[s]) for s in ("console_scripts", "gui_scripts") if eps.has_section(s))
    assert len(on_disk) == len(names) + 1 + launchers


def test_data_scripts_get_the_target_shebang_and_run(layers, tmp_path):
    layer = layers["docutils"]
    script = layer / "bin" / "rst2html.py"
    assert script.read_text().splitlines()[0] == "#!/usr/bin/env python3.11"
    assert os.access(script, os.X_OK)
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(layer / "site-packages"),
           "HOME": str(tmp_path),
           "PYTHONDONTWRITEBYTECODE": "1"}
    r = subprocess.run([str(script)], input="*hello*\n", capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert "<em>hello</em>" in r.stdout


def test_console_script_launchers_run(layers, tmp_path):
    layer = layers["numpy"]
    f2py = layer / "bin" / "f2py"
    assert f2py.read_text().startswith("#!/usr/bin/env python3.11\n")
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(layer / "site-packages"),
           "HOME": str(tmp_path),
           "PYTHONDONTWRITEBYTECODE": "1"}
    r = subprocess.run([str(f2py), "-v"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1.26.4"


def test_headers_and_platlib_land_in_their_folders(layers):
    layer = layers["greenlet"]
    header = layer / "include" / "greenlet" / "greenlet.h"
    assert "PyGreenlet" in header.read_text()
    assert list((layer / "site-packages" / "greenlet").glob("_greenlet*.so"))
    assert not list((layer / "site-packages").glob("*.data"))


def test_a_truncated_download_is_refused_and_leaves_nothing(files, tmp_path):
    wheel = "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    data = (files / wheel).read_bytes()
    cut = tmp_path / "in" / wheel
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) * 2 // 3])
    out = tmp_path / "out" / "layer"
    out.parent.mkdir()
    r = install(cut, out)
    assert r.returncode == 1
    assert r.stderr == (f"error: cannot install '{wheel}': invalid zip archive: no end of central "
                        "directory record (truncated, or not a zip file)\n")
    assert list(out.parent.iterdir()) == []


def test_a_tampered_file_is_refused_by_its_record_hash(files, tmp_path):
    wheel = "docutils-0.18.1-py2.py3-none-any.whl"
    src = zipfile.ZipFile(files / wheel)
    tampered = tmp_path / "in" / wheel
    tampered.parent.mkdir()
    with zipfile.ZipFile(tampered, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "docutils/__init__.py":
                data = data.replace(b"docutils", b"DOCUTILS", 1)  # same size
            z.writestr(info, data)
    out = tmp_path / "out" / "layer"
    out.parent.mkdir()
    r = install(tampered, out)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: cannot install '{wheel}': entry 'docutils/__init__.py' "
                               "does not match its RECORD hash (RECORD has sha256="), r.stderr
    assert list(out.parent.iterdir()) == []


def test_the_lock_name_and_version_must_match(files, tmp_path):
    wheel = "joblib-1.6.0-py3-none-any.whl"
    out = tmp_path / "layer"
    r = install(files / wheel, out, "--name", "joblib", "--version", "1.5.0")
    assert r.returncode == 2
    assert r.stderr == (f"error: cannot install '{wheel}': the file name is for joblib 1.6.0, but "
                        "the lock expects joblib 1.5.0\n")
    assert not out.exists()
