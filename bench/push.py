#!/usr/bin/env python3
"""Benchmark: `sparkenv push` against uploading one packed archive, on the test bed.

The question (issue 6): how long does it take, and how many bytes does it send, to
publish an environment to HDFS or S3 -- the first time (full) and after one package
changed (incremental)? The peers are what users do today with venv-pack or
conda-pack: pack the environment into one tar.gz and upload it whole,

  HDFS  hdfs dfs -put -f env.tar.gz hdfs:///.../env.tar.gz   (Hadoop's FsShell)
  S3    aws s3 cp env.tar.gz s3://bucket/.../env.tar.gz      (the AWS CLI)

against

  sparkenv push ENV_DIR STORE --tag bench                    (only the layers the store lacks)

Both sides upload exactly the same packages: the environments are built once by
`sparkenv build --format tar.gz`, which writes the layers sparkenv pushes and, beside
them, the classic single archive of every layer merged (the venv-pack layout) that
the peers upload. Packing is not timed on either side (both have a build step).

Environments (from the bed's PyPI mirror, CPython 3.11, manylinux_2_28_x86_64):
  v1  tests/bed/mirror/sets/datasci.txt (numpy, pandas, pyarrow, scikit-learn, scipy)
  v2  the same + one package (greenlet): "differs by one package"

Per store kind and repetition, in a fresh folder / prefix:
  full         sparkenv: push v1 to an empty store       peer: upload v1's archive
  incremental  sparkenv: push v2 to that store            peer: upload v2's archive

Wall time of each command (process start included: a JVM for FsShell, Python for
the AWS CLI) and the bytes of object data sent (sparkenv: the push report's
bytes_sent; peers: the archive's size). Medians over the repetitions; ratios
peer/sparkenv (>1: sparkenv is faster / sends less).

    scripts/bench push                       # hdfs and s3, 3 repetitions
    scripts/bench push --stores s3 --reps 1  # one store, one repetition
    bench/push.py --report bench/results/push.json   # re-render the tables, no run

Needs `tests/bed/bed up hadoop s3 mirror` and `scripts/build`. Not part of
scripts/test: a benchmark is not a test.
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
import uuid
from pathlib import Path

import boto3
import requests
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "bed" / "tests"))
from bed_spark import read_bed_env  # noqa: E402

SETS = ROOT / "tests" / "bed" / "mirror" / "sets"
LOG4J = ROOT / "tests" / "bed" / "hadoop" / "log4j.properties"
SPARKENV = Path(os.environ.get("SPARKENV_BIN", ROOT / "build" / "sparkenv"))
TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
EXTRA_PACKAGE = "greenlet"
STORES = ["hdfs", "s3"]
MODES = ["full", "incremental"]
TIMEOUT = 1800


def timed(cmd: list, env: dict) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                       timeout=TIMEOUT)
    seconds = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return seconds, p


def base_env(bed: dict) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("HADOOP_USER_NAME", "HADOOP_TOKEN")}
    env.update(HADOOP_CONF_DIR=bed["HADOOP_CONF_DIR"], AWS_ENDPOINT_URL=bed["BED_S3_ENDPOINT"],
               AWS_ACCESS_KEY_ID=bed["AWS_ACCESS_KEY_ID"],
               AWS_SECRET_ACCESS_KEY=bed["AWS_SECRET_ACCESS_KEY"],
               AWS_DEFAULT_REGION=bed.get("AWS_DEFAULT_REGION", "us-east-1"))
    return env


def build_envs(bed: dict, work: Path) -> dict:
    """v1 and v2 built from the mirror: {"v1": folder, "v2": folder}."""
    reqs = (SETS / "datasci.txt").read_text()
    out = {}
    for name, text in (("v1", reqs), ("v2", reqs + f"\n{EXTRA_PACKAGE}\n")):
        (work / f"{name}.txt").write_text(text)
        lock = work / f"{name}.toml"
        timed([SPARKENV, "lock", "-r", work / f"{name}.txt", "--index-url", bed["BED_PYPI_URL"],
               *TARGET, "--cache-dir", work / "cache", "-o", lock], dict(os.environ))
        timed([SPARKENV, "build", lock, "-o", work / name, "--format", "tar.gz", "--cache-dir",
               work / "cache"], dict(os.environ))
        out[name] = work / name
    m1 = json.loads((out["v1"] / "manifest.json").read_text())
    m2 = json.loads((out["v2"] / "manifest.json").read_text())
    extra = {l["sha256"] for l in m2["layers"]} - {l["sha256"] for l in m1["layers"]}
    if len(extra) != 1:
        raise RuntimeError(f"v2 should differ from v1 by one layer, not {len(extra)}")
    return out


def fs_shell_cmd(bed: dict, *args) -> list:
    java = bed.get("BED_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    cp = f"{bed['HADOOP_CONF_DIR']}:{bed['BED_HADOOP_CLASSPATH']}/*"
    # What `hdfs dfs` runs: FsShell on the Hadoop classpath, the site configuration first.
    return [f"{java}/bin/java", "-Xmx256m", f"-Dlog4j.configuration=file:{LOG4J}", "-cp", cp,
            "org.apache.hadoop.fs.FsShell", *args]


def aws_cli() -> str:
    here = Path(sys.executable).parent / "aws"
    return str(here) if here.exists() else (shutil.which("aws") or "aws")


class Hdfs:
    name = "hdfs"

    def __init__(self, bed: dict):
        self.bed = bed
        self.user = bed.get("BED_HDFS_USER", "root")
        self.base = f"/user/{self.user}/bench-push-{uuid.uuid4().hex[:10]}"

    def store_url(self, rep: int) -> str:
        return f"{self.bed['BED_HDFS_URL']}{self.base}/r{rep}/store"

    def peer(self, archive: Path, rep: int, name: str, env: dict) -> float:
        seconds, _ = timed(fs_shell_cmd(self.bed, "-put", "-f", archive,
                                        f"{self.bed['BED_HDFS_URL']}{self.base}/r{rep}/{name}.tar.gz"),
                           env)
        return seconds

    def peer_setup(self, rep: int, env: dict):
        timed(fs_shell_cmd(self.bed, "-mkdir", "-p", f"{self.bed['BED_HDFS_URL']}{self.base}/r{rep}"),
              env)

    def peer_noop(self, env: dict) -> float:
        """A command that sends nothing: the peer's fixed cost (JVM start, configuration)."""
        seconds, _ = timed(fs_shell_cmd(self.bed, "-test", "-d", f"{self.bed['BED_HDFS_URL']}/"),
                           env)
        return seconds

    @staticmethod
    def peer_command() -> str:
        return "hdfs dfs -put -f env.tar.gz hdfs://.../env.tar.gz (FsShell, JVM start included)"

    def cleanup(self):
        requests.delete(f"{self.bed['BED_WEBHDFS_URL']}/webhdfs/v1{self.base}",
                        params={"op": "DELETE", "recursive": "true", "user.name": self.user},
                        timeout=120)


class S3:
    name = "s3"

    def __init__(self, bed: dict):
        self.bed = bed
        self.bucket = bed["BED_S3_BUCKET"]
        self.prefix = f"bench-push-{uuid.uuid4().hex[:10]}"

    def store_url(self, rep: int) -> str:
        return f"s3://{self.bucket}/{self.prefix}/r{rep}/store"

    def peer_setup(self, rep: int, env: dict):
        pass

    def peer_noop(self, env: dict) -> float:
        """One small request: the peer's fixed cost (Python start, configuration)."""
        seconds, _ = timed([aws_cli(), "s3api", "head-bucket", "--bucket", self.bucket,
                            "--endpoint-url", self.bed["BED_S3_ENDPOINT"]], env)
        return seconds

    def peer(self, archive: Path, rep: int, name: str, env: dict) -> float:
        seconds, _ = timed([aws_cli(), "s3", "cp", "--only-show-errors", archive,
                            f"s3://{self.bucket}/{self.prefix}/r{rep}/{name}.tar.gz",
                            "--endpoint-url", self.bed["BED_S3_ENDPOINT"]], env)
        return seconds

    @staticmethod
    def peer_command() -> str:
        return "aws s3 cp env.tar.gz s3://.../env.tar.gz --endpoint-url URL (AWS CLI, its defaults)"

    def cleanup(self):
        client = boto3.client(
            "s3", endpoint_url=self.bed["BED_S3_ENDPOINT"],
            aws_access_key_id=self.bed["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.bed["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
        for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + "/"):
            for o in page.get("Contents", []):
                client.delete_object(Bucket=self.bucket, Key=o["Key"])


def run(args) -> dict:
    bed = read_bed_env()
    env = base_env(bed)
    work = Path(tempfile.mkdtemp(prefix="sparkenv-bench-push-"))
    runs = []
    try:
        print(f"building v1 (datasci) and v2 (+{EXTRA_PACKAGE}) from the mirror ...", flush=True)
        envs = build_envs(bed, work)
        archives = {n: envs[n] / "env.tar.gz" for n in envs}
        sizes = {n: archives[n].stat().st_size for n in envs}
        layers = {n: json.loads((envs[n] / "manifest.json").read_text())["layers"] for n in envs}
        for kind in args.stores:
            store = Hdfs(bed) if kind == "hdfs" else S3(bed)
            try:
                for rep in range(args.reps):
                    url = store.store_url(rep)
                    store.peer_setup(rep, env)
                    runs.append({"store": kind, "mode": "noop", "tool": "peer", "rep": rep,
                                 "seconds": store.peer_noop(env), "bytes": 0})
                    for mode, name in (("full", "v1"), ("incremental", "v2")):
                        seconds, p = timed([SPARKENV, "push", envs[name], url, "--tag", "bench",
                                            "--json", "-q", "-j", str(args.jobs)], env)
                        report = json.loads(p.stdout)
                        runs.append({"store": kind, "mode": mode, "tool": "sparkenv", "rep": rep,
                                     "seconds": seconds, "bytes": report["bytes_sent"],
                                     "blobs_uploaded": report["blobs_uploaded"],
                                     "blobs_present": report["blobs_present"]})
                        seconds = store.peer(archives[name], rep, name, env)
                        runs.append({"store": kind, "mode": mode, "tool": "peer", "rep": rep,
                                     "seconds": seconds, "bytes": sizes[name]})
                        print(f"{kind} {mode} rep {rep}: sparkenv {runs[-2]['seconds']:.2f}s "
                              f"{runs[-2]['bytes']} B, peer {seconds:.2f}s {sizes[name]} B",
                              flush=True)
            finally:
                store.cleanup()
        return {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "reps": args.reps, "jobs": args.jobs,
            "environments": {n: {"packages": len(layers[n]),
                                 "layer_bytes": sum(l["size"] for l in layers[n]),
                                 "archive_bytes": sizes[n]} for n in envs},
            "extra_package": EXTRA_PACKAGE,
            "peers": {"hdfs": Hdfs.peer_command(), "s3": S3.peer_command()},
            "runs": runs,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB"


def render(result: dict) -> str:
    lines = [
        f"Push benchmark, {result['date']}, {result['machine']['cpus']} CPUs, "
        f"{result['reps']} repetitions (medians), sparkenv -j {result['jobs']}.",
        "",
        "| environment | packages | layers (sparkenv) | one archive (peer) |",
        "|---|---|---|---|",
    ]
    for n, e in result["environments"].items():
        label = "v1 datasci" if n == "v1" else f"v2 datasci + {result['extra_package']}"
        lines.append(f"| {label} | {e['packages']} | {mib(e['layer_bytes'])} | "
                     f"{mib(e['archive_bytes'])} |")
    lines += ["", "| store | push | sparkenv time | peer time | time ratio (peer/sparkenv) | "
              "sparkenv sent | peer sent | bytes ratio |", "|---|---|---|---|---|---|---|---|"]
    for kind in STORES:
        for mode in MODES:
            sel = [r for r in result["runs"] if r["store"] == kind and r["mode"] == mode]
            if not sel:
                continue
            med = {t: (statistics.median(r["seconds"] for r in sel if r["tool"] == t),
                       statistics.median(r["bytes"] for r in sel if r["tool"] == t))
                   for t in ("sparkenv", "peer")}
            peer = "hdfs dfs -put" if kind == "hdfs" else "aws s3 cp"
            lines.append(
                f"| {kind} ({peer}) | {mode} | {med['sparkenv'][0]:.2f} s | {med['peer'][0]:.2f} s "
                f"| {med['peer'][0] / med['sparkenv'][0]:.2f} | {mib(med['sparkenv'][1])} | "
                f"{mib(med['peer'][1])} | {med['peer'][1] / max(med['sparkenv'][1], 1):.1f} |")
    noop = []
    for kind in STORES:
        sel = [r["seconds"] for r in result["runs"] if r["store"] == kind and r["mode"] == "noop"]
        if sel:
            what = "`hdfs dfs -test -d /`" if kind == "hdfs" else "`aws s3api head-bucket`"
            noop.append(f"{what} {statistics.median(sel):.2f} s")
    if noop:
        lines += ["", "The peers' fixed cost per command (a command that sends nothing): "
                  + ", ".join(noop) + "."]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", default=",".join(STORES),
                        help="comma-separated: hdfs, s3 (default both)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=8, help="sparkenv push -j")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "push"),
                        help="writes OUT.json and OUT.md")
    parser.add_argument("--report", help="re-render the tables of a JSON result; no run")
    args = parser.parse_args()
    args.stores = [s for s in args.stores.split(",") if s]
    if any(s not in STORES for s in args.stores):
        parser.error(f"--stores: expected some of {', '.join(STORES)}")
    if args.report:
        print(render(json.loads(Path(args.report).read_text())), end="")
        return 0
    if not SPARKENV.exists():
        print(f"{SPARKENV} not found: run scripts/build", file=sys.stderr)
        return 1
    result = run(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    table = render(result)
    out.with_suffix(".md").write_text(table)
    print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
