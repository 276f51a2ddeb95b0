"""Differential test: sparkenv's spec module against Python's `packaging` on
the latest version of every project on PyPI (shared/data/pypi-latest-versions.tsv,
886k rows "name<TAB>version").

tests/tools/spec_diff (C++) prints, per row, the normalized name, validity,
normalized version and the dense rank of the version in PEP 440 order; this
test computes the same with `packaging` and requires zero disagreements.
"""
import os
import subprocess
import tempfile
from pathlib import Path

import packaging
import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
TSV = ROOT.parent / "shared" / "data" / "pypi-latest-versions.tsv"
SHOW = 20


def build_dir() -> Path:
    return Path(os.environ.get("SPARKENV_BUILD_DIR", str(ROOT / "build")))


def read_rows(path: Path):
    """Rows split exactly like spec_diff does: on b'\\n', first tab."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if lines and lines[0] == b"name\tversion":
        lines = lines[1:]
    rows = []
    for line in lines:
        name, _, version = line.partition(b"\t")
        rows.append(
            (name.decode("utf-8", "surrogateescape"), version.decode("utf-8", "surrogateescape"))
        )
    return rows


def dense_ranks(items):
    """items: list of (index, key) with comparable keys -> {index: rank}."""
    order = sorted(items, key=lambda t: t[1])
    ranks = {}
    rank = -1
    prev = None
    for k, (i, key) in enumerate(order):
        if k == 0 or not (key == prev):
            rank += 1
        ranks[i] = rank
        prev = key
    return ranks


@pytest.fixture(scope="module")
def rows():
    if not TSV.is_file():
        pytest.fail(
            f"differential test data missing: {TSV} (expected the shared data folder "
            "beside the repository: ../shared/data/pypi-latest-versions.tsv)"
        )
    return read_rows(TSV)


@pytest.fixture(scope="module")
def ours(rows):
    tool = build_dir() / "spec_diff"
    if not os.access(tool, os.X_OK):
        pytest.fail(f"{tool} not found: run scripts/build first")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.tsv"
        proc = subprocess.run([str(tool), str(TSV), str(out)], capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, f"spec_diff failed: {proc.stderr}"
        lines = out.read_bytes().decode("utf-8", "surrogateescape").split("\n")
    assert lines[-1] == ""
    lines.pop()
    assert len(lines) == len(rows), "spec_diff printed a different number of rows"
    result = []
    for line in lines:
        name, valid, norm, rank = line.split("\t")
        result.append((name, valid == "1", norm, int(rank)))
    return result


@pytest.fixture(scope="module")
def theirs(rows):
    result = []
    parsed = []
    for i, (name, text) in enumerate(rows):
        try:
            v = Version(text)
        except ValueError:  # InvalidVersion, or a number beyond CPython's digit limit
            v = None
        if v is not None:
            parsed.append((i, v))
        result.append([canonicalize_name(name), v is not None, str(v) if v is not None else "", -1])
    for i, rank in dense_ranks(parsed).items():
        result[i][3] = rank
    return [tuple(r) for r in result]


def report(kind, diffs):
    lines = [f"{len(diffs)} disagreements on {kind} (packaging {packaging.__version__}); first {SHOW}:"]
    lines += [f"  {d}" for d in diffs[:SHOW]]
    return "\n".join(lines)


def test_row_count(rows):
    assert len(rows) > 800_000  # the real table, not a stub


def test_name_normalization(rows, ours, theirs):
    diffs = [(rows[i][0], o[0], t[0]) for i, (o, t) in enumerate(zip(ours, theirs)) if o[0] != t[0]]
    assert not diffs, report("name normalization (name, sparkenv, packaging)", diffs)


def test_validity(rows, ours, theirs):
    diffs = [(rows[i][1], o[1], t[1]) for i, (o, t) in enumerate(zip(ours, theirs)) if o[1] != t[1]]
    assert not diffs, report("version validity (version, sparkenv, packaging)", diffs)


def test_normalized_form(rows, ours, theirs):
    diffs = [
        (rows[i][1], o[2], t[2])
        for i, (o, t) in enumerate(zip(ours, theirs))
        if o[1] and t[1] and o[2] != t[2]
    ]
    assert not diffs, report("normalized version (version, sparkenv, packaging)", diffs)


def test_total_order(rows, ours, theirs):
    # Compare the sorted orders: for every row valid on both sides the dense
    # rank must agree (ties included). Rows valid on one side only are
    # reported by test_validity; the ranks are recomputed over the common
    # rows so one validity difference does not shift every rank.
    common = [i for i, (o, t) in enumerate(zip(ours, theirs)) if o[1] and t[1]]
    assert len(common) > 800_000
    ours_rank = dense_ranks([(i, ours[i][3]) for i in common])
    theirs_rank = dense_ranks([(i, theirs[i][3]) for i in common])
    diffs = []
    by_rank = {}
    for i in common:
        by_rank.setdefault(theirs_rank[i], rows[i][1])
    for i in common:
        if ours_rank[i] != theirs_rank[i]:
            diffs.append((rows[i][1], f"sparkenv rank {ours_rank[i]}", f"packaging rank {theirs_rank[i]}",
                          f"packaging's version at sparkenv's rank: {by_rank.get(ours_rank[i])!r}"))
    assert not diffs, report("PEP 440 order (version, ranks)", diffs)
