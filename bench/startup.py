#!/usr/bin/env python3
"""Benchmark: start-up of a PySpark application whose executors need pandas and
scikit-learn -- sparkenv against the tools users would otherwise pick, side by
side in one run, on the test bed.

Measured: from the moment the submitting command starts to the end of the
first job's tasks (two tasks, one per executor, each importing pandas and
scikit-learn), in wall time, plus the bytes the HDFS DataNode served during
the run (the application's own staging files included).

Methods (the same requirements, locked/downloaded for CPython 3.11 from the
bed's PyPI mirror; every artifact on the bed's HDFS, world-readable):
  sparkenv     `sparkenv submit --env hdfs:///.../store/bench:latest` (one layer per wheel;
               YARN localizes them as PUBLIC files, unpacked once per node; on standalone
               they are spark.archives, unpacked by each executor)
  sparkenv-nodecache  the same with --node-cache (unpacked once per node, across applications)
  classic      the classic recipe (tests/bed/baseline): unzipped wheels in an HDFS folder,
               `activate_env.py` adds every top-level entry with addFile(recursive=True)
  venv-pack    a venv packed with venv-pack into one tar.gz, `--archives hdfs://...#environment`,
               spark.pyspark.python=./environment/bin/python (Spark's documented recipe)
  pex          a PEX file, `--files hdfs://.../env.pex`, spark.pyspark.python=./env.pex
               (Spark's documented recipe)
  preinstalled not a method but the floor: spark.pyspark.python is a venv on this node that
               already has the packages (nothing shipped, nothing unpacked); opt-in
               (--methods ...,preinstalled)

Modes: cold = a fresh copy of every artifact at a new HDFS path (nothing
localized or cached anywhere: a new sparkenv cache, PEX_ROOT), warm = a
second application with the same artifacts and caches.

    scripts/bench startup                    # YARN (client mode), 3 repetitions
    scripts/bench startup --master standalone  # the bed's standalone cluster (client mode)
    scripts/bench startup --smoke            # 1 repetition
    bench/startup.py --help

Output: bench/results/startup.{json,md}; docs/benchmarks.md explains it.
Not part of scripts/test: a benchmark is not a test. Needs the bed up
(hadoop, mirror; spark-4 or spark-3.5 too for --master standalone) and a build.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "bed" / "tests"))
from bed_hadoop import fs_shell, yarn_conf, yarn_env, yarn_spark  # noqa: E402
from bed_spark import FRUGAL_CONF, BedSpark, read_bed_env  # noqa: E402

SPARKENV = Path(os.environ.get("SPARKENV_BIN", ROOT / "build" / "sparkenv"))
APP = ROOT / "bench" / "startup_app.py"
BASELINE = ROOT / "tests" / "bed" / "baseline"
REQUIREMENTS = ["pandas", "scikit-learn"]
METHODS = ["sparkenv", "sparkenv-nodecache", "classic", "venv-pack", "pex"]
ALL_METHODS = METHODS + ["preinstalled"]
MODES = ["cold", "warm"]
DEV_CACHE = Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))


def run(cmd, env=None, timeout=900, check=True, cwd=None):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                       timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(map(str, cmd))}\n{p.stdout[-2000:]}\n"
                         f"{p.stderr[-4000:]}")
    return p


def datanode_bytes_read() -> int:
    url = ("http://127.0.0.1:19864/jmx?qry=Hadoop:service=DataNode,name=DataNodeActivity-*")
    with urllib.request.urlopen(url, timeout=10) as r:
        beans = json.load(r)["beans"]
    return sum(int(b.get("BytesRead", 0)) for b in beans)


# ---- preparing each method's artifacts (not timed) ----

class Artifacts:
    def __init__(self, env, work: Path, python: Path):
        self.env, self.work, self.python = env, work, python
        self.user = env["BED_HDFS_USER"]

    def build_all(self):
        w = self.work
        (w / "req.txt").write_text("\n".join(REQUIREMENTS) + "\n")
        # sparkenv: lock + build.
        run([SPARKENV, "lock", *REQUIREMENTS, "--index-url", self.env["BED_PYPI_URL"],
             "--python", "3.11", "--platform", "manylinux_2_28_x86_64", "--cache-dir", w / "cache",
             "-o", w / "pylock.toml"])
        run([SPARKENV, "build", w / "pylock.toml", "-o", w / "env", "--cache-dir", w / "cache"])
        # classic: pip download + unzip (+ the app), put per cold run.
        env = {**os.environ, "BED_PYPI_URL": self.env["BED_PYPI_URL"]}
        run([BASELINE / "classic_recipe.sh", "-r", w / "req.txt", "-o", w / "classic", "-a", APP],
            env=env)
        # venv-pack: a venv with the same packages, packed.
        uv = shutil.which("uv") or str(DEV_CACHE / "venv-dev" / "bin" / "uv")
        base = os.path.realpath(self.python)
        venv = w / "venvpack"
        uv_env = {**os.environ, "UV_CACHE_DIR": str(DEV_CACHE / "uv")}
        uv_env.pop("VIRTUAL_ENV", None)
        run([uv, "venv", "-q", "--python", base, venv], env=uv_env)
        run([uv, "pip", "install", "-q", "--python", venv / "bin" / "python", "--index-url",
             self.env["BED_PYPI_URL"], "--only-binary", ":all:", *REQUIREMENTS], env=uv_env)
        venv_pack = shutil.which("venv-pack") or str(DEV_CACHE / "venv-dev" / "bin" / "venv-pack")
        run([venv_pack, "-q", "-p", venv, "-o", w / "venv.tar.gz"])
        # pex: the same requirements, for this interpreter.
        pex = shutil.which("pex") or str(DEV_CACHE / "venv-dev" / "bin" / "pex")
        run([pex, *REQUIREMENTS, "--index-url", self.env["BED_PYPI_URL"], "--python", base,
             "--inherit-path=fallback", "-o", w / "env.pex"])

    def publish(self, tag: str) -> dict:
        """A fresh copy of every artifact on HDFS under a new path (cold)."""
        root = f"/user/{self.user}/bench-startup/{tag}"
        hdfs = self.env["BED_HDFS_URL"]
        fs_shell(self.env, "-mkdir", "-p", root)
        # One store per sparkenv method: each method's cold run must find
        # nothing localized (the NodeManager caches by path).
        stores = {}
        for method in ("sparkenv", "sparkenv-nodecache"):
            store = f"{hdfs}{root}/{method}-store"
            run([SPARKENV, "push", self.work / "env", store, "--tag", "bench:latest"],
                env={**os.environ, "HADOOP_CONF_DIR": self.env["HADOOP_CONF_DIR"]})
            stores[method] = f"{store}/bench:latest"
        fs_shell(self.env, "-put", "-t", "8", self.work / "classic" / "site", f"{root}/classic",
                 timeout=900)
        fs_shell(self.env, "-put", self.work / "venv.tar.gz", f"{root}/venv.tar.gz")
        fs_shell(self.env, "-put", self.work / "env.pex", f"{root}/env.pex")
        # World-readable, like a store's objects: YARN may share them (PUBLIC).
        fs_shell(self.env, "-chmod", "-R", "a+rX", root)
        fs_shell(self.env, "-chmod", "a+rx", f"/user/{self.user}",
                 f"/user/{self.user}/bench-startup")
        return {"store": stores, "classic": f"{hdfs}{root}/classic",
                "venv": f"{hdfs}{root}/venv.tar.gz", "pex": f"{hdfs}{root}/env.pex",
                "preinstalled": self.work / "venvpack" / "bin" / "python",
                "root": root}

    def remove(self, published: dict):
        fs_shell(self.env, "-rm", "-r", "-f", "-skipTrash", published["root"], check=False)


# ---- one timed application ----

def command(method, published, spark, env, python, cache: Path, pex_root: Path, master: str):
    yarn = master == "yarn"
    conf = {**FRUGAL_CONF, **(yarn_conf(spark, "client") if yarn else {}),
            "spark.app.name": f"bench-{method}",
            "spark.pyspark.python": str(python), "spark.pyspark.driver.python": str(python)}
    extra_env = yarn_env(env, spark) if yarn else {}
    if method.startswith("sparkenv"):
        head = [SPARKENV, "submit", "--env", published["store"][method], "--cache-dir", cache,
                "--quiet"]
        if method == "sparkenv-nodecache":
            head += ["--node-cache", str(cache) + "-node"]
        head.append("--")
        extra_env["HADOOP_CONF_DIR"] = env["HADOOP_CONF_DIR"]
        tail = [APP]
    elif method == "classic":
        head = [spark.home / "bin" / "spark-submit"]
        tail = [BASELINE / "activate_env.py", published["classic"], "startup_app:main"]
    elif method == "venv-pack":
        head = [spark.home / "bin" / "spark-submit", "--archives",
                published["venv"] + "#environment"]
        conf["spark.pyspark.python"] = "./environment/bin/python"
        tail = [APP]
    elif method == "preinstalled":
        head = [spark.home / "bin" / "spark-submit"]
        conf["spark.pyspark.python"] = str(published["preinstalled"])
        conf["spark.pyspark.driver.python"] = str(published["preinstalled"])
        tail = [APP]
    else:
        head = [spark.home / "bin" / "spark-submit", "--files", published["pex"]]
        conf["spark.pyspark.python"] = "./env.pex"
        conf["spark.executorEnv.PEX_ROOT"] = str(pex_root)
        tail = [APP]
    args = []
    for k, v in conf.items():
        args += ["--conf", f"{k}={v}"]
    return head + ["--master", "yarn" if yarn else spark.master] + args + tail, spark.env(extra_env)


def clear_node_layers(env):
    """A cold run finds nothing unpacked on the node either: the bootstrap's
    per-user layer folders beside the NodeManager's caches go (the layers are
    content-addressed, so the previous repetition's would be found)."""
    for folder in Path(env["BED_YARN_WORK"]).glob("**/usercache/*/sparkenv-layers-v1"):
        shutil.rmtree(folder, ignore_errors=True)


def timed(method, published, spark, env, python, cache, pex_root, master) -> dict:
    cmd, run_env = command(method, published, spark, env, python, cache, pex_root, master)
    before = datanode_bytes_read()
    t0 = time.time()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=run_env,
                       timeout=1200)
    wall = time.time() - t0
    served = datanode_bytes_read() - before
    line = [l for l in p.stdout.splitlines() if l.startswith("BENCH-RESULT ")]
    if p.returncode != 0 or not line:
        raise SystemExit(f"{method}: exit {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-6000:]}")
    result = json.loads(line[0][len("BENCH-RESULT "):])
    tasks = result["tasks"]
    assert len(tasks) == 2 and all(t["coef"] == 2.0 for t in tasks), tasks
    return {"seconds": max(t["end"] for t in tasks) - t0, "process_seconds": wall,
            "task_seconds": max(t["end"] - t["start"] for t in tasks),
            "hdfs_bytes_read": served, "pandas": tasks[0]["pandas"],
            "sklearn": tasks[0]["sklearn"], "app_id": result["app_id"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="one repetition")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--line", default="4", help="Spark line of the bed: 4 or 3.5")
    ap.add_argument("--master", choices=["yarn", "standalone"], default="yarn",
                    help="the bed's YARN (default) or its standalone cluster (client mode both)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "startup"))
    args = ap.parse_args()
    reps = 1 if args.smoke else args.reps
    methods = args.methods.split(",")
    unknown = [m for m in methods if m not in ALL_METHODS]
    if unknown:
        raise SystemExit(f"unknown method(s) {', '.join(unknown)}: expected {', '.join(ALL_METHODS)}")
    env = read_bed_env()
    spark = yarn_spark(env, args.line) if args.master == "yarn" else BedSpark.of(env, args.line)
    python = spark.python
    work = Path(tempfile.mkdtemp(prefix="sparkenv-bench-startup-"))
    artifacts = Artifacts(env, work, python)
    print(f"preparing artifacts in {work}", file=sys.stderr)
    artifacts.build_all()
    sizes = {"sparkenv": sum(p.stat().st_size for p in (work / "env" / "layers").iterdir()),
             "classic": sum(p.stat().st_size for p in (work / "classic" / "site").rglob("*")
                            if p.is_file()),
             "classic_files": sum(1 for p in (work / "classic" / "site").rglob("*") if p.is_file()),
             "venv-pack": (work / "venv.tar.gz").stat().st_size,
             "pex": (work / "env.pex").stat().st_size}
    runs = []
    for rep in range(reps):
        published = artifacts.publish(f"r{rep}-{uuid.uuid4().hex[:8]}")
        try:
            for method in methods:
                cache = work / f"cache-{rep}-{method}"
                pex_root = work / f"pexroot-{rep}"
                for mode in MODES:
                    if mode == "cold" and method.startswith("sparkenv") and args.master == "yarn":
                        clear_node_layers(env)
                    r = timed(method, published, spark, env, python, cache, pex_root, args.master)
                    r.update(method=method, mode=mode, rep=rep)
                    runs.append(r)
                    print(f"rep {rep} {method:9} {mode}: {r['seconds']:6.1f} s to the end of the "
                          f"first tasks, HDFS served {r['hdfs_bytes_read'] / 1e6:7.1f} MB",
                          file=sys.stderr)
        finally:
            artifacts.remove(published)
    write(args.out, runs, sizes, spark, methods, reps, args.master)
    shutil.rmtree(work, ignore_errors=True)


def write(out, runs, sizes, spark, methods, reps, master):
    med = {}
    for m in methods:
        for mode in MODES:
            xs = [r for r in runs if r["method"] == m and r["mode"] == mode]
            med[(m, mode)] = (statistics.median(r["seconds"] for r in xs),
                              statistics.median(r["hdfs_bytes_read"] for r in xs))
    data = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                        "load": os.getloadavg()},
            "spark": spark.version, "master": f"{master} (client mode)", "requirements": REQUIREMENTS,
            "sizes": sizes, "repetitions": reps, "runs": runs}
    Path(out + ".json").write_text(json.dumps(data, indent=1) + "\n")
    where = "YARN" if master == "yarn" else "standalone cluster"
    lines = [f"Spark {spark.version} on the bed's {where} (client mode, 2 executors), "
             f"{' + '.join(REQUIREMENTS)}; median of {reps} repetition(s); "
             f"{data['date']}, load {data['machine']['load'][0]:.1f} on {os.cpu_count()} cores.",
             "", "| method | cold (s) | warm (s) | cold / sparkenv cold | warm / sparkenv warm "
             "| HDFS read cold (MB) | HDFS read warm (MB) |", "|---|---|---|---|---|---|---|"]
    base = {mode: med[("sparkenv", mode)][0] for mode in MODES} if "sparkenv" in methods else None
    for m in methods:
        cold, warm = med[(m, "cold")], med[(m, "warm")]
        ratio = (lambda mode, v: f"{v / base[mode]:.2f}×" if base else "")
        lines.append(f"| {m} | {cold[0]:.1f} | {warm[0]:.1f} | {ratio('cold', cold[0])} | "
                     f"{ratio('warm', warm[0])} | {cold[1] / 1e6:.1f} | {warm[1] / 1e6:.1f} |")
    lines += ["", f"Artifacts: sparkenv layers {sizes['sparkenv'] / 1e6:.1f} MB, classic folder "
              f"{sizes['classic'] / 1e6:.1f} MB in {sizes['classic_files']} files, venv-pack "
              f"{sizes['venv-pack'] / 1e6:.1f} MB, pex {sizes['pex'] / 1e6:.1f} MB."]
    Path(out + ".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
