"""`sparkenv cache dir|info|clean`: where the cache is, what it holds, and
cleaning that keeps downloads in progress (young temporary files)."""
import hashlib
import os
import time
from pathlib import Path

import pytest


def make_cache(root: Path):
    """A cache with one blob, one HTTP entry, a young and an old temporary file."""
    data = b"wheel bytes" * 100
    sha = hashlib.sha256(data).hexdigest()
    blob = root / "blobs-v1" / "sha256" / sha[:2] / sha
    blob.parent.mkdir(parents=True)
    blob.write_bytes(data)
    young = blob.with_name(sha + ".tmp.123.456")
    young.write_bytes(b"partial")
    old = blob.with_name(sha + ".tmp.789.1")
    old.write_bytes(b"stale download")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    entry = root / "simple-v1" / "ab" / ("ab" * 32 + ".entry")
    entry.parent.mkdir(parents=True)
    entry.write_bytes(b"sparkenv-cache-entry 1\n{}\nbody")
    return {"blob": blob, "young": young, "old": old, "entry": entry, "size": len(data)}


def test_dir_follows_option_then_environment(run, tmp_path):
    proc = run("cache", "dir", "--cache-dir", tmp_path / "c")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"{tmp_path / 'c'}\n", "")
    env = dict(os.environ, SPARKENV_CACHE_DIR=str(tmp_path / "env"))
    assert run("cache", "dir", env=env).stdout == f"{tmp_path / 'env'}\n"
    env = {k: v for k, v in os.environ.items() if k != "SPARKENV_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    assert run("cache", "dir", env=env).stdout == f"{tmp_path / 'xdg' / 'sparkenv'}\n"
    del env["XDG_CACHE_HOME"]
    env["HOME"] = str(tmp_path / "home")
    assert run("cache", "dir", env=env).stdout == f"{tmp_path / 'home' / '.cache' / 'sparkenv'}\n"


def test_info_counts_each_folder(run, tmp_path):
    files = make_cache(tmp_path)
    proc = run("cache", "info", "--cache-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        f"Cache root: {tmp_path}\n"
        "  blobs-v1         1 file  1.1 KiB\n"
        "  simple-v1        1 file  30 B\n"
        "  temporary       2 files  21 B\n"
    )
    assert files["size"] == 1100


def test_info_on_a_missing_cache_is_empty(run, tmp_path):
    proc = run("cache", "info", "--cache-dir", tmp_path / "none")
    assert proc.returncode == 0, proc.stderr
    assert "  blobs-v1        0 files  0 B\n" in proc.stdout
    assert not (tmp_path / "none").exists(), "info must not create the cache"


def test_clean_blobs_keeps_http_and_young_temp_files(run, tmp_path):
    files = make_cache(tmp_path)
    proc = run("cache", "clean", "--blobs", "--cache-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (
        f"Removed 2 files (1.1 KiB) from {tmp_path}\n"
        "Kept 1 file being written (temporary files younger than one hour)\n"
    )
    assert not files["blob"].exists()
    assert not files["old"].exists()
    assert files["young"].exists()
    assert files["entry"].exists()


def test_clean_http_only(run, tmp_path):
    files = make_cache(tmp_path)
    proc = run("cache", "clean", "--http", "--cache-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"Removed 1 file (30 B) from {tmp_path}\n"
    assert not files["entry"].exists()
    assert files["blob"].exists() and files["old"].exists()


def test_clean_everything_and_leave_unknown_files(run, tmp_path):
    files = make_cache(tmp_path)
    other = tmp_path / "blobs-v1" / "notes.txt"
    other.write_text("not a blob")
    proc = run("cache", "clean", "--cache-dir", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Removed 3 files (1.1 KiB) from {tmp_path}\n")
    assert other.exists()
    assert files["young"].exists()
    after = run("cache", "info", "--cache-dir", tmp_path).stdout
    assert "  blobs-v1        0 files  0 B\n" in after
    assert "  temporary        1 file  7 B\n" in after


@pytest.mark.parametrize(
    "args, message",
    [
        (["cache"], "A subcommand is required"),
        (["cache", "clean", "--bogus"], "The following argument was not expected: --bogus"),
        (["cache", "dir", "--cache-dir"], "--cache-dir: 1 required TEXT missing"),
        (["cache", "size"], "A subcommand is required"),
    ],
)
def test_bad_usage_exits_2(run, args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"sparkenv: error: {message}\n"


def test_no_home_is_an_input_error(run):
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOME", "SPARKENV_CACHE_DIR", "XDG_CACHE_HOME")}
    proc = run("cache", "dir", env=env)
    assert proc.returncode == 2
    assert proc.stderr == "sparkenv: error: no cache folder: set SPARKENV_CACHE_DIR (or HOME)\n"
