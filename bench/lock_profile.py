#!/usr/bin/env python3
"""Profile warm `sparkenv lock` runs, side by side with uv (or another build).

A warm lock is measured the way docs/benchmarks.md ("Profiling a warm lock")
describes: the bed mirror is served by a private tests/bed/mirror/server.py,
each binary gets its own cache folder filled by one cold run, then N rounds
run every binary once each, interleaved (so a busy moment on the shared
machine hurts all of them), each run under `perf stat` (software counters:
task-clock and context switches; this machine's VM exposes no hardware
counters). With --callgrind, one more warm run of each sparkenv binary runs
under `valgrind --tool=callgrind`: its instruction count does not depend on
the machine's load, and the profile is kept for callgrind_annotate.

    scripts/bench lock-profile --sets lock-gcp,lock-ml --rounds 20 build/sparkenv uv
    scripts/bench lock-profile --callgrind /tmp/sparkenv-old build/sparkenv

Binaries: paths of sparkenv builds, or `uv` (the dev venv's uv pip compile,
run as bench/lock.py runs it). Prints medians per set and binary. Not part of
scripts/test: a benchmark is not a test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lock as bench  # noqa: E402  (bench/lock.py: the mirror server and the commands)


def commands(binary: str, reqs: Path, index: str, cache: Path, out_dir: Path) -> list[str]:
    if binary == "uv":
        return bench.Uv(None).command(reqs, index, cache, out_dir / "uv.txt")
    args = argparse.Namespace(sparkenv=binary)
    return bench.Sparkenv(args).command(reqs, index, cache, out_dir / "pylock.toml")


def perf_stat(cmd: list[str]) -> tuple[float, float, float]:
    """Wall ms, task-clock ms, context switches of one run."""
    start = time.perf_counter()
    p = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock,context-switches", *cmd],
                       capture_output=True, text=True, env=bench.clean_env())
    wall = (time.perf_counter() - start) * 1000
    if p.returncode != 0:
        sys.exit(f"lock_profile: {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    cpu = switches = float("nan")
    for line in p.stderr.splitlines():
        fields = line.split(",")
        if len(fields) > 3 and fields[2] == "task-clock":
            cpu = float(fields[0])
        elif len(fields) > 3 and fields[2] == "context-switches":
            switches = float(fields[0])
    return wall, cpu, switches


def callgrind(cmd: list[str], out_file: Path) -> int:
    p = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", *cmd],
                       capture_output=True, text=True, env=bench.clean_env())
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode != 0 or not m:
        sys.exit(f"lock_profile: callgrind of {' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return int(m.group(1))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("binaries", nargs="+", help="sparkenv binaries, or 'uv'")
    p.add_argument("--sets", type=lambda s: s.split(","), default=["lock-gcp", "lock-datasci", "lock-ml"])
    p.add_argument("--rounds", type=int, default=20, help="interleaved warm runs per binary (default 20)")
    p.add_argument("--callgrind", action="store_true", help="also count instructions with callgrind")
    p.add_argument("--keep", type=Path, default=None, help="keep caches, outputs and profiles here")
    args = p.parse_args()
    for tool in ("perf", "valgrind") if args.callgrind else ("perf",):
        if shutil.which(tool) is None:
            sys.exit(f"lock_profile: {tool} is not installed (scripts/setup)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="sparkenv-lock-profile-"))
    work.mkdir(parents=True, exist_ok=True)
    root = Path(os.environ.get("BED_MIRROR_ROOT", bench.dev_cache() / "mirror"))
    if not (root / "projects").is_dir():
        sys.exit(f"lock_profile: no mirror in {str(root)!r}: run scripts/setup (step 60-bed-mirror)")
    mirror = bench.PrivateMirror(root, work / "mirror.log")
    try:
        for set_name in args.sets:
            reqs = bench.SETS_DIR / f"{set_name}.txt"
            index = mirror.url + ("/lock/simple/" if set_name.startswith("lock-") else "/simple/")
            cmds = {}
            for i, binary in enumerate(args.binaries):
                label = f"{i}-{Path(binary).name}"
                cache, out = work / set_name / label / "cache", work / set_name / label / "out"
                shutil.rmtree(cache, ignore_errors=True)
                out.mkdir(parents=True, exist_ok=True)
                cmds[label] = commands(binary, reqs, index, cache, out)
                subprocess.run(cmds[label], check=True, capture_output=True, env=bench.clean_env())  # cold
            runs = {label: [] for label in cmds}
            for _ in range(args.rounds):
                for label, cmd in cmds.items():
                    runs[label].append(perf_stat(cmd))
            print(f"{set_name} (warm, {args.rounds} interleaved runs each; load {os.getloadavg()[0]:.1f})")
            for label, cmd in cmds.items():
                wall, cpu, switches = zip(*runs[label])
                line = (f"  {label:24s} wall median {statistics.median(wall):6.1f} ms, min {min(wall):6.1f}"
                        f" | cpu median {statistics.median(cpu):5.1f} ms, min {min(cpu):5.1f}"
                        f" | context switches {statistics.median(switches):4.0f}")
                if args.callgrind and not label.endswith("-uv"):
                    line += f" | {callgrind(cmd, work / set_name / f'{label}.callgrind'):,} instructions"
                print(line, flush=True)
    finally:
        mirror.stop()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
