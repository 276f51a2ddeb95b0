"""fetch::Fetcher with the real libcurl client against the bed's mirror (real
wheels from PyPI), through the dev tool build/fetch_files: downloads verify
against the index's sha256 and size, a second run is all cache hits (no
request reaches the mirror), wrong hashes and missing files are refused, and a
`kill -9` mid-download leaves a cache that the next run completes correctly.

Needs `tests/bed/bed up mirror` and `scripts/build` (for build/fetch_files).
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "build" / "fetch_files"
SMALL = ["six-1.17.0.tar.gz", "docutils-0.18.1-py2.py3-none-any.whl",
         "cloudpickle-3.1.3-py3-none-any.whl", "packaging-26.4-py3-none-any.whl",
         "joblib-1.6.0-py3-none-any.whl",
         "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]
LARGE = ["pyarrow-14.0.2-cp311-cp311-manylinux_2_28_x86_64.whl",
         "pyarrow-14.0.2-cp312-cp312-manylinux_2_28_x86_64.whl",
         "pyarrow-26.0.1-cp311-cp311-manylinux_2_28_x86_64.whl",
         "pyarrow-26.0.1-cp312-cp312-manylinux_2_28_x86_64.whl"]
HEX64 = re.compile(r"^[0-9a-f]{64}$")


@pytest.fixture(scope="module")
def mirror(bed_env):
    assert "BED_MIRROR_URL" in bed_env, "the mirror is not up: run tests/bed/bed up mirror"
    if not os.access(TOOL, os.X_OK):
        pytest.fail(f"{TOOL} not found: run scripts/build first")
    files = {}
    for record in Path(bed_env["BED_MIRROR_ROOT"], "projects").glob("*.json"):
        for f in json.loads(record.read_text())["files"]:
            files[f["filename"]] = f
    return {"url": bed_env["BED_MIRROR_URL"], "files": files,
            "log": Path(bed_env.get("BED_LOGS", "/root/.cache/sparkenv-dev/bed/logs"), "mirror.log")}


def arg(mirror, name, token, sha256=None, size=True):
    f = mirror["files"][name]
    spec = f"sha256={sha256 or f['hashes']['sha256']}"
    if size:
        spec += f"&size={f['size']}"
    # The token makes this test's requests recognizable in the shared access log.
    return f"{mirror['url']}/files/{name}?t={token}#{spec}"


def fetch(cache, *args, **kwargs):
    return subprocess.run([str(TOOL), "--cache-dir", str(cache), "--quiet", *args],
                          capture_output=True, text=True, timeout=300, **kwargs)


def blobs(cache: Path):
    return sorted(p for p in (cache / "blobs-v1").rglob("*") if p.is_file())


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def assert_every_blob_is_whole(cache: Path):
    """Every complete-looking entry has the sha256 its name says."""
    for p in blobs(cache):
        if HEX64.match(p.name):
            assert sha256_of(p) == p.name, f"corrupt blob {p}"
            assert p.parent.name == p.name[:2]
        else:
            assert ".tmp." in p.name, f"unexpected file in the blob cache: {p}"


def test_fetch_then_all_hits_without_requests(mirror, tmp_path):
    token = uuid.uuid4().hex
    args = [arg(mirror, name, token) for name in SMALL]
    first = fetch(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    total = sum(mirror["files"][n]["size"] for n in SMALL)
    assert first.stderr == f"hits=0 downloaded={len(SMALL)} bytes={total}\n"
    lines = first.stdout.splitlines()
    assert len(lines) == len(SMALL)
    for name, line in zip(SMALL, lines):
        path, url = line.split("\t")
        expected = mirror["files"][name]["hashes"]["sha256"]
        assert path == str(tmp_path / "blobs-v1" / "sha256" / expected[:2] / expected)
        assert url.endswith(f"/files/{name}?t={token}")
        assert sha256_of(Path(path)) == expected
    assert len(blobs(tmp_path)) == len(SMALL), "no temporary file is left behind"
    time.sleep(0.2)  # let the server flush its log line
    requests = [l for l in mirror["log"].read_text().splitlines() if token in l]
    assert len(requests) == len(SMALL)

    second = fetch(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert second.stderr == f"hits={len(SMALL)} downloaded=0 bytes=0\n"
    assert second.stdout == first.stdout
    time.sleep(0.2)
    again = [l for l in mirror["log"].read_text().splitlines() if token in l]
    assert again == requests, "a cache hit must not reach the mirror"


def test_wrong_hash_and_missing_file_are_refused(mirror, tmp_path):
    token = uuid.uuid4().hex
    name = "six-1.17.0.tar.gz"
    real = mirror["files"][name]["hashes"]["sha256"]
    wrong = hashlib.sha256(b"not six").hexdigest()
    url = f"{mirror['url']}/files/{name}?t={token}"
    proc = fetch(tmp_path, arg(mirror, name, token, sha256=wrong, size=False),
                 f"{mirror['url']}/files/no-such-1.0.whl#sha256={'0' * 64}")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        "hits=0 downloaded=0 bytes=0\n"
        "fetch_files: error: cannot fetch 2 of 2 files:\n"
        f"  'six-1.17.0.tar.gz' from {url}: sha256 mismatch: expected {wrong}, got {real}\n"
        f"  'no-such-1.0.whl' from {mirror['url']}/files/no-such-1.0.whl: HTTP 404 (not found)\n")
    assert blobs(tmp_path) == [], "nothing unverified lands in the cache"


def test_kill_9_mid_download_then_rerun(mirror, tmp_path):
    token = uuid.uuid4().hex
    args = [arg(mirror, name, token) for name in LARGE]
    proc = subprocess.Popen([str(TOOL), "--cache-dir", str(tmp_path), "--quiet", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill as soon as some download is under way (a temporary file with bytes).
    deadline = time.monotonic() + 60
    partial = []
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in blobs(tmp_path) if ".tmp." in p.name and p.stat().st_size > (1 << 20)]
        if partial:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the fetch finished before it could be killed"
    assert partial
    # What the kill left: no partial blob under a blob name; at most temp files.
    assert_every_blob_is_whole(tmp_path)
    leftovers = [p for p in blobs(tmp_path) if ".tmp." in p.name]
    assert leftovers, "the killed download's temporary file stays (cleaned later)"

    rerun = fetch(tmp_path, *args)
    assert rerun.returncode == 0, rerun.stderr
    assert_every_blob_is_whole(tmp_path)
    for name in LARGE:
        sha = mirror["files"][name]["hashes"]["sha256"]
        path = tmp_path / "blobs-v1" / "sha256" / sha[:2] / sha
        assert path.stat().st_size == mirror["files"][name]["size"]
    complete = [p for p in blobs(tmp_path) if HEX64.match(p.name)]
    assert len(complete) == len(LARGE)

    # The leftovers are young, so `cache clean` keeps them now; once they are
    # old it removes them (and the blobs).
    sparkenv = ROOT / "build" / "sparkenv"
    old = time.time() - 7200
    for p in leftovers:
        if p.exists():
            os.utime(p, (old, old))
    clean = subprocess.run([str(sparkenv), "cache", "clean", "--cache-dir", str(tmp_path)],
                           capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    assert blobs(tmp_path) == []


def test_two_processes_share_one_cache(mirror, tmp_path):
    token = uuid.uuid4().hex
    names = SMALL + LARGE[:1]
    args = [arg(mirror, name, token) for name in names]
    procs = [subprocess.Popen([str(TOOL), "--cache-dir", str(tmp_path), "--quiet", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    assert outs[0][0] == outs[1][0], "both get the same blob paths"
    assert_every_blob_is_whole(tmp_path)
    assert len(blobs(tmp_path)) == len(names), "no temporary file is left behind"


def test_progress_only_on_a_terminal(mirror, tmp_path):
    import pty
    token = uuid.uuid4().hex
    args = [arg(mirror, name, token) for name in LARGE[:2]]
    # Not a terminal: no progress, only the tool's summary line.
    piped = subprocess.run([str(TOOL), "--cache-dir", str(tmp_path / "a"), *args],
                           capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr.startswith("hits=0 downloaded=2 ")
    assert "\r" not in piped.stderr
    # A terminal: one line redrawn with \r, erased at the end.
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([str(TOOL), "--cache-dir", str(tmp_path / "b"), *args],
                            stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    assert proc.wait(timeout=300) == 0
    text = b"".join(chunks).decode()
    frames = [f for f in text.split("\r") if "files" in f]
    assert frames, text
    assert re.search(r"\[[#.]+\]  [0-9.]+ (B|KiB|MiB)/[0-9.]+ MiB  [0-2]/2 files", frames[0]), frames
    assert text.rstrip().endswith("hits=0 downloaded=2 bytes=%d" % sum(
        mirror["files"][n]["size"] for n in LARGE[:2]))
