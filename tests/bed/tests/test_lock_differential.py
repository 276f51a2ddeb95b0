"""Lock differential: `sparkenv lock`, uv and pip resolve the same real
requirement sets (tests/bed/mirror/sets/lock-*.txt) for the same three targets
(cp39 manylinux_2_17_x86_64, cp311 manylinux_2_28_x86_64, cp312
manylinux_2_28_aarch64) from the bed's lock index (/lock/simple/, a snapshot of
PyPI with real choices; docs/bed-mirror.md), with no route to the internet.

For every set x target: every package's version and chosen wheel file must be
the same in the three results, or the difference must be in DOCUMENTED below,
each entry explained in docs/lock-differential.md as a choice the specs allow.
A documented difference that no longer happens fails too (the table stays
true). The sparkenv column runs when the binary has the `lock` command.

Needs `tests/bed/bed up mirror` and the mirror built by scripts/setup.
"""
import json
import os
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[3]
MIRROR_DIR = ROOT / "tests" / "bed" / "mirror"
sys.path.insert(0, str(MIRROR_DIR))
from targets import DOWNLOAD_TARGET, TARGETS  # noqa: E402

SETS = sorted(MIRROR_DIR.glob("sets/lock-*.txt"))
UV = str(Path(sys.executable).parent / "uv")
SPARKENV = os.environ.get("SPARKENV_BIN", str(ROOT / "build" / "sparkenv"))
# Any connection a tool tries outside loopback goes to this closed port and fails.
NO_INTERNET = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
               "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
               "ALL_PROXY": "http://127.0.0.1:9", "all_proxy": "http://127.0.0.1:9",
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}

# Documented differences (docs/lock-differential.md): (set, target, package, field) ->
# {tool: value}, field "version" or "wheel"; value None means "not in that tool's result", a
# frozenset means "any of these". Each group names the section of docs/lock-differential.md
# that explains it. sparkenv's expected value is pip's where the spec decides.
CP39 = "cp39-manylinux_2_17_x86_64"
CRYPTO_43 = "cryptography-43.0.3-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
CRYPTO_47 = "cryptography-47.0.0-cp38-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
REGEX_A = "regex-2026.1.15-cp39-cp39-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
REGEX_B = "regex-2026.1.15-cp39-cp39-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl"
DOCUMENTED = {
    # "1. uv reads only the lower bound of Requires-Python": cryptography >= 44 says
    # Requires-Python ">=3.8,!=3.9.0,!=3.9.1"; the target is Python 3.9(.0).
    **{(s, CP39, "cryptography", "version"): {"pip": "43.0.3", "uv": "47.0.0", "sparkenv": "43.0.3"}
       for s in ("lock-azure", "lock-gcp")},
    **{(s, CP39, "cryptography", "wheel"): {"pip": CRYPTO_43, "uv": CRYPTO_47, "sparkenv": CRYPTO_43}
       for s in ("lock-azure", "lock-gcp")},
    # "2. Two wheels with the same best tag": regex 2026.1.15 has two cp39 files whose best
    # tag for the target is cp39-cp39-manylinux_2_17_x86_64.
    ("lock-nlp", CP39, "regex", "wheel"): {"pip": REGEX_A, "uv": REGEX_B,
                                           "sparkenv": frozenset({REGEX_A, REGEX_B})},
}


def matches(expected, value) -> bool:
    return value in expected if isinstance(expected, frozenset) else value == expected

RESULTS = {}  # (set, target) -> {"tools", "documented": n, "disagree": {tool: [(pkg, field)]}}
SECONDS = {}  # tool -> wall-clock seconds over all comparisons (cold caches, loopback index)


def clean_env(extra: dict = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_", "SPARKENV_")) or k == "SPARKENV_DEV_CACHE"}
    env.update(NO_INTERNET)
    env.update(extra or {})
    return env


def wheel_name(entry: dict) -> str:
    name = entry.get("name") or entry["url"].rsplit("/", 1)[1]
    return urllib.parse.unquote(name.split("#", 1)[0])


def read_pylock(path: Path, target=None) -> dict:
    """{name: (version, wheel filename)} of a PEP 751 lock. With `target`, a package may list
    several wheels (uv lists every wheel compatible with the target) and the one an installer
    takes is the best by the target's tag order; without, exactly one wheel is required
    (sparkenv's contract)."""
    rank = {tag: i for i, tag in enumerate(target.tags())} if target else {}
    out = {}
    for p in tomllib.loads(path.read_text())["packages"]:
        names = [wheel_name(w) for w in p.get("wheels") or []]
        if target is None:
            assert len(names) == 1, f"{path}: {p['name']}: {len(names)} wheels, expected one"
        assert names, f"{path}: {p['name']}: no wheel"
        best = min(names, key=lambda fn: min(rank.get(t, len(rank)) for t in parse_wheel_filename(fn)[3]))
        out[canonicalize_name(p["name"])] = (p["version"], best)
    return out


def lock_with_uv(req: Path, target, index: str, tmp: Path) -> dict:
    out = tmp / "uv" / "pylock.toml"
    out.parent.mkdir()
    cmd = [UV, "pip", "compile", "--quiet", "--no-header", "--format", "pylock.toml",
           "--index-url", index, "--only-binary", ":all:", "--python-version", target.python,
           "--python-platform", target.uv_platform, "--cache-dir", str(tmp / "uv-cache"),
           # An interpreter to start from (the target overrides its version and platform);
           # without it uv first queries every python3.X on PATH (pyenv shims: seconds each).
           "--python", sys.executable,
           "--no-config", "-o", str(out), str(req)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=600)
    assert proc.returncode == 0, f"uv failed on {req.name} for {target.name}:\n{proc.stderr}"
    return read_pylock(out, target)


def lock_with_pip(req: Path, target, index: str, tmp: Path) -> dict:
    report = tmp / "pip-report.json"
    cmd = [sys.executable, str(MIRROR_DIR / "targets.py"), "pip", target.name, "install",
           "--dry-run", "--ignore-installed", "--quiet", "--no-cache-dir", "--index-url", index,
           "--report", str(report), *target.pip_args(), "-r", str(req)]
    env = clean_env({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                     "PIP_NO_INPUT": "1"})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, f"pip failed on {req.name} for {target.name}:\n{proc.stderr}"
    data = json.loads(report.read_text())
    # pip evaluated markers in the target's environment (targets.py), not its own.
    assert data["environment"] == target.marker_environment()
    return {canonicalize_name(i["metadata"]["name"]):
            (i["metadata"]["version"], wheel_name({"url": i["download_info"]["url"]}))
            for i in data["install"]}


def sparkenv_has_lock() -> bool:
    if not os.access(SPARKENV, os.X_OK):
        return False
    proc = subprocess.run([SPARKENV, "lock", "--help"], capture_output=True, text=True)
    return proc.returncode == 0


def lock_with_sparkenv(req: Path, target, index: str, tmp: Path) -> dict:
    out = tmp / "sparkenv" / "pylock.toml"
    out.parent.mkdir()
    cmd = [SPARKENV, "lock", "-r", str(req), "--index-url", index, "--python", target.python,
           "--platform", target.platform, "--cache-dir", str(tmp / "sparkenv-cache"),
           "-o", str(out), "-q"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=clean_env(), timeout=900)
    assert proc.returncode == 0, f"sparkenv lock failed on {req.name} for {target.name}:\n{proc.stderr}"
    return read_pylock(out)


def differences(results: dict) -> dict:
    """(package, field) -> {tool: value} where the tools' results differ."""
    out = {}
    names = sorted(set().union(*(r.keys() for r in results.values())))
    for name in names:
        for i, field in enumerate(("version", "wheel")):
            values = {tool: (r[name][i] if name in r else None) for tool, r in results.items()}
            if len(set(values.values())) > 1:
                out[(name, field)] = values
    return out


@pytest.fixture(scope="module")
def lock_index(bed_env) -> str:
    assert "BED_MIRROR_URL" in bed_env, "the mirror is not up: run tests/bed/bed up mirror"
    manifest = Path(bed_env["BED_MIRROR_ROOT"]) / "lock" / "manifest.json"
    assert manifest.exists(), f"no lock index ({manifest}): run scripts/setup (step 60-bed-mirror)"
    # BED_LOCK_PYPI_URL: another server of the same root (e.g. a newer server.py on another port).
    index = os.environ.get("BED_LOCK_PYPI_URL") or bed_env["BED_MIRROR_URL"] + "/lock/simple/"
    with urllib.request.urlopen(index, timeout=30) as r:
        assert r.status == 200
    return index


def test_there_are_enough_sets():
    # The acceptance line of issue 4: at least 10 real requirement sets x 3 targets.
    assert len(SETS) >= 10 and len(TARGETS) == 3


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
@pytest.mark.parametrize("req", SETS, ids=lambda p: p.stem)
def test_lock_differential(req, target, lock_index, tmp_path):
    tools = {"pip": lock_with_pip, "uv": lock_with_uv}
    if sparkenv_has_lock():
        tools["sparkenv"] = lock_with_sparkenv
    results = {}
    for tool, lock in tools.items():
        t0 = time.monotonic()
        results[tool] = lock(req, target, lock_index, tmp_path)
        SECONDS[tool] = SECONDS.get(tool, 0.0) + time.monotonic() - t0
    assert results["pip"], "pip resolved nothing"
    diffs = differences(results)
    expected = {(pkg, field): values for (s, t, pkg, field), values in DOCUMENTED.items()
                if s == req.stem and t == target.name}
    # A documented entry covers exactly its tools' values (sparkenv may be absent before it lands).
    documented = {k: v for k, v in diffs.items()
                  if k in expected and all(matches(expected[k][tool], v[tool]) for tool in v)}
    undocumented = {k: v for k, v in diffs.items() if k not in documented}
    stale = sorted(k for k in expected if k not in diffs)
    RESULTS[(req.stem, target.name)] = {
        "tools": sorted(results),
        "documented": len(documented),
        "disagree": {tool: sorted({k for k, v in undocumented.items()
                                   if v[tool] != v["sparkenv" if "sparkenv" in v else "pip"]})
                     for tool in results}}
    lines = [f"  {pkg} {field}: " + ", ".join(f"{tool}={val}" for tool, val in values.items())
             for (pkg, field), values in sorted(undocumented.items())]
    assert not undocumented, (f"{req.stem} for {target.name}: undocumented differences "
                              f"(docs/lock-differential.md):\n" + "\n".join(lines))
    assert not stale, f"{req.stem} for {target.name}: documented differences that no longer occur: {stale}"

    if target == DOWNLOAD_TARGET:
        # The download target's locks install: every chosen wheel is served in full.
        base = lock_index.rsplit("/simple/", 1)[0] + "/files/"
        for filename in sorted({w for r in results.values() for _, w in r.values()}):
            req_head = urllib.request.Request(base + urllib.parse.quote(filename), method="HEAD")
            with urllib.request.urlopen(req_head, timeout=30) as r:
                assert r.status == 200, filename


def test_a_cp311_lock_installs_and_imports(lock_index, tmp_path):
    """The cp311 x86_64 wheels are real: lock lock-flask (sparkenv if it can, else uv), install
    exactly the locked wheels with pip (--no-deps, from the bed only) and import the app stack."""
    req = MIRROR_DIR / "sets" / "lock-flask.txt"
    if sparkenv_has_lock():
        lock_with_sparkenv(req, DOWNLOAD_TARGET, lock_index, tmp_path)
        pylock = tmp_path / "sparkenv" / "pylock.toml"
    else:
        lock_with_uv(req, DOWNLOAD_TARGET, lock_index, tmp_path)
        pylock = tmp_path / "uv" / "pylock.toml"
    locked = read_pylock(pylock, DOWNLOAD_TARGET)
    base = lock_index.rsplit("/simple/", 1)[0] + "/files/"
    urls = [base + urllib.parse.quote(w) for _, w in locked.values()]
    env = clean_env({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-cache-dir",
                           "--no-index", "--target", str(tmp_path / "site"), *urls],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    code = ("import flask, requests, gunicorn, markupsafe, importlib.metadata as m; "
            "print(m.version('flask'), m.version('requests'), m.version('markupsafe'))")
    out = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {code}"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [locked["flask"][0], locked["requests"][0], locked["markupsafe"][0]]


def test_metadata_only_wheels_answer_404_but_their_metadata_is_served(lock_index, bed_env):
    root = Path(bed_env["BED_MIRROR_ROOT"]) / "lock"
    rec = json.loads((root / "projects" / "numpy.json").read_text())
    only = [f for f in rec["files"] if f["metadata-only"]]
    full = [f for f in rec["files"] if not f["metadata-only"]]
    assert only and full
    base = lock_index.rsplit("/simple/", 1)[0] + "/files/"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + only[0]["filename"], timeout=30)
    assert e.value.code == 404
    import hashlib
    for f in (only[0], full[0]):
        with urllib.request.urlopen(base + f["filename"] + ".metadata", timeout=30) as r:
            assert hashlib.sha256(r.read()).hexdigest() == f["core-metadata"]["sha256"]


def test_lock_index_records_match_its_files(bed_env):
    """Every listed wheel: before the cutoff, compatible with a target, its .metadata naming the
    wheel's project and version with the listed sha256; the wheel present iff not metadata-only
    (and then with the listed size and sha256)."""
    import email.parser
    import hashlib
    from lock_index import CUTOFF
    from packaging.version import Version
    root = Path(bed_env["BED_MIRROR_ROOT"]) / "lock"
    tags = set().union(*(t.tags() for t in TARGETS))
    records = sorted((root / "projects").glob("*.json"))
    assert len(records) > 100
    listed = full = 0
    for path in records:
        rec = json.loads(path.read_text())
        for f in rec["files"]:
            listed += 1
            name, version, _, ftags = parse_wheel_filename(f["filename"])
            assert name == rec["name"] and ftags & tags, f["filename"]
            assert f["upload-time"][:19] < CUTOFF[:19], f["filename"]
            meta = (root / "files" / (f["filename"] + ".metadata")).read_bytes()
            assert hashlib.sha256(meta).hexdigest() == f["core-metadata"]["sha256"]
            msg = email.parser.BytesParser().parsebytes(meta, headersonly=True)
            assert canonicalize_name(msg["Name"]) == name and Version(msg["Version"]) == version
            wheel = root / "files" / f["filename"]
            assert wheel.exists() == (not f["metadata-only"]), f["filename"]
            if wheel.exists():
                full += 1
                assert wheel.stat().st_size == f["size"]
                assert hashlib.sha256(wheel.read_bytes()).hexdigest() == f["hashes"]["sha256"]
    assert listed > 1000 and 0 < full < listed


def test_zz_summary(capsys):
    """One line for the log (runs last in this file)."""
    if not RESULTS:
        pytest.skip("no comparison ran")
    n = len(RESULTS)
    documented = sum(r["documented"] for r in RESULTS.values())
    with_sparkenv = [r for r in RESULTS.values() if "sparkenv" in r["tools"]]
    uv_pip = sum(1 for r in RESULTS.values() if not r["disagree"]["uv"] and not r["disagree"]["pip"])
    if with_sparkenv:
        agree_pip = sum(1 for r in with_sparkenv if not r["disagree"]["pip"])
        agree_uv = sum(1 for r in with_sparkenv if not r["disagree"]["uv"])
        line = (f"lock differential: {n} comparisons, {agree_pip} agree with pip, {agree_uv} with uv,"
                f" {documented} documented differences")
    else:
        line = (f"lock differential: {n} comparisons (no 'sparkenv lock' in {SPARKENV}),"
                f" uv and pip agree in {uv_pip}, {documented} documented differences")
    times = ", ".join(f"{tool} {sec:.0f}s" for tool, sec in sorted(SECONDS.items()))
    with capsys.disabled():
        print(f"\n{line} (time: {times})")
