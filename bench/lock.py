#!/usr/bin/env python3
"""Benchmark: `sparkenv lock` against uv, pip and pex, on the test bed's PyPI mirror.

Every tool resolves the same requirement set for the same target (CPython 3.11,
manylinux_2_28_x86_64) from the same loopback index, with no PyPI: the bed
mirror's files (scripts/setup), served for the run by a private instance of
tests/bed/mirror/server.py on a free port. Each run is a
fresh process (process start included); wall time, user+sys CPU and peak RSS
(of the process and the children it waited for) are recorded per run.

Modes, per repetition and per tool:
  cold  a new, empty cache folder; the tool runs once
  warm  the same tool runs again on the cache folder the cold run just filled

Output: a JSON file with every run, a markdown table (medians, and ratios
peer/sparkenv: >1 means sparkenv is faster), a PNG plot. See docs/benchmarks.md.

    scripts/bench lock                      # all sets, 5 repetitions
    scripts/bench lock --smoke              # 1 set, 1 repetition: a manual check
    bench/lock.py --help

Not part of scripts/test: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS_DIR = ROOT / "tests" / "bed" / "mirror" / "sets"
DEFAULT_SETS = ["pandas", "datasci", "datasci-2023"]
TOOL_ORDER = ["sparkenv", "uv", "uv-pylock", "pip", "pex", "pex-ready"]
MODES = ["cold", "warm"]
PYTHON = "3.11"
PLATFORM = "manylinux_2_28_x86_64"
RUN_TIMEOUT = 600

sys.path.insert(0, str(ROOT / "tests" / "bed" / "mirror"))
from build_mirror import manylinux_platforms  # noqa: E402


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dev_cache() -> Path:
    return Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))


def venv_bin(name: str) -> str:
    """A tool from the dev venv (the one running this script), else from PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    return found or name


def capture(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except OSError as e:
        return f"unavailable ({e.strerror})"
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else "unavailable"


# --- The tools -------------------------------------------------------------
# Each tool: how to run it (argv for one requirement set, cache folder, output
# file), how to read what it resolved ({normalized name: version}), its version.


class Tool:
    name = ""
    label = ""
    output = "out"

    def __init__(self, args: argparse.Namespace):
        self.args = args

    def version(self) -> str:
        raise NotImplementedError

    def available(self) -> str | None:
        """None when the tool can run, else why not."""
        return None

    def command(self, reqs: Path, index: str, cache: Path, out: Path) -> list[str]:
        raise NotImplementedError

    def resolved(self, out: Path) -> dict[str, str]:
        raise NotImplementedError

    def setup(self, work: Path, sets: dict[str, Path]) -> None:
        """Runs once before any measurement."""

    def cache_dir(self, work: Path, set_name: str, rep: int) -> Path:
        """The cache folder of one cold+warm pair: new and empty."""
        cache = work / f"{self.name}-{set_name}-{rep}-cache"
        cache.mkdir()
        return cache


def pylock_packages(out: Path) -> dict[str, str]:
    with open(out, "rb") as f:
        lock = tomllib.load(f)
    return {normalize(p["name"]): str(p["version"]) for p in lock.get("packages", [])}


class Sparkenv(Tool):
    name = "sparkenv"
    label = "sparkenv lock"
    output = "pylock.toml"

    def version(self) -> str:
        return capture([self.args.sparkenv, "--version"])

    def available(self) -> str | None:
        exe = Path(self.args.sparkenv)
        if not exe.exists():
            return f"{exe} does not exist (run scripts/build)"
        help_text = subprocess.run([str(exe), "lock", "--help"], capture_output=True, text=True)
        if help_text.returncode != 0 or "--index-url" not in help_text.stdout + help_text.stderr:
            return f"{exe} has no 'lock' command"
        return None

    def command(self, reqs, index, cache, out):
        return [self.args.sparkenv, "lock", "-r", str(reqs), "--index-url", index,
                "--python", PYTHON, "--platform", PLATFORM, "--cache-dir", str(cache), "-o", str(out)]

    def resolved(self, out):
        return pylock_packages(out)


class Uv(Tool):
    name = "uv"
    label = "uv pip compile"
    output = "requirements.txt"

    def version(self) -> str:
        return capture([venv_bin("uv"), "--version"])

    def available(self):
        return None if shutil.which(venv_bin("uv")) else "uv is not installed (scripts/setup)"

    def command(self, reqs, index, cache, out):
        # --python: an interpreter uv need not search for. Without it uv runs
        # the first python3.11 on PATH to query it; on a machine with pyenv
        # that is a shell shim costing ~0.2 s per run, which is not uv's cost.
        return [venv_bin("uv"), "pip", "compile", str(reqs), "--no-config", "--python", sys.executable,
                "--python-version", PYTHON,
                "--python-platform", "x86_64-" + PLATFORM.removesuffix("_x86_64"),
                "--index-url", index, "--cache-dir", str(cache), "-o", str(out)]

    def resolved(self, out):
        pins = {}
        for line in out.read_text().splitlines():
            m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
            if m:
                pins[normalize(m.group(1))] = m.group(2)
        return pins


class UvPylock(Uv):
    name = "uv-pylock"
    label = "uv pip compile --format pylock.toml"
    output = "pylock.toml"

    def available(self):
        why = super().available()
        if why:
            return why
        help_text = subprocess.run([venv_bin("uv"), "pip", "compile", "--help"], capture_output=True, text=True)
        return None if "pylock.toml" in help_text.stdout else "this uv has no --format pylock.toml"

    def command(self, reqs, index, cache, out):
        return super().command(reqs, index, cache, out) + ["--format", "pylock.toml"]

    def resolved(self, out):
        return pylock_packages(out)


class Pip(Tool):
    name = "pip"
    label = "pip install --dry-run --report"
    output = "report.json"

    def version(self) -> str:
        return capture([sys.executable, "-m", "pip", "--version"]).split(" from ")[0]

    def command(self, reqs, index, cache, out):
        cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
               "--disable-pip-version-check", "--no-input", "--report", str(out),
               "--only-binary=:all:", "--implementation", "cp", "--python-version", PYTHON,
               "--abi", "cp" + PYTHON.replace(".", "")]
        for plat in manylinux_platforms():
            cmd += ["--platform", plat]
        return cmd + ["--index-url", index, "--cache-dir", str(cache), "-r", str(reqs)]

    def resolved(self, out):
        report = json.loads(out.read_text())
        return {normalize(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}


class Pex(Tool):
    """pex3 lock create, with a modern pip so that it reads PEP 658 metadata
    (--avoid-downloads) instead of downloading every wheel.

    Pex runs pip from a venv it builds in its own cache (--pex-root), from
    wheels of pip, setuptools and wheel; with --no-pypi it looks for them on
    the index. The mirror has no pip, so the three wheels pex wants are
    downloaded once from PyPI (pip download) into PEX_PIP_DIR and given to pex
    with --find-links. When that is impossible, pex's vendored pip 20.3.4 is
    used (it downloads every wheel to hash it), and the results say so.
    """

    name = "pex"
    label = "pex3 lock create"
    output = "lock.json"

    def __init__(self, args):
        super().__init__(args)
        self.pip_version = "vendored"
        self.find_links: Path | None = None

    def version(self) -> str:
        return capture([venv_bin("pex3"), "--version"]) + f" (pip {self.pip_version_label()})"

    def pip_version_label(self) -> str:
        return "20.3.4-patched, vendored" if self.pip_version == "vendored" else self.pip_version

    def available(self):
        if not shutil.which(venv_bin("pex3")):
            return "pex is not installed (scripts/setup)"
        self.prepare()
        return None

    def prepare(self) -> None:
        """Finds (or downloads once) the wheels of the newest pip this pex
        supports; tries at most 3 versions, newest first."""
        probe = subprocess.run(
            [sys.executable, "-c",
             "from pex.pip.version import PipVersion as V\n"
             "vs = sorted((v for v in V.values() if v is not V.VENDORED and not v.hidden),\n"
             "            key=lambda v: v.version, reverse=True)\n"
             "for v in vs[:3]: print(v, *(str(r) for r in v.requirements))"],
            capture_output=True, text=True)
        if probe.returncode != 0:
            log(f"pex: cannot list the pip versions it supports, using its vendored pip: {probe.stderr[-300:]}")
            return
        for line in probe.stdout.splitlines():
            version, *reqs = line.split()
            folder = dev_cache() / "bench" / "pex-pip" / version
            stamp = folder / "complete"
            if (folder / "unavailable").exists():
                continue
            if not stamp.exists():
                folder.mkdir(parents=True, exist_ok=True)
                log(f"pex: downloading {' '.join(reqs)} once (PyPI) into {folder}")
                got = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                      "--only-binary=:all:", "--disable-pip-version-check", "-d", str(folder),
                                      *reqs], capture_output=True, text=True)
                if got.returncode != 0:
                    log(f"pex: pip {version} is not available: {got.stderr.strip().splitlines()[-1:]}")
                    (folder / "unavailable").write_text(got.stderr)
                    continue
                stamp.write_text(" ".join(reqs) + "\n")
            self.pip_version = version
            self.find_links = folder
            return
        log("pex: no modern pip could be had, using its vendored pip (it downloads every wheel)")

    def complete_platform(self) -> Path:
        """The target as a pex complete platform (markers + every compatible
        tag, from packaging). An abbreviated --platform manylinux_2_28_x86_64
        would not do: pip does not expand it to the older manylinux tags, so
        pex would miss numpy 1.26's manylinux2014 wheel."""
        from packaging import tags
        ver = tuple(int(x) for x in PYTHON.split("."))
        cp = "cp" + PYTHON.replace(".", "")
        plats = manylinux_platforms()
        compatible = [str(t) for t in tags.cpython_tags(ver, abis=[cp], platforms=plats)]
        compatible += [str(t) for t in tags.compatible_tags(ver, cp, platforms=plats)]
        markers = {
            "implementation_name": "cpython", "implementation_version": f"{PYTHON}.0", "os_name": "posix",
            "platform_machine": "x86_64", "platform_python_implementation": "CPython",
            "platform_release": "", "platform_system": "Linux", "platform_version": "",
            "python_full_version": f"{PYTHON}.0", "python_version": PYTHON, "sys_platform": "linux"}
        path = dev_cache() / "bench" / f"pex-complete-platform-cp{PYTHON.replace('.', '')}-{PLATFORM}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"marker_environment": markers, "compatible_tags": compatible}))
        return path

    def command(self, reqs, index, cache, out):
        if not hasattr(self, "_platform_file"):
            self._platform_file = self.complete_platform()
        cmd = [venv_bin("pex3"), "lock", "create", "--style", "strict", "--avoid-downloads",
               "--no-pypi", "--index-url", index,
               "--complete-platform", str(self._platform_file),
               "--pex-root", str(cache), "-r", str(reqs), "-o", str(out)]
        if self.find_links:
            cmd += ["--pip-version", self.pip_version, "-f", str(self.find_links)]
        return cmd

    def resolved(self, out):
        lock = json.loads(out.read_text())
        pins = {}
        for resolve in lock["locked_resolves"]:
            for req in resolve["locked_requirements"]:
                pins[normalize(req["project_name"])] = req["version"]
        return pins


class PexReady(Pex):
    """pex whose cold cache already holds its pip venv (as for a user who has
    run pex before): the pex root is seeded once by an unmeasured lock of
    the first set, then stripped of everything the index gave (pip's HTTP
    cache, pex's PEP 691 database, downloads). pex's venvs hold absolute
    paths, so every cold run restores the seed at the same path."""

    name = "pex-ready"
    label = "pex3 lock create, pip venv already built"

    def setup(self, work: Path, sets: dict[str, Path]) -> None:
        self.root = work / "pex-ready-root"
        self.seed = work / "pex-ready-seed"
        set_name, reqs = next(iter(sets.items()))
        out = work / "pex-ready-seed.lock"
        log("pex-ready: building the seed pex root (not measured)")
        done = subprocess.run(self.command(reqs, index_for(self.args, set_name), self.root, out), capture_output=True, text=True, env=clean_env())
        if done.returncode != 0:
            sys.exit(f"bench: pex-ready: the seed run failed:\n{done.stderr[-2000:]}")
        for index_data in [self.root / "dbs", self.root / "downloads", *self.root.glob("pip/*/*/pip_cache")]:
            shutil.rmtree(index_data, ignore_errors=True)
        self.root.rename(self.seed)

    def cache_dir(self, work: Path, set_name: str, rep: int) -> Path:
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.copytree(self.seed, self.root, symlinks=True)
        return self.root


TOOLS = {cls.name: cls for cls in (Sparkenv, Uv, UvPylock, Pip, Pex, PexReady)}


# --- Running ----------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def clean_env() -> dict[str, str]:
    """The caller's environment without the tools' own configuration."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_", "PEX_", "SPARKENV_CACHE", "SPARKENV_INDEX"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


GNU_TIME = "/usr/bin/time"


def run_once(cmd: list[str], workdir: Path, log_path: Path) -> dict:
    """Runs cmd in a fresh process; wall time around it, CPU from wait4.

    Peak RSS comes from GNU time (%M), which forks the tool from its own
    small process: the ru_maxrss that wait4 gives this script would count
    the pages of this Python process the child had before exec (a floor of
    ~30 MB, more as the results grow)."""
    rss_file = log_path.with_suffix(".rss")
    if os.access(GNU_TIME, os.X_OK):
        cmd = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    with open(log_path, "wb") as logf:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=clean_env())
        timer = threading.Timer(RUN_TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kb = usage.ru_maxrss
    try:
        rss_kb = int(rss_file.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return {"seconds": round(wall, 4), "user": round(usage.ru_utime, 3), "sys": round(usage.ru_stime, 3),
            "max_rss_kb": rss_kb, "exit": proc.returncode}


def tail(path: Path, n: int = 8) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def machine_info() -> dict:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "kernel": platform.release(), "os": platform.platform(terse=True),
            "python": platform.python_version(), "nice": os.nice(0), "loadavg_start": os.getloadavg()}


def check_index(url: str) -> None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            r.read(1)
    except OSError as e:
        sys.exit(f"bench: the index {url!r} does not answer ({e})")


def index_for(args: argparse.Namespace, set_name: str) -> str:
    """The main index for the main sets, the lock index for lock-* sets
    (docs/bed-mirror.md), unless --index-url names one for all."""
    if args.index_url:
        return args.index_url
    return args.mirror_url.rstrip("/") + ("/lock/simple/" if set_name.startswith("lock-") else "/simple/")


class PrivateMirror:
    """The bed's mirror server (tests/bed/mirror/server.py) on a free loopback
    port, for this benchmark alone: no other client's traffic, and the
    server code of this checkout."""

    def __init__(self, root: Path, log_path: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "bed" / "mirror" / "server.py"), "--root", str(root),
             "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/simple/", timeout=2) as r:
                    r.read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    sys.exit(f"bench: the private mirror did not start (log: {log_path})")
                time.sleep(0.1)

    def requests(self) -> int:
        """How many requests the server has logged so far (one line each)."""
        with open(self.log_path, "rb") as f:
            return f.read().count(b"\"GET ")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def discover_sets(names: list[str] | None) -> dict[str, Path]:
    if not names:
        names = DEFAULT_SETS + sorted(p.stem for p in SETS_DIR.glob("lock-*.txt"))
    sets = {}
    for name in names:
        path = Path(name)
        if not path.suffix:
            path = SETS_DIR / f"{name}.txt"
        if not path.is_file():
            sys.exit(f"bench: requirement set {str(path)!r} does not exist")
        sets[path.stem] = path
    return sets


def benchmark(args: argparse.Namespace, mirror: PrivateMirror | None = None) -> dict:
    sets = discover_sets(args.sets)
    tools = []
    skipped = {}
    for name in args.tools:
        tool = TOOLS[name](args)
        why = tool.available()
        if why:
            log(f"skipping {name}: {why}")
            skipped[name] = why
        else:
            tools.append(tool)
    if not tools:
        sys.exit("bench: no tool can run")
    work = Path(tempfile.mkdtemp(prefix="sparkenv-bench-lock-", dir=args.workdir))
    result = {
        "benchmark": "lock",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "target": {"python": PYTHON, "platform": PLATFORM},
        "index_urls": {name: index_for(args, name) for name in sets},
        "mirror": args.mirror_kind,
        "repetitions": args.reps,
        "baseline": args.baseline,
        "sets": {k: str(v.relative_to(ROOT)) if v.is_relative_to(ROOT) else str(v) for k, v in sets.items()},
        "tools": {t.name: {"label": t.label, "version": t.version()} for t in tools},
        "skipped": skipped,
        "commands": {},
        "runs": [],
    }
    total = args.reps * len(sets) * len(tools)
    done = 0
    try:
        for tool in tools:
            tool.setup(work, sets)
        # Repetition-major order, tools interleaved: a slow minute on the
        # shared machine hits every tool rather than one.
        for rep in range(args.reps):
            for set_name, reqs in sets.items():
                for tool in tools:
                    cache = tool.cache_dir(work, set_name, rep)
                    for mode in MODES:
                        out_dir = work / f"{tool.name}-{set_name}-{rep}-{mode}"
                        out_dir.mkdir()
                        out = out_dir / tool.output
                        cmd = tool.command(reqs, index_for(args, set_name), cache, out)
                        result["commands"].setdefault(f"{tool.name}/{set_name}", cmd)
                        before = mirror.requests() if mirror else 0
                        run = run_once(cmd, out_dir, out_dir / "log.txt")
                        if mirror:
                            time.sleep(0.02)  # the server logs a request after answering it
                            run["requests"] = mirror.requests() - before
                        run.update({"tool": tool.name, "set": set_name, "mode": mode, "rep": rep})
                        if run["exit"] == 0:
                            try:
                                run["resolved"] = tool.resolved(out)
                            except (OSError, ValueError, KeyError, tomllib.TOMLDecodeError) as e:
                                run["error"] = f"cannot read the output: {e}"
                        else:
                            run["error"] = tail(out_dir / "log.txt")
                            log(f"{tool.name} {set_name} {mode} failed (exit {run['exit']}):\n{run['error']}")
                        result["runs"].append(run)
                    if not args.keep:
                        shutil.rmtree(cache, ignore_errors=True)
                    done += 1
                    cold, warm = result["runs"][-2:]
                    log(f"[{done}/{total}] rep {rep + 1} {set_name:14} {tool.name:10} "
                        f"cold {cold['seconds']:6.2f}s warm {warm['seconds']:6.2f}s "
                        f"rss {cold['max_rss_kb'] / 1024:5.0f} MB")
    finally:
        if args.keep:
            log(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["machine"]["loadavg_end"] = os.getloadavg()
    result["summary"] = summarize(result)
    result["agreement"] = agreement(result)
    return result


def summarize(result: dict) -> list[dict]:
    rows = []
    groups: dict[tuple, list[dict]] = {}
    for run in result["runs"]:
        groups.setdefault((run["set"], run["mode"], run["tool"]), []).append(run)
    for (set_name, mode, tool), runs in groups.items():
        ok = [r for r in runs if r["exit"] == 0 and "error" not in r]
        row = {"set": set_name, "mode": mode, "tool": tool, "runs": len(runs), "ok": len(ok)}
        if ok:
            row.update({
                "median": round(statistics.median(r["seconds"] for r in ok), 4),
                "min": round(min(r["seconds"] for r in ok), 4),
                "cpu_median": round(statistics.median(r["user"] + r["sys"] for r in ok), 3),
                "rss_mb_median": round(statistics.median(r["max_rss_kb"] for r in ok) / 1024, 1),
                "packages": len(ok[0]["resolved"]),
            })
            if all("requests" in r for r in ok):
                row["requests_median"] = statistics.median(r["requests"] for r in ok)
        rows.append(row)
    base = {(r["set"], r["mode"]): r for r in rows if r["tool"] == result["baseline"] and "median" in r}
    for row in rows:
        b = base.get((row["set"], row["mode"]))
        if b and "median" in row:
            row["ratio"] = round(row["median"] / b["median"], 2)
            row["rss_ratio"] = round(row["rss_mb_median"] / b["rss_mb_median"], 2)
    return rows


def agreement(result: dict) -> dict:
    """Per set: does each tool pick the same versions as the baseline?"""
    picks: dict[str, dict[str, dict]] = {}
    for run in result["runs"]:
        if "resolved" in run:
            picks.setdefault(run["set"], {}).setdefault(run["tool"], run["resolved"])
    out = {}
    for set_name, by_tool in picks.items():
        ref_tool = result["baseline"] if result["baseline"] in by_tool else next(iter(by_tool))
        ref = by_tool[ref_tool]
        out[set_name] = {"reference": ref_tool, "resolution": ref, "tools": {}}
        for tool, pins in by_tool.items():
            diff = sorted(
                f"{n} {ref.get(n, 'absent')} in {ref_tool}, {pins.get(n, 'absent')} in {tool}"
                for n in set(ref) | set(pins) if ref.get(n) != pins.get(n))
            out[set_name]["tools"][tool] = {"packages": len(pins), "same": not diff, "differences": diff}
    return out


# --- Reporting --------------------------------------------------------------


def fmt_seconds(s: float) -> str:
    if s < 1:
        return f"{s * 1000:.0f} ms"
    return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"


def markdown(result: dict) -> str:
    tools = [t for t in TOOL_ORDER if t in result["tools"]]
    baseline = result["baseline"]
    summary = {(r["set"], r["mode"], r["tool"]): r for r in result["summary"]}
    sets = list(result["sets"])
    m = result["machine"]
    lines = []
    lines.append(f"Run {result['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
                 f"{m['os']}; load average {m['loadavg_start'][0]:.1f} at the start, "
                 f"{m['loadavg_end'][0]:.1f} at the end; niceness {m['nice']}. "
                 f"{result['repetitions']} repetitions; target CPython {result['target']['python']}, "
                 f"{result['target']['platform']}.")
    lines.append("")
    lines.append("Tools: " + "; ".join(f"{t} = `{result['tools'][t]['label']}` "
                                     f"({result['tools'][t]['version']})" for t in tools) + ".")
    if result["skipped"]:
        lines.append("")
        lines.append("Not run: " + "; ".join(f"{t} ({why})" for t, why in result["skipped"].items()) + ".")
    lines.append("")

    def cell(key, value, ratio_key, unit):
        r = summary.get(key)
        if not r:
            return "—"
        if "median" not in r:
            return f"failed ({r['runs'] - r['ok']}/{r['runs']})"
        text = unit(r[value])
        if key[2] != baseline and ratio_key in r:
            text += f" (**{r[ratio_key]:.2f}×**)"
        return text

    lines.append(f"**Wall time**, median of {result['repetitions']} (in parentheses: peer ÷ {baseline}; "
                 f">1 means {baseline} is faster):")
    lines.append("")
    lines.append("| set | packages | cache | " + " | ".join(tools) + " |")
    lines.append("|---|---:|---|" + "---:|" * len(tools))
    for s in sets:
        pk = next((summary[(s, "cold", t)].get("packages") for t in tools
                   if (s, "cold", t) in summary and "packages" in summary[(s, "cold", t)]), "?")
        for mode in MODES:
            lines.append(f"| {s} | {pk} | {mode} | " + " | ".join(
                cell((s, mode, t), "median", "ratio", fmt_seconds) for t in tools) + " |")
    lines.append("")
    lines.append(f"**Fastest run** (min of {result['repetitions']}) and **CPU time** (user+sys, median):")
    lines.append("")
    lines.append("| set | cache | " + " | ".join(tools) + " |")
    lines.append("|---|---|" + "---:|" * len(tools))
    for s in sets:
        for mode in MODES:
            cells = []
            for t in tools:
                r = summary.get((s, mode, t))
                cells.append(f"{fmt_seconds(r['min'])} / {fmt_seconds(r['cpu_median'])} cpu"
                             if r and "median" in r else "—")
            lines.append(f"| {s} | {mode} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"**Peak RSS** (MB, median; in parentheses: peer ÷ {baseline}):")
    lines.append("")
    lines.append("| set | cache | " + " | ".join(tools) + " |")
    lines.append("|---|---|" + "---:|" * len(tools))
    for s in sets:
        for mode in MODES:
            lines.append(f"| {s} | {mode} | " + " | ".join(
                cell((s, mode, t), "rss_mb_median", "rss_ratio", lambda v: f"{v:.0f}") for t in tools) + " |")
    lines.append("")
    if any("requests_median" in r for r in result["summary"]):
        lines.append("**HTTP requests** to the mirror per run (median):")
        lines.append("")
        lines.append("| set | cache | " + " | ".join(tools) + " |")
        lines.append("|---|---|" + "---:|" * len(tools))
        for s in sets:
            for mode in MODES:
                cells = []
                for t in tools:
                    r = summary.get((s, mode, t))
                    cells.append(f"{r['requests_median']:.0f}" if r and "requests_median" in r else "—")
                lines.append(f"| {s} | {mode} | " + " | ".join(cells) + " |")
        lines.append("")
    agree = result.get("agreement", {})
    notes = []
    for s in sets:
        a = agree.get(s)
        if not a:
            continue
        differ = {t: v for t, v in a["tools"].items() if not v["same"]}
        if differ:
            same = sorted(t for t, v in a["tools"].items() if v["same"])
            notes.append(f"- {s}: {', '.join(same)} pick the same {len(a['resolution'])} versions; "
                         + "; ".join(f"{t} differs: {', '.join(v['differences'])}" for t, v in differ.items()))
        else:
            notes.append(f"- {s}: all {len(a['tools'])} tools pick the same {len(a['resolution'])} "
                         f"versions ({', '.join(f'{n} {v}' for n, v in sorted(a['resolution'].items()))}).")
    if notes:
        lines.append("**Same answer?**")
        lines.append("")
        lines.extend(notes)
        lines.append("")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tools = [t for t in TOOL_ORDER if t in result["tools"]]
    sets = list(result["sets"])
    summary = {(r["set"], r["mode"], r["tool"]): r for r in result["summary"]}
    colors = {"sparkenv": "#d62728", "uv": "#6a3d9a", "uv-pylock": "#b294c7", "pip": "#1f77b4", "pex": "#2ca02c",
              "pex-ready": "#98df8a"}
    if len(sets) <= 4:
        fig, axes = plt.subplots(1, len(MODES), figsize=(5.2 * len(MODES), 4.2))
    else:
        fig, axes = plt.subplots(len(MODES), 1, figsize=(max(8.0, 0.75 * len(sets) * len(tools) / 3), 8.0))
    width = 0.8 / len(tools)
    for ax, mode in zip(axes, MODES):
        for i, tool in enumerate(tools):
            xs, med, lo = [], [], []
            for j, s in enumerate(sets):
                r = summary.get((s, mode, tool))
                if r and "median" in r:
                    xs.append(j + (i - (len(tools) - 1) / 2) * width)
                    med.append(r["median"])
                    lo.append(r["median"] - r["min"])
            bars = ax.bar(xs, med, width, label=tool, color=colors.get(tool))
            ax.errorbar(xs, med, yerr=[lo, [0] * len(lo)], fmt="none", ecolor="black", elinewidth=0.8,
                        capsize=2)
            for b, v in zip(bars, med):
                ax.annotate(fmt_seconds(v).replace(" ", ""), (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom",
                            fontsize=6, rotation=90, xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(range(len(sets)), sets, fontsize=8, rotation=20 if len(sets) > 4 else 0)
        ax.set_title(f"{mode} cache", fontsize=10)
        ax.set_yscale("log")
        ax.set_ylabel("seconds, log scale (median; whisker down to the fastest run)", fontsize=8)
        ax.margins(y=0.2)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(tools), fontsize=8, frameon=False)
    m = result["machine"]
    fig.suptitle(f"Lock for CPython {PYTHON} {PLATFORM} from a loopback mirror — lower is better\n"
                 f"{result['date'][:10]}, {m['cores']} shared cores, {result['repetitions']} repetitions",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_docs(doc: Path, section: str, table: str, image: Path) -> None:
    """Replaces the text between the section's begin and end markers."""
    begin = f"<!-- bench-lock:{section}:begin (generated by bench/lock.py --update-docs {section}) -->"
    end = f"<!-- bench-lock:{section}:end -->"
    text = doc.read_text()
    if begin not in text or end not in text:
        sys.exit(f"bench: {doc} has no {begin!r} ... {end!r} section")
    rel = os.path.relpath(image, doc.parent)
    block = f"{begin}\n{table}\n![lock benchmark, {section}]({rel})\n{end}"
    head, rest = text.split(begin, 1)
    _, tail_text = rest.split(end, 1)
    doc.write_text(head + block + tail_text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", type=lambda s: s.split(","), default=None,
                   help=f"comma-separated set names from {SETS_DIR.relative_to(ROOT)} or paths "
                        f"(default: {','.join(DEFAULT_SETS)} and every lock-*.txt)")
    p.add_argument("--tools", type=lambda s: s.split(","), default=TOOL_ORDER,
                   help=f"comma-separated, from {','.join(TOOL_ORDER)} (default: all)")
    p.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    p.add_argument("--smoke", action="store_true", help="a quick manual check: the pandas set, 1 repetition")
    p.add_argument("--baseline", default="sparkenv", help="ratios are tool ÷ this tool (default sparkenv)")
    p.add_argument("--sparkenv", default=str(ROOT / "build" / "sparkenv"), help="the sparkenv binary")
    p.add_argument("--mirror-root", type=Path, default=None,
                   help="the bed mirror's folder, served by a private server for the run "
                        "(default $BED_MIRROR_ROOT, else $SPARKENV_DEV_CACHE/mirror)")
    p.add_argument("--mirror-url", default=None,
                   help="use this running mirror (e.g. $BED_MIRROR_URL) instead of a private server")
    p.add_argument("--index-url", default=None, help="one index for every set (default: the mirror's "
                   "/simple/ for the main sets, /lock/simple/ for lock-* sets)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "lock.json",
                   help="the JSON results (default bench/results/lock.json)")
    p.add_argument("--markdown", type=Path, default=None, help="the markdown tables (default: OUT with .md)")
    p.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "bench-lock.png",
                   help="the PNG plot (default docs/img/bench-lock.png)")
    p.add_argument("--update-docs", metavar="SECTION", default=None,
                   help="replace the generated section SECTION (e.g. main, pex) of docs/benchmarks.md")
    p.add_argument("--report", type=Path, default=None,
                   help="do not run: re-render the markdown and plot from this JSON file")
    p.add_argument("--workdir", default=None, help="where the caches and outputs go (default: a temp folder)")
    p.add_argument("--keep", action="store_true", help="keep the caches, outputs and logs")
    args = p.parse_args()
    for t in args.tools:
        if t not in TOOLS:
            p.error(f"unknown tool {t!r} (expected one of {', '.join(TOOL_ORDER)})")
    if args.reps < 1:
        p.error("--reps must be at least 1")
    if args.smoke:
        args.reps = 1
        args.sets = args.sets or ["pandas"]
        if args.out == p.get_default("out"):
            args.out = Path(tempfile.gettempdir()) / "sparkenv-bench-lock-smoke.json"
        if args.plot == p.get_default("plot"):
            args.plot = Path(tempfile.gettempdir()) / "sparkenv-bench-lock-smoke.png"

    if args.report:
        result = json.loads(args.report.read_text())
        result["agreement"] = agreement(result)
        args.out = args.report
    else:
        mirror = None
        if args.index_url:
            args.mirror_kind = f"given: {args.index_url}"
        elif args.mirror_url:
            args.mirror_kind = f"running server {args.mirror_url}"
        else:
            root = args.mirror_root or Path(os.environ.get("BED_MIRROR_ROOT", dev_cache() / "mirror"))
            if not (root / "projects").is_dir():
                sys.exit(f"bench: no mirror in {str(root)!r}: run scripts/setup (step 60-bed-mirror)")
            log_path = Path(tempfile.gettempdir()) / "sparkenv-bench-lock-mirror.log"
            mirror = PrivateMirror(root, log_path)
            args.mirror_url = mirror.url
            args.mirror_kind = "private server (tests/bed/mirror/server.py) on 127.0.0.1, this run only"
            log(f"serving {root} on {mirror.url} (log: {log_path})")
        try:
            for name in discover_sets(args.sets):
                check_index(index_for(args, name))
            result = benchmark(args, mirror)
        finally:
            if mirror:
                mirror.stop()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        log(f"wrote {args.out}")
    table = markdown(result)
    md = args.markdown or args.out.with_suffix(".md")
    md.write_text(table + "\n")
    log(f"wrote {md}")
    plot(result, args.plot)
    log(f"wrote {args.plot}")
    if args.update_docs:
        update_docs(ROOT / "docs" / "benchmarks.md", args.update_docs, table, args.plot)
        log("updated docs/benchmarks.md")
    print(table)
    failed = [r for r in result["runs"] if r["exit"] != 0 or "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
