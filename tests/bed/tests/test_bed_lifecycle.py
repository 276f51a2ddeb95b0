"""The bed's entry point: status per service, idempotent `up`, and a `down`
that leaves no process behind even while an application is running."""
import json
import os
import subprocess
import time
import urllib.request

import pytest

from bed_spark import BED_SCRIPT, BedSpark

SERVICES = ["hadoop", "s3", "spark-4", "spark-3.5", "mirror"]


def bed(*args, timeout=300):
    return subprocess.run([str(BED_SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


def _master_json(bed_env, line):
    prefix = {"4": "BED_SPARK4", "3.5": "BED_SPARK35"}[line]
    with urllib.request.urlopen(bed_env[f"{prefix}_MASTER_WEB"] + "/json/", timeout=10) as r:
        return json.load(r)


def _processes_under(folder):
    """Pids of processes whose working directory lies under folder."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd.startswith(str(folder) + "/"):
            pids.append(int(pid))
    return pids


@pytest.mark.parametrize("service", SERVICES)
def test_status_reports_service_healthy(service):
    r = bed("status", service)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{service}: "), r.stdout


def test_status_of_unknown_service_fails():
    r = bed("status", "nosuch")
    assert r.returncode != 0
    assert "unknown bed service 'nosuch'" in r.stderr


def test_up_again_is_a_no_op(bed_env):
    before = _master_json(bed_env, "4")
    started = time.monotonic()
    r = bed("up", "spark-4")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - started < 10
    after = _master_json(bed_env, "4")
    # Same master (start time) and the same two workers: nothing restarted.
    assert after["status"] == "ALIVE"
    assert [w["id"] for w in after["workers"]] == [w["id"] for w in before["workers"]]


def test_down_stops_running_executors_and_up_restarts(bed_env, tmp_path):
    spark = BedSpark.of(bed_env, "3.5")
    job = tmp_path / "busy.py"
    job.write_text(
        "import time\n"
        "from pyspark.sql import SparkSession\n"
        "sc = SparkSession.builder.getOrCreate().sparkContext\n"
        "sc.parallelize(range(2), 2).foreach(lambda _: time.sleep(600))\n")
    cmd = [str(spark.home / "bin" / "spark-submit"), "--master", spark.master,
           "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=512m",
           "--conf", "spark.cores.max=2", str(job)]
    driver = subprocess.Popen(cmd, env=spark.env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # Wait for the executors' Python workers: processes in the work dir.
        deadline = time.monotonic() + 180
        while len(_processes_under(spark.work_dir)) < 4 and time.monotonic() < deadline:
            assert driver.poll() is None, "the driver exited early"
            time.sleep(1)
        assert len(_processes_under(spark.work_dir)) >= 4  # 2 executor JVMs + Python

        r = bed("down", "spark-3.5")
        assert r.returncode == 0, r.stderr
        assert _processes_under(spark.work_dir) == []
        assert bed("status", "spark-3.5").returncode != 0
    finally:
        os.killpg(driver.pid, 9)
        driver.wait()
        r = bed("up", "spark-3.5")
    assert r.returncode == 0, r.stderr
    assert bed("status", "spark-3.5").returncode == 0
    state = _master_json(bed_env, "3.5")
    assert state["status"] == "ALIVE" and len(state["workers"]) == 2
