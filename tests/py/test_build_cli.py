"""`sparkenv build` from the command line, without a network: crafted wheels
in a tmp folder, locked by hand for a real target (file:// URLs), and a
loopback HTTP server for the truncated downloads.

Every unsafe input is refused with its own whole message and exit code; the
output folder is then absent (or, when an environment was there, unchanged)
and nothing was written anywhere else in the test's folder -- only the
download cache may hold the (verified) wheel. The contract is
docs/build.md and docs/install.md.
"""
import hashlib
import http.server
import json
import re
import os
import pty
import select
import subprocess
import threading
from pathlib import Path

import pytest

import craft
from craft import Item, Wheel

TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
OK_MODULE = {"demo/__init__.py": b"VALUE = 1\n"}


@pytest.fixture(scope="module")
def tgt(sparkenv_bin):
    return craft.target(sparkenv_bin, *TARGET)


class Bed:
    """A test folder: wheels/, the lock, cache/ and the output env/."""

    def __init__(self, root: Path, tgt):
        self.root, self.tgt = root, tgt
        self.wheels = root / "wheels"
        self.wheels.mkdir()
        self.cache = root / "cache"
        self.out = root / "env"
        self.lock = root / "pylock.toml"
        self.packages = []

    def add(self, wheel: Wheel, url: str | None = None, data: bytes | None = None, size=True):
        path = self.wheels / wheel.filename
        path.write_bytes(data if data is not None else wheel.build())
        self.packages.append((wheel.name, wheel.version, "wheel",
                              craft.file_entry(path, url, size=size)))
        craft.write_lock(self.lock, self.tgt, self.packages)
        return path

    def build(self, run, *extra):
        return run("build", self.lock, "-o", self.out, "--cache-dir", self.cache, *extra)

    def snapshot(self):
        return craft.snapshot(self.root, skip=("cache",))


@pytest.fixture
def bed(tmp_path, tgt):
    return Bed(tmp_path, tgt)


def refused(run, bed, wheel_or_bytes, expected, code=2, **add):
    """Adds the wheel to a lock that also holds a good one, builds, and checks
    the refusal: message, exit code, no output, nothing written outside."""
    bed.add(Wheel("good", "1.0", {"good/__init__.py": b""}))
    if isinstance(wheel_or_bytes, Wheel):
        bed.add(wheel_or_bytes, **add)
    else:
        bed.add(Wheel("demo", "1.0"), data=wheel_or_bytes, **add)
    before = bed.snapshot()
    p = bed.build(run)
    assert (p.returncode, p.stderr) == (code, f"sparkenv: error: {expected}\n")
    assert not bed.out.exists()
    assert bed.snapshot() == before
    # The cache holds no layer of the refused wheel (only verified downloads
    # and the good wheel's layer).
    layers = list((bed.cache / "layers-v1").rglob("*.json")) if (bed.cache / "layers-v1").exists() else []
    assert len(layers) <= 1
    return p


W = "cannot install 'demo-1.0-py3-none-any.whl': "


def evil(*extra: Item, **kw) -> Wheel:
    return Wheel("demo", "1.0", dict(OK_MODULE), extra=list(extra), **kw)


def test_a_good_lock_builds(run, bed):
    bed.add(Wheel("demo", "1.0", OK_MODULE))
    p = bed.build(run)
    assert p.returncode == 0, p.stderr
    manifest = json.loads((bed.out / "manifest.json").read_text())
    assert [layer["package"] for layer in manifest["layers"]] == ["demo"]


def test_absolute_path(run, bed, tmp_path):
    target = tmp_path / "escape" / "evil.py"
    refused(run, bed, evil(Item(str(target), b"x")),
            W + f"entry '{target}' is an absolute path")
    assert not target.exists()


def test_dot_dot_component(run, bed, tmp_path):
    refused(run, bed, evil(Item("../../escape/evil.py", b"x")),
            W + "entry '../../escape/evil.py' has a '..' component")
    assert not (tmp_path / "escape").exists()


def test_symlink_leaving_the_tree_and_a_file_written_through_it(run, bed, tmp_path):
    (tmp_path / "outside").mkdir()
    refused(run, bed, evil(Item("demo/link", str(tmp_path / "outside").encode(), mode=0o120777),
                           Item("demo/link/evil.py", b"x")),
            W + "entry 'demo/link' is a symbolic link (sparkenv refuses links in wheels)")
    assert list((tmp_path / "outside").iterdir()) == []


def test_device_file(run, bed):
    refused(run, bed, evil(Item("demo/tty", b"", mode=0o20644, deflate=False)),
            W + "entry 'demo/tty' is a device or special file (mode 020644)")


def test_fifo(run, bed):
    refused(run, bed, evil(Item("demo/fifo", b"", mode=0o10644, deflate=False)),
            W + "entry 'demo/fifo' is a device or special file (mode 010644)")


def test_duplicate_entries(run, bed):
    refused(run, bed, evil(Item("demo/__init__.py", b"VALUE = 2\n")),
            W + "entry 'demo/__init__.py' appears twice in the archive")


def test_entries_that_differ_only_in_case(run, bed):
    refused(run, bed, evil(Item("demo/__INIT__.py", b"")),
            W + "entries 'demo/__init__.py' and 'demo/__INIT__.py' differ only in case")


def test_compression_ratio_bomb(run, bed):
    zeros = b"\0" * (8 << 20)
    comp = len(zlib_deflate(zeros))
    refused(run, bed, evil(Item("demo/zeros.bin", zeros)),
            W + f"entry 'demo/zeros.bin' inflates {comp} bytes to {len(zeros)}, more than 200 "
            "times (the limit against archive bombs)")


def zlib_deflate(data: bytes) -> bytes:
    import zlib
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def test_total_size_bomb(run, bed):
    # Two stored members that claim 3.75 GiB each (ratio 1:1): refused from
    # the central directory alone, before a byte is extracted.
    huge = 0xF0000000
    refused(run, bed, evil(Item("demo/a.bin", b"a", deflate=False, claimed_size=huge,
                                claimed_compressed_size=huge),
                           Item("demo/b.bin", b"b", deflate=False, claimed_size=huge,
                                claimed_compressed_size=huge)),
            W + "the entries inflate to more than the limit of 4294967296 bytes (the limit "
            "against archive bombs)")


def test_member_that_inflates_beyond_its_recorded_size(run, bed):
    refused(run, bed, Wheel("demo", "1.0", {"demo/big.py": b"#" * 5000}, lies={"demo/big.py": 10}),
            W + "invalid zip archive: member 'demo/big.py': inflates to more than its recorded "
            "size of 10 bytes", code=1)


def test_file_missing_from_record(run, bed):
    refused(run, bed, Wheel("demo", "1.0", {**OK_MODULE, "demo/hidden.py": b"x"},
                            unrecorded=("demo/hidden.py",)),
            W + "entry 'demo/hidden.py' is not listed in RECORD")


def test_file_with_the_wrong_hash_in_record(run, bed):
    data = b"VALUE = 1\n"
    refused(run, bed, Wheel("demo", "1.0", OK_MODULE, bad_hash=("demo/__init__.py",)),
            W + "entry 'demo/__init__.py' does not match its RECORD hash (RECORD has "
            f"{craft.record_hash(b'not ' + data)}, the file has {craft.record_hash(data)})")


def test_wheel_for_another_project_than_locked(run, bed):
    wheel = Wheel("other", "1.0", {"other/__init__.py": b""})
    refused(run, bed, wheel.build(),
            W + "the .dist-info folder 'other-1.0.dist-info' is not for demo 1.0")


def test_newer_wheel_version_major(run, bed):
    refused(run, bed, Wheel("demo", "1.0", OK_MODULE,
                            wheel_text="Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"),
            W + "WHEEL has Wheel-Version 2.0; sparkenv installs Wheel-Version 1.x only")


def test_hash_mismatch_against_the_lock(run, bed):
    path = bed.add(Wheel("demo", "1.0", OK_MODULE))
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    bed.lock.write_text(bed.lock.read_text().replace(good, "0" * 64))
    before = bed.snapshot()
    p = bed.build(run)
    assert (p.returncode, p.stderr) == (
        1, f"sparkenv: error: 'demo-1.0-py3-none-any.whl' from "
           f"{path.as_uri()}: sha256 mismatch: expected {'0' * 64}, got {good}\n")
    assert not bed.out.exists() and bed.snapshot() == before
    assert not list(bed.cache.rglob(good))


def test_truncated_local_file(run, bed):
    wheel = Wheel("demo", "1.0", OK_MODULE)
    path = bed.add(wheel)
    full = path.stat().st_size
    path.write_bytes(wheel.build()[:100])
    before = bed.snapshot()
    p = bed.build(run)
    assert (p.returncode, p.stderr) == (
        1, f"sparkenv: error: 'demo-1.0-py3-none-any.whl' from "
           f"{path.as_uri()}: size mismatch: expected {full} bytes, got 100 (truncated "
           "download)\n")
    assert not bed.out.exists() and bed.snapshot() == before


class ShortServer:
    """Serves every file of a folder, cut after `keep` bytes: either with the
    full Content-Length (the connection closes early) or unframed (HTTP/1.0,
    no Content-Length: the short body looks complete to the client)."""

    def __init__(self, folder: Path, keep: int, framed: bool):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                data = (folder / self.path.lstrip("/")).read_bytes()
                outer.requests += 1
                self.send_response(200)
                if framed:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:keep])
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.requests = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("framed", [False, True], ids=["unframed", "content-length"])
def test_truncated_download(run, bed, framed):
    wheel = Wheel("demo", "1.0", {"demo/__init__.py": b"# padding\n" * 500})
    data = wheel.build()
    server = ShortServer(bed.wheels, keep=len(data) // 2, framed=framed)
    try:
        url = f"{server.url}/{wheel.filename}"
        bed.add(wheel, url=url, data=data)
        before = bed.snapshot()
        p = bed.build(run)
    finally:
        server.close()
    if framed:
        # libcurl's words; the transfer is retried (docs/index-client.md).
        expected = (f"sparkenv: error: 'demo-1.0-py3-none-any.whl': GET {url}: Transferred a "
                    f"partial file (transfer closed with {len(data) - len(data) // 2} bytes "
                    "remaining to read) (after 3 attempts)\n")
        assert server.requests == 3
    else:
        expected = (f"sparkenv: error: 'demo-1.0-py3-none-any.whl' "
                    f"from {url}: size mismatch: expected {len(data)} bytes, got {len(data) // 2} "
                    "(truncated download)\n")
        assert server.requests == 1
    assert (p.returncode, p.stderr) == (1, expected)
    assert not bed.out.exists() and bed.snapshot() == before
    blobs = [b for b in bed.cache.rglob("*") if b.is_file()]
    assert blobs == [], "nothing unverified lands in the cache"


def test_a_refusal_leaves_an_earlier_environment_unchanged(run, bed):
    bed.add(Wheel("good", "1.0", {"good/__init__.py": b""}))
    assert bed.build(run).returncode == 0
    env_before = craft.snapshot(bed.out)
    bed.add(evil(Item("../evil.py", b"x")))
    before = bed.snapshot()
    p = bed.build(run)
    assert (p.returncode, p.stderr) == (2, f"sparkenv: error: {W}entry '../evil.py' has a '..' "
                                           "component\n")
    assert craft.snapshot(bed.out) == env_before
    assert bed.snapshot() == before


def test_progress_bar_on_a_terminal_only(run, bed, sparkenv_bin):
    # Big enough to take several redraw intervals through a slow server.
    wheel = Wheel("demo", "1.0", {"demo/data.bin": os.urandom(3 << 20)})
    data = wheel.build()
    slow = SlowServer(bed.wheels)
    try:
        bed.add(wheel, url=f"{slow.url}/{wheel.filename}", data=data)
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sparkenv_bin, [sparkenv_bin, "build", str(bed.lock), "-o", str(bed.out),
                                    "--cache-dir", str(bed.cache)])
        out = b""
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, out
        text = out.decode()
        bars = re.findall(r"\r\[[#.]+\]  [0-9.]+ [KM]iB/([0-9.]+ MiB)  0/1 files", text)
        assert bars and set(bars) == {craft_size(len(data))}, text
        # The bar is erased before the summary.
        assert re.search(r"\r\x1b\[KBuilt environment [0-9a-f]{12} \(1 layers", text), text
        # On a pipe: no bar, just the summary line.
        import shutil
        shutil.rmtree(bed.out)
        shutil.rmtree(bed.cache)
        p = bed.build(run)
    finally:
        slow.close()
    assert p.returncode == 0, p.stderr
    assert "\r" not in p.stderr and p.stderr.startswith("Built environment ")


def craft_size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


class SlowServer(ShortServer):
    """Serves files whole, 256 KiB every 50 ms."""

    def __init__(self, folder: Path):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                import time
                data = (folder / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for i in range(0, len(data), 256 << 10):
                    self.wfile.write(data[i:i + (256 << 10)])
                    self.wfile.flush()
                    time.sleep(0.05)

            def log_message(self, *args):
                pass

        self.requests = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        del outer
