"""A lock written by sparkenv is valid for Python packaging's PEP 751 reader.

tests/tools/pylock_sample builds a realistic lock model (numpy, pandas and
their dependencies, an sdist-only pyspark) and writes it with sparkenv's
writer; `--json` prints the same model through an independent path. Here
packaging.pylock (the pinned packaging, 26.4) reads and validates the TOML, and every field
it reads back must equal the model.
"""
import json
import os
import subprocess
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest

import packaging.pylock as packaging_pylock  # noqa: E402
from packaging.markers import Marker  # noqa: E402
from packaging.tags import Tag  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOOL = Path(os.environ.get("SPARKENV_BUILD_DIR", ROOT / "build")) / "pylock_sample"


@pytest.fixture(scope="module")
def sample():
    if not TOOL.exists():
        pytest.fail(f"{TOOL} not found: run scripts/build first")
    toml_text = subprocess.run([str(TOOL)], check=True, capture_output=True, text=True).stdout
    model = json.loads(
        subprocess.run([str(TOOL), "--json"], check=True, capture_output=True, text=True).stdout
    )
    return toml_text, model


def utc(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_packaging_reads_and_validates_the_lock(sample, tmp_path):
    toml_text, model = sample
    path = tmp_path / "pylock.toml"
    path.write_text(toml_text)
    assert packaging_pylock.is_valid_pylock_path(path)
    with path.open("rb") as f:
        lock = packaging_pylock.Pylock.from_dict(tomllib.load(f))
    lock.validate()

    assert str(lock.lock_version) == model["lock-version"]
    assert lock.created_by == "sparkenv"
    assert str(lock.requires_python) == model["requires-python"]
    assert [str(m) for m in lock.environments] == model["environments"]
    assert lock.extras == [] and lock.dependency_groups == []

    names = [p.name for p in lock.packages]
    assert names == sorted(names), "packages are sorted by name"
    assert set(names) == set(model["packages"])
    for pkg in lock.packages:
        want = model["packages"][pkg.name]
        assert str(pkg.version) == want["version"]
        assert str(pkg.requires_python or "") == want["requires-python"]
        assert str(pkg.marker or "") == want["marker"]
        assert pkg.index == want["index"]
        got_deps = sorted((d["name"], d.get("version", "")) for d in pkg.dependencies or [])
        assert got_deps == sorted((d["name"], d["version"]) for d in want["dependencies"])
        got_wheels = {w.filename: w for w in pkg.wheels or []}
        assert set(got_wheels) == {w["name"] for w in want["wheels"]}
        for w in want["wheels"]:
            got = got_wheels[w["name"]]
            assert got.url == w["url"]
            assert got.size == w["size"]
            assert got.upload_time == utc(w["upload-time"])
            assert got.upload_time.tzinfo is not None
            assert got.upload_time.utcoffset().total_seconds() == 0
            assert dict(got.hashes) == w["hashes"]
        if "sdist" in want:
            assert pkg.sdist is not None and not pkg.wheels
            assert pkg.sdist.filename == want["sdist"]["name"]
            assert pkg.sdist.size == want["sdist"]["size"]
            assert pkg.sdist.upload_time == utc(want["sdist"]["upload-time"])
            assert dict(pkg.sdist.hashes) == want["sdist"]["hashes"]
        else:
            assert pkg.sdist is None

    tool = lock.tool["sparkenv"]
    assert tool["target-markers"] == model["tool"]["target-markers"]
    assert tool["target-tag-count"] == model["tool"]["target-tag-count"]
    assert tool["requirements"] == model["tool"]["requirements"]


def test_packaging_selects_the_target_wheels(sample):
    """packaging's installer logic picks one file per package for the target."""
    toml_text, _ = sample
    lock = packaging_pylock.Pylock.from_dict(tomllib.loads(toml_text))
    env = {
        "implementation_name": "cpython",
        "implementation_version": "3.12.8",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_python_implementation": "CPython",
        "platform_release": "6.1.0",
        "platform_system": "Linux",
        "platform_version": "#1 SMP",
        "python_full_version": "3.12.8",
        "python_version": "3.12",
        "sys_platform": "linux",
    }
    tags = [
        Tag("cp312", "cp312", "manylinux_2_17_x86_64"),
        Tag("cp312", "cp312", "manylinux2014_x86_64"),
        Tag("py3", "none", "any"),
        Tag("py2", "none", "any"),
    ]
    chosen = {pkg.name: dist for pkg, dist in lock.select(environment=env, tags=tags)}
    assert chosen["numpy"].filename.endswith("manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    assert chosen["pyspark"].filename == "pyspark-3.5.4.tar.gz"
    assert chosen["six"].filename == "six-1.17.0-py2.py3-none-any.whl"
    assert len(chosen) == 8


def test_writer_is_deterministic(sample):
    toml_text, _ = sample
    again = subprocess.run([str(TOOL)], check=True, capture_output=True, text=True).stdout
    assert again == toml_text
    # Stable formatting: the packages appear in sorted order as [[packages]] blocks.
    blocks = [line for line in toml_text.splitlines() if line == "[[packages]]"]
    assert len(blocks) == 8
    assert Marker("python_version >= '3.8'")  # the marker syntax the lock uses parses


FIXTURES = ROOT / "tests" / "fixtures" / "pylock"


@pytest.mark.parametrize(
    "name",
    sorted(
        str(p.relative_to(FIXTURES))
        for p in FIXTURES.rglob("*.toml")
        if p.name != "pylock.invalid.toml"
    ),
)
def test_fixture_locks_are_valid_for_packaging(name):
    """The other tools' locks our reader accepts are accepted by packaging too."""
    with (FIXTURES / name).open("rb") as f:
        packaging_pylock.Pylock.from_dict(tomllib.load(f))
