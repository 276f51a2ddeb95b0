#!/usr/bin/env python3
"""Benchmark: `sparkenv build` against uv, the classic recipe, pex and venv-pack.

Every tool turns the same pinned set of wheels (one lock, made once by
`sparkenv lock` from the bed's mirror and not measured) into something a
PySpark job can ship, for CPython 3.11 / manylinux_2_28_x86_64, from the same
loopback index with no PyPI (tests/bed/mirror/server.py on a free port, this
run only):

  sparkenv          sparkenv build LOCK -o DIR: manifest + one tar.gz layer per wheel
  sparkenv-tar      the same with --format tar.gz: also one merged archive
  uv                uv pip install --target DIR --no-deps -r PINNED (hashes)
  classic           tests/bed/baseline/classic_recipe.sh: pip download --no-deps + unzip
  pex               pex -r PINNED --intransitive --complete-platform ... -o env.pex
  venv-pack         python3.11 -m venv V; V/bin/pip install --no-deps -r PINNED; venv-pack

Modes, per repetition and per tool:
  cold  a new, empty cache folder; the tool runs once
  warm  the same tool runs again, into a new output folder, on the cache the
        cold run just filled

Output: a JSON file with every run, a markdown table (medians, and ratios
peer/sparkenv: >1 means sparkenv is faster), a PNG plot. See docs/benchmarks.md.

    scripts/bench build                    # pandas and datasci, every tool, 3 repetitions
    scripts/bench build --smoke            # pandas, 1 repetition: a manual check
    bench/build.py --help

Not part of scripts/test: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import lock as lockbench  # noqa: E402  (the lock benchmark's mirror, machine and pex helpers)

ROOT = lockbench.ROOT
SETS_DIR = lockbench.SETS_DIR
DEFAULT_SETS = ["pandas", "datasci"]
TOOL_ORDER = ["sparkenv", "sparkenv-tar", "uv", "classic", "pex", "venv-pack"]
MODES = ["cold", "warm"]
PYTHON = lockbench.PYTHON
PLATFORM = lockbench.PLATFORM
RUN_TIMEOUT = 1200
log = lockbench.log
normalize = lockbench.normalize
venv_bin = lockbench.venv_bin
capture = lockbench.capture


def real_python(version: str) -> str:
    """The interpreter python<version> really is (not a pyenv shim, whose
    start-up costs ~0.2 s a call and is nobody's tool)."""
    found = shutil.which(f"python{version}")
    if not found:
        return ""
    out = subprocess.run([found, "-c", "import sys; print(sys.executable)"], capture_output=True,
                         text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def dist_infos(names: list[str]) -> dict[str, str]:
    """{normalized name: version} from '<name>-<version>.dist-info' folder names."""
    out = {}
    for n in names:
        m = re.match(r"^(.+)-([^-]+)\.dist-info$", n)
        if m:
            out[normalize(m.group(1))] = m.group(2)
    return out


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    seen = set()
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


class Run:
    """What one measured run needs."""

    def __init__(self, set_name: str, lock: Path, pinned: Path, index: str, cache: Path, out: Path):
        self.set_name, self.lock, self.pinned, self.index = set_name, lock, pinned, index
        self.cache, self.out = cache, out


# --- The tools -------------------------------------------------------------


class Tool:
    name = ""
    label = ""

    def __init__(self, args: argparse.Namespace):
        self.args = args

    def version(self) -> str:
        raise NotImplementedError

    def available(self) -> str | None:
        return None

    def setup(self, work: Path, runs: list[Run]) -> None:
        """Runs once before any measurement."""

    def cache_dir(self, work: Path, set_name: str, rep: int) -> Path:
        cache = work / f"{self.name}-{set_name}-{rep}-cache"
        cache.mkdir()
        return cache

    def command(self, r: Run) -> tuple[list[str], dict]:
        """argv and extra environment variables."""
        raise NotImplementedError

    def product(self, r: Run) -> Path:
        """What the run produced (measured for its size)."""
        raise NotImplementedError

    def installed(self, r: Run) -> dict[str, str]:
        raise NotImplementedError


class Sparkenv(Tool):
    name = "sparkenv"
    label = "sparkenv build"
    extra: list[str] = []

    def version(self):
        return capture([self.args.sparkenv, "--version"])

    def available(self):
        exe = Path(self.args.sparkenv)
        if not exe.exists():
            return f"{exe} does not exist (run scripts/build)"
        return None

    def command(self, r):
        return ([self.args.sparkenv, "build", str(r.lock), "-o", str(r.out / "env"), "--cache-dir",
                 str(r.cache), "-q", *self.extra], {})

    def product(self, r):
        return r.out / "env"

    def installed(self, r):
        m = json.loads((r.out / "env" / "manifest.json").read_text())
        return {layer["package"]: layer["version"] for layer in m["layers"]}


class SparkenvTar(Sparkenv):
    name = "sparkenv-tar"
    label = "sparkenv build --format tar.gz"
    extra = ["--format", "tar.gz"]

    def installed(self, r):
        with tarfile.open(r.out / "env" / "env.tar.gz") as t:
            names = {Path(n).name for n in t.getnames() if n.startswith("site-packages/")
                     and n.count("/") == 1}
        found = dist_infos(sorted(names))
        assert found == super().installed(r), "the merged archive differs from the layers"
        return found


class Uv(Tool):
    name = "uv"
    label = "uv pip install --target --no-deps"

    def version(self):
        return capture([venv_bin("uv"), "--version"])

    def available(self):
        return None if shutil.which(venv_bin("uv")) else "uv is not installed (scripts/setup)"

    def command(self, r):
        # --python: an interpreter uv need not search for (see bench/lock.py).
        return ([venv_bin("uv"), "pip", "install", "--no-config", "--quiet", "--target",
                 str(r.out / "site"), "--no-deps", "--python", sys.executable, "--python-version",
                 PYTHON, "--python-platform", "x86_64-" + PLATFORM.removesuffix("_x86_64"),
                 "--index-url", r.index, "--cache-dir", str(r.cache), "-r", str(r.pinned)], {})

    def product(self, r):
        return r.out / "site"

    def installed(self, r):
        return dist_infos([p.name for p in (r.out / "site").iterdir()])


class Classic(Tool):
    name = "classic"
    label = "pip download --no-deps + unzip (tests/bed/baseline/classic_recipe.sh)"

    def version(self):
        return capture([sys.executable, "-m", "pip", "--version"]).split(" from ")[0] + ", unzip"

    def available(self):
        return None if shutil.which("unzip") else "unzip is not installed"

    def command(self, r):
        env = {"PIP": f"{sys.executable} -m pip", "BED_PYPI_URL": r.index,
               "PIP_CACHE_DIR": str(r.cache), "PIP_NO_DEPS": "1"}
        return (["bash", str(ROOT / "tests" / "bed" / "baseline" / "classic_recipe.sh"), "-r",
                 str(r.pinned), "-o", str(r.out), "-p", PYTHON], env)

    def product(self, r):
        return r.out / "site"

    def installed(self, r):
        return dist_infos([p.name for p in (r.out / "site").iterdir()])


class Pex(Tool):
    """pex building a .pex of the pinned wheels for the target (a complete
    platform), with the modern pip bench/lock.py fetches once, from a pex root
    whose pip venv is already built (seeded once, unmeasured, then stripped of
    every download), like pex-ready in the lock benchmark."""

    name = "pex"
    label = "pex --intransitive --complete-platform -o env.pex"

    def __init__(self, args):
        super().__init__(args)
        self.helper = lockbench.Pex(args)

    def version(self):
        return capture([venv_bin("pex"), "--version"]) + f" (pip {self.helper.pip_version_label()})"

    def available(self):
        if not shutil.which(venv_bin("pex")):
            return "pex is not installed (scripts/setup)"
        self.helper.prepare()
        self.platform_file = self.helper.complete_platform()
        return None

    def argv(self, r: Run, root: Path, out: Path) -> list[str]:
        cmd = [venv_bin("pex"), "-r", str(r.pinned), "--intransitive", "--no-build", "--no-pypi",
               "--index-url", r.index, "--complete-platform", str(self.platform_file),
               "--pex-root", str(root), "-o", str(out)]
        if self.helper.find_links:
            cmd += ["--pip-version", self.helper.pip_version, "-f", str(self.helper.find_links)]
        return cmd

    def setup(self, work, runs):
        self.root = work / "pex-root"
        self.seed = work / "pex-seed"
        r = runs[0]
        log("pex: building the seed pex root (not measured)")
        seed_out = work / "pex-seed.pex"
        done = subprocess.run(self.argv(r, self.root, seed_out), capture_output=True, text=True,
                              env=lockbench.clean_env())
        if done.returncode != 0:
            sys.exit(f"bench: pex: the seed run failed:\n{done.stderr[-2000:]}")
        seed_out.unlink()
        # Keep pex's pip venv (and the pip, setuptools and wheel it is made
        # of); drop everything the index gave: downloads, pip's HTTP cache,
        # pex's databases and the installed wheels of the measured sets.
        for data in [self.root / "dbs", self.root / "downloads", self.root / "unzipped_pexes",
                     self.root / "bootstraps", *self.root.glob("pip/*/*/pip_cache")]:
            shutil.rmtree(data, ignore_errors=True)
        for wheel in self.root.glob("installed_wheels/*/*/*.whl"):
            if normalize(wheel.name.split("-")[0]) in self.measured:
                shutil.rmtree(wheel.parent, ignore_errors=True)
        self.root.rename(self.seed)

    def cache_dir(self, work, set_name, rep):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.copytree(self.seed, self.root, symlinks=True)
        return self.root

    def command(self, r):
        return self.argv(r, r.cache, r.out / "env.pex"), {}

    def product(self, r):
        return r.out / "env.pex"

    def installed(self, r):
        with zipfile.ZipFile(r.out / "env.pex") as z:
            wheels = {n.split("/")[1] for n in z.namelist()
                      if n.startswith(".deps/") and n.split("/")[1].endswith(".whl")}
        out = {}
        for w in wheels:
            parts = w.split("-")
            out[normalize(parts[0])] = parts[1]
        return out


class VenvPack(Tool):
    name = "venv-pack"
    label = "python -m venv + pip install --no-deps + venv-pack"

    def version(self):
        return capture([venv_bin("venv-pack"), "--version"]) + f", {capture([self.python, '--version'])}"

    def available(self):
        if not shutil.which(venv_bin("venv-pack")):
            return "venv-pack is not installed (scripts/setup)"
        self.python = real_python(PYTHON)
        if not self.python:
            return f"no python{PYTHON} on PATH (venv-pack packs a venv of the target's Python)"
        return None

    def command(self, r):
        script = ('set -e\n'
                  f'"{self.python}" -m venv "$OUT/venv"\n'
                  '"$OUT/venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps '
                  '--only-binary=:all: --index-url "$INDEX" --cache-dir "$CACHE" -r "$PINNED"\n'
                  f'"{venv_bin("venv-pack")}" -q -p "$OUT/venv" -o "$OUT/env.tar.gz"\n')
        return (["bash", "-c", script], {"OUT": str(r.out), "INDEX": r.index,
                                        "CACHE": str(r.cache), "PINNED": str(r.pinned)})

    def product(self, r):
        return r.out / "env.tar.gz"

    def installed(self, r):
        prefix = f"lib/python{PYTHON}/site-packages/"
        with tarfile.open(r.out / "env.tar.gz") as t:
            names = {n[len(prefix):].split("/")[0] for n in t.getnames() if n.startswith(prefix)}
        found = dist_infos(sorted(names))
        found.pop("pip", None)
        found.pop("setuptools", None)
        return found


TOOLS = {cls.name: cls for cls in (Sparkenv, SparkenvTar, Uv, Classic, Pex, VenvPack)}


# --- Running ----------------------------------------------------------------


def run_once(cmd: list[str], env_extra: dict, workdir: Path, log_path: Path) -> dict:
    """bench/lock.py's run_once, with extra environment variables: wall time
    around the process, CPU from wait4, peak RSS from GNU time (%M)."""
    rss_file = log_path.with_suffix(".rss")
    if os.access(lockbench.GNU_TIME, os.X_OK):
        cmd = [lockbench.GNU_TIME, "-f", "%M", "-o", str(rss_file), *cmd]
    env = {**lockbench.clean_env(), **env_extra}
    with open(log_path, "wb") as logf:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
        timer = threading.Timer(RUN_TIMEOUT, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
    rss_kb = usage.ru_maxrss
    try:
        rss_kb = int(rss_file.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    return {"seconds": round(wall, 4), "user": round(usage.ru_utime, 3),
            "sys": round(usage.ru_stime, 3), "max_rss_kb": rss_kb,
            "exit": os.waitstatus_to_exitcode(status)}


def make_locks(args, sets: dict[str, Path], work: Path) -> dict[str, tuple[Path, Path, dict]]:
    """One sparkenv lock per set (not measured) and the pinned requirements
    with hashes that the other tools install."""
    out = {}
    for set_name, reqs in sets.items():
        lock = work / f"{set_name}.pylock.toml"
        index = lockbench.index_for(args, set_name)
        done = subprocess.run([args.sparkenv, "lock", "-r", str(reqs), "--index-url", index,
                               "--cache-dir", str(work / "lock-cache"), "-o", str(lock), "-q",
                               "--python", PYTHON, "--platform", PLATFORM],
                              capture_output=True, text=True, env=lockbench.clean_env())
        if done.returncode != 0:
            sys.exit(f"bench: cannot lock {set_name}:\n{done.stderr}")
        data = tomllib.loads(lock.read_text())
        pins, lines = {}, []
        for p in data["packages"]:
            wheel = p["wheels"][0]
            pins[p["name"]] = p["version"]
            lines.append(f"{p['name']}=={p['version']} --hash=sha256:{wheel['hashes']['sha256']}")
        pinned = work / f"{set_name}.pinned.txt"
        pinned.write_text("\n".join(lines) + "\n")
        out[set_name] = (lock, pinned, pins)
    shutil.rmtree(work / "lock-cache", ignore_errors=True)
    return out


def benchmark(args, mirror) -> dict:
    sets = lockbench.discover_sets(args.sets)
    tools, skipped = [], {}
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
    work = Path(tempfile.mkdtemp(prefix="sparkenv-bench-build-", dir=args.workdir))
    locks = make_locks(args, sets, work)
    result = {
        "benchmark": "build",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": lockbench.machine_info(),
        "target": {"python": PYTHON, "platform": PLATFORM},
        "mirror": args.mirror_kind,
        "repetitions": args.reps,
        "baseline": args.baseline,
        "sets": {k: str(v.relative_to(ROOT)) if v.is_relative_to(ROOT) else str(v)
                 for k, v in sets.items()},
        "locked": {k: v[2] for k, v in locks.items()},
        "wheel_bytes": {},
        "tools": {t.name: {"label": t.label, "version": t.version()} for t in tools},
        "skipped": skipped,
        "commands": {},
        "runs": [],
    }
    for set_name, (lock, _, _) in locks.items():
        data = tomllib.loads(lock.read_text())
        result["wheel_bytes"][set_name] = sum(p["wheels"][0].get("size", 0) for p in data["packages"])
    total = args.reps * len(sets) * len(tools)
    done = 0
    try:
        first = next(iter(locks.items()))
        seed = Run(first[0], first[1][0], first[1][1], lockbench.index_for(args, first[0]), work, work)
        measured = {n for _, _, pins in locks.values() for n in pins}
        for tool in tools:
            tool.measured = measured
            tool.setup(work, [seed])
        for rep in range(args.reps):
            for set_name, (lock, pinned, pins) in locks.items():
                for tool in tools:
                    cache = tool.cache_dir(work, set_name, rep)
                    for mode in MODES:
                        out_dir = work / f"{tool.name}-{set_name}-{rep}-{mode}"
                        out_dir.mkdir()
                        r = Run(set_name, lock, pinned, lockbench.index_for(args, set_name), cache,
                                out_dir)
                        cmd, env = tool.command(r)
                        result["commands"].setdefault(f"{tool.name}/{set_name}",
                                                      {"argv": cmd, "env": env})
                        before = mirror.requests() if mirror else 0
                        run = run_once(cmd, env, out_dir, out_dir.parent / f"{out_dir.name}.log")
                        if mirror:
                            time.sleep(0.02)
                            run["requests"] = mirror.requests() - before
                        run.update({"tool": tool.name, "set": set_name, "mode": mode, "rep": rep})
                        if run["exit"] == 0:
                            try:
                                run["bytes"] = tree_size(tool.product(r))
                                got = tool.installed(r)
                                if got != pins:
                                    diff = sorted(f"{n} {pins.get(n, 'absent')} locked, "
                                                  f"{got.get(n, 'absent')} installed"
                                                  for n in set(got) | set(pins)
                                                  if got.get(n) != pins.get(n))
                                    run["error"] = "installed other versions: " + "; ".join(diff)
                            except (OSError, ValueError, KeyError, IndexError, AssertionError,
                                    tarfile.TarError, zipfile.BadZipFile) as e:
                                run["error"] = f"cannot read the output: {e}"
                        else:
                            run["error"] = lockbench.tail(out_dir.parent / f"{out_dir.name}.log")
                        if "error" in run:
                            log(f"{tool.name} {set_name} {mode}: {run['error']}")
                        result["runs"].append(run)
                        if not args.keep:
                            shutil.rmtree(out_dir, ignore_errors=True)
                    if not args.keep:
                        shutil.rmtree(cache, ignore_errors=True)
                    done += 1
                    cold, warm = result["runs"][-2:]
                    log(f"[{done}/{total}] rep {rep + 1} {set_name:8} {tool.name:12} "
                        f"cold {cold['seconds']:6.2f}s warm {warm['seconds']:6.2f}s "
                        f"rss {cold['max_rss_kb'] / 1024:5.0f} MB")
    finally:
        if args.keep:
            log(f"kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["machine"]["loadavg_end"] = os.getloadavg()
    result["summary"] = summarize(result)
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
                "bytes_median": statistics.median(r["bytes"] for r in ok),
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


# --- Reporting --------------------------------------------------------------

fmt_seconds = lockbench.fmt_seconds


def fmt_mb(v: float) -> str:
    return f"{v / 1e6:.0f} MB" if v >= 10e6 else f"{v / 1e6:.1f} MB"


def markdown(result: dict) -> str:
    tools = [t for t in TOOL_ORDER if t in result["tools"]]
    baseline = result["baseline"]
    summary = {(r["set"], r["mode"], r["tool"]): r for r in result["summary"]}
    sets = list(result["sets"])
    m = result["machine"]
    lines = [
        f"Run {result['date']} on {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['os']}; "
        f"load average {m['loadavg_start'][0]:.1f} at the start, {m['loadavg_end'][0]:.1f} at the "
        f"end; niceness {m['nice']}. {result['repetitions']} repetitions; target CPython "
        f"{result['target']['python']}, {result['target']['platform']}.",
        "",
        "Tools: " + "; ".join(f"{t} = `{result['tools'][t]['label']}` ({result['tools'][t]['version']})"
                             for t in tools) + ".",
    ]
    if result["skipped"]:
        lines += ["", "Not run: " + "; ".join(f"{t} ({why})" for t, why in result["skipped"].items()) + "."]
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
    lines.append("| set | packages | wheels | cache | " + " | ".join(tools) + " |")
    lines.append("|---|---:|---:|---|" + "---:|" * len(tools))
    for s in sets:
        for mode in MODES:
            lines.append(f"| {s} | {len(result['locked'][s])} | {fmt_mb(result['wheel_bytes'][s])} | "
                         f"{mode} | " + " | ".join(cell((s, mode, t), "median", "ratio", fmt_seconds)
                                                  for t in tools) + " |")
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
    lines.append("**Output** (what each tool leaves to ship: sparkenv's folder of layers, the merged "
                 "archive too for sparkenv-tar, uv's and the classic recipe's unpacked folder, the "
                 ".pex, venv-pack's tar.gz):")
    lines.append("")
    lines.append("| set | " + " | ".join(tools) + " |")
    lines.append("|---|" + "---:|" * len(tools))
    for s in sets:
        cells = []
        for t in tools:
            r = summary.get((s, "cold", t))
            cells.append(fmt_mb(r["bytes_median"]) if r and "median" in r else "—")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
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
    lines.append("**Same packages?** Every run's output was read back (sparkenv's manifest and merged "
                 "archive, the `*.dist-info` folders of uv's and the classic recipe's folders and of "
                 "venv-pack's archive, the wheels inside the .pex) and compared with the lock: "
                 + ("all runs installed exactly the locked versions."
                    if not any("installed other" in r.get("error", "") for r in result["runs"])
                    else "some differ (see the JSON)."))
    lines.append("")
    for s in sets:
        lines.append(f"- {s}: " + ", ".join(f"{n} {v}" for n, v in sorted(result["locked"][s].items())))
    lines.append("")
    return "\n".join(lines)


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tools = [t for t in TOOL_ORDER if t in result["tools"]]
    sets = list(result["sets"])
    summary = {(r["set"], r["mode"], r["tool"]): r for r in result["summary"]}
    colors = {"sparkenv": "#d62728", "sparkenv-tar": "#ff9896", "uv": "#6a3d9a", "classic": "#1f77b4",
              "pex": "#2ca02c", "venv-pack": "#ff7f0e"}
    fig, axes = plt.subplots(1, len(MODES), figsize=(5.6 * len(MODES), 4.4))
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
                ax.annotate(fmt_seconds(v).replace(" ", ""), (b.get_x() + b.get_width() / 2, v),
                            ha="center", va="bottom", fontsize=6, rotation=90, xytext=(0, 2),
                            textcoords="offset points")
        ax.set_xticks(range(len(sets)), sets, fontsize=8)
        ax.set_title(f"{mode} cache", fontsize=10)
        ax.set_yscale("log")
        ax.set_ylabel("seconds, log scale (median; whisker down to the fastest run)", fontsize=8)
        ax.margins(y=0.2)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(tools), fontsize=8, frameon=False)
    m = result["machine"]
    fig.suptitle(f"From one lock to a shippable environment, CPython {PYTHON} {PLATFORM}, loopback "
                 f"mirror — lower is better\n{result['date'][:10]}, {m['cores']} shared cores, "
                 f"{result['repetitions']} repetitions", fontsize=9)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_docs(doc: Path, section: str, table: str, image: Path) -> None:
    begin = f"<!-- bench-build:{section}:begin (generated by bench/build.py --update-docs {section}) -->"
    end = f"<!-- bench-build:{section}:end -->"
    text = doc.read_text()
    if begin not in text or end not in text:
        sys.exit(f"bench: {doc} has no {begin!r} ... {end!r} section")
    rel = os.path.relpath(image, doc.parent)
    block = f"{begin}\n{table}\n![build benchmark, {section}]({rel})\n{end}"
    head, rest = text.split(begin, 1)
    _, tail_text = rest.split(end, 1)
    doc.write_text(head + block + tail_text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", type=lambda s: s.split(","), default=DEFAULT_SETS,
                   help=f"comma-separated set names from {SETS_DIR.relative_to(ROOT)} or paths "
                        f"(default: {','.join(DEFAULT_SETS)})")
    p.add_argument("--tools", type=lambda s: s.split(","), default=TOOL_ORDER,
                   help=f"comma-separated, from {','.join(TOOL_ORDER)} (default: all)")
    p.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    p.add_argument("--smoke", action="store_true", help="a quick manual check: pandas, 1 repetition")
    p.add_argument("--baseline", default="sparkenv", help="ratios are tool ÷ this tool (default sparkenv)")
    p.add_argument("--sparkenv", default=str(ROOT / "build" / "sparkenv"), help="the sparkenv binary")
    p.add_argument("--mirror-root", type=Path, default=None,
                   help="the bed mirror's folder, served by a private server for the run "
                        "(default $BED_MIRROR_ROOT, else $SPARKENV_DEV_CACHE/mirror)")
    p.add_argument("--mirror-url", default=None, help="use this running mirror instead")
    p.add_argument("--index-url", default=None, help="one index for every set")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "build.json",
                   help="the JSON results (default bench/results/build.json)")
    p.add_argument("--markdown", type=Path, default=None, help="the markdown tables (default: OUT with .md)")
    p.add_argument("--plot", type=Path, default=ROOT / "docs" / "img" / "bench-build.png",
                   help="the PNG plot (default docs/img/bench-build.png)")
    p.add_argument("--update-docs", metavar="SECTION", default=None,
                   help="replace the generated section SECTION (e.g. main) of docs/benchmarks.md")
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
        args.sets = ["pandas"] if args.sets == DEFAULT_SETS else args.sets
        if args.out == p.get_default("out"):
            args.out = Path(tempfile.gettempdir()) / "sparkenv-bench-build-smoke.json"
        if args.plot == p.get_default("plot"):
            args.plot = Path(tempfile.gettempdir()) / "sparkenv-bench-build-smoke.png"

    if args.report:
        result = json.loads(args.report.read_text())
        args.out = args.report
    else:
        mirror = None
        if args.index_url:
            args.mirror_kind = f"given: {args.index_url}"
        elif args.mirror_url:
            args.mirror_kind = f"running server {args.mirror_url}"
        else:
            root = args.mirror_root or Path(os.environ.get("BED_MIRROR_ROOT",
                                                           lockbench.dev_cache() / "mirror"))
            if not (root / "projects").is_dir():
                sys.exit(f"bench: no mirror in {str(root)!r}: run scripts/setup (step 60-bed-mirror)")
            log_path = Path(tempfile.gettempdir()) / "sparkenv-bench-build-mirror.log"
            mirror = lockbench.PrivateMirror(root, log_path)
            args.mirror_url = mirror.url
            args.mirror_kind = "private server (tests/bed/mirror/server.py) on 127.0.0.1, this run only"
            log(f"serving {root} on {mirror.url} (log: {log_path})")
        try:
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
