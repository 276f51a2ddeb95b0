"""Running PySpark applications on the test bed's Spark (standalone,
local-cluster and YARN) with `spark-submit` from the pip distribution.

`BedSpark.of(bed_env, "4")` / `"3.5"` describes one installed Spark version as
published by tests/bed/spark.sh; `submit()` runs spark-submit with small,
CPU-frugal settings and fails with the tail of its log when it exits non-zero.
"""
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BED_SCRIPT = ROOT / "tests" / "bed" / "bed"
BASELINE = ROOT / "tests" / "bed" / "baseline"
PROBE = BASELINE / "bedprobe.py"
LINES = ["4", "3.5"]
_PREFIX = {"4": "BED_SPARK4", "3.5": "BED_SPARK35"}

def read_bed_env() -> dict:
    """What `tests/bed/bed env` publishes, as a dict (its `export K=V` lines)."""
    out = subprocess.run([str(BED_SCRIPT), "env"], capture_output=True, text=True,
                         check=True).stdout
    env = {}
    for line in out.splitlines():
        line = line.strip().removeprefix("export ")
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env[key] = value.strip().strip("'\"")
    return env


# Small executors, no UI, and wait until all executors registered so that
# tasks spread over every executor.
FRUGAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.driver.memory": "512m",
    "spark.executor.memory": "512m",
    "spark.executor.cores": "1",
    "spark.cores.max": "2",
    "spark.scheduler.minRegisteredResourcesRatio": "1.0",
    "spark.scheduler.maxRegisteredResourcesWaitingTime": "120s",
}


@dataclass(frozen=True)
class BedSpark:
    line: str
    version: str
    home: Path
    python: Path
    master: str
    work_dir: Path
    java_home: str

    @staticmethod
    def of(bed_env: dict, line: str) -> "BedSpark":
        p = _PREFIX[line]
        missing = [k for k in (f"{p}_HOME", f"{p}_PYTHON", f"{p}_MASTER", f"{p}_WORK_DIR")
                   if k not in bed_env]
        assert not missing, f"the bed does not publish {missing}: is spark-{line} up?"
        return BedSpark(line, bed_env[f"{p}_VERSION"], Path(bed_env[f"{p}_HOME"]),
                        Path(bed_env[f"{p}_PYTHON"]), bed_env[f"{p}_MASTER"],
                        Path(bed_env[f"{p}_WORK_DIR"]),
                        bed_env.get("BED_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"))

    def env(self, extra: dict | None = None) -> dict:
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SPARK_CONF_DIR", "PYSPARK_SUBMIT_ARGS")}
        env.update(JAVA_HOME=self.java_home, SPARK_HOME=str(self.home), SPARK_LOCAL_IP="127.0.0.1",
                   PYSPARK_PYTHON=str(self.python), PYSPARK_DRIVER_PYTHON=str(self.python))
        env.update(extra or {})
        return env

    def submit(self, args: list, *, master: str | None = None, conf: dict | None = None,
               env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
        cmd = [str(self.home / "bin" / "spark-submit"), "--master", master or self.master]
        for k, v in {**FRUGAL_CONF, **(conf or {})}.items():
            cmd += ["--conf", f"{k}={v}"]
        cmd += [str(a) for a in args]
        r = subprocess.run(cmd, env=self.env(env), capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, (f"spark-submit exited {r.returncode}: {' '.join(cmd)}\n"
                                   f"--- stdout\n{r.stdout[-3000:]}\n--- stderr\n{r.stderr[-6000:]}")
        return r

    def python_can_import(self, module: str) -> bool:
        r = subprocess.run([str(self.python), "-c", f"import {module}"], capture_output=True)
        return r.returncode == 0


def read_probe(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def is_under(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder and path != folder
