"""Spark on the bed's YARN: `spark-submit --master yarn` runs a PySpark
application to completion (cluster mode for both Spark lines, client mode for
Spark 4); its result, computed on executors in YARN containers, is read back
from HDFS with Hadoop's own client, and the ResourceManager reports SUCCEEDED."""
import json
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from bed_hadoop import ROOT, fs_shell, hdfs_user, rm_json, webhdfs, yarn_conf, yarn_env, yarn_spark
from bed_spark import BED_SCRIPT, FRUGAL_CONF

PROBE = ROOT / "tests" / "bed" / "hadoop" / "yarnprobe.py"
BED_HOME = Path(os.environ.get("SPARKENV_BED_HOME")
                or Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))
                / "bed")


@pytest.fixture
def out_dir(bed_env):
    user = hdfs_user(bed_env)
    path = f"/user/{user}/bedtest-yarn-{uuid.uuid4().hex[:12]}"
    yield path
    requests.delete(webhdfs(bed_env, path),
                    params={"op": "DELETE", "recursive": "true", "user.name": user}, timeout=30)


@pytest.mark.parametrize("line,mode", [("4", "cluster"), ("3.5", "cluster"), ("4", "client")])
def test_spark_submit_on_yarn(bed_env, line, mode, out_dir):
    spark = yarn_spark(bed_env, line)
    r = spark.submit([PROBE, f"{bed_env['BED_HDFS_URL']}{out_dir}"],
                     master="yarn", conf={**yarn_conf(spark, mode), "spark.app.name": "bed-yarn-probe"},
                     env=yarn_env(bed_env, spark),
                     timeout=420)

    result = json.loads(fs_shell(bed_env, "-cat", f"{out_dir}/part-00000").stdout)
    assert result["version"] == spark.version
    assert result["master"] == "yarn"
    assert result["deploy_mode"] == mode
    tasks = result["tasks"]
    assert sorted(t["partition"] for t in tasks) == [0, 1, 2, 3]
    assert sum(t["count"] for t in tasks) == 1000
    assert sum(t["sum_sq"] for t in tasks) == sum(i * i for i in range(1000))

    # Every task ran in a YARN container of this application, with the venv's Python,
    # in a NodeManager work folder of the bed.
    app_id = result["app_id"]
    m = re.fullmatch(r"application_(\d+)_(\d+)", app_id)
    assert m, app_id
    container_prefix = f"container_{m.group(1)}_{m.group(2)}_"
    for t in tasks:
        assert t["container"] and t["container"].startswith(container_prefix), t
        assert t["python"] == str(spark.python), t
        assert t["cwd"].startswith(bed_env["BED_YARN_WORK"] + "/"), t
    # Everything listens on loopback only: the driver (wherever it runs) and the
    # executors (SPARK_LOCAL_IP from the NodeManager's admin environment).
    assert result["driver_host"] in ("127.0.0.1", "localhost"), result
    assert result["driver_spark_local_ip"] == "127.0.0.1", result
    assert {t["spark_local_ip"] for t in tasks} == {"127.0.0.1"}, tasks
    # In cluster mode the driver is the ApplicationMaster (container 1); in
    # client mode it runs here, outside YARN.
    if mode == "cluster":
        assert result["driver_container"].startswith(container_prefix + "01_000001"), result
        assert result["driver_container"] not in {t["container"] for t in tasks}
    else:
        assert result["driver_container"] is None, result

    # The ResourceManager's verdict, and spark-submit's report of it.
    app = rm_json(bed_env, f"/ws/v1/cluster/apps/{app_id}")["app"]
    assert (app["state"], app["finalStatus"]) == ("FINISHED", "SUCCEEDED"), app
    assert app["name"] == "bed-yarn-probe"
    if mode == "cluster":
        assert "final status: SUCCEEDED" in r.stderr, r.stderr[-3000:]


def _processes_under(folder: str) -> dict:
    """{pid: cmdline} of processes whose working directory lies under folder."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if cwd.startswith(folder + "/"):
            found[int(pid)] = cmdline
    return found


def _listening(pids: set) -> list:
    """Local addresses of the TCP sockets these processes listen on (ss -ltnp)."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        cols = line.split()
        owners = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if owners & pids:
            found.append(cols[3])
    return found


def _bed(*args, timeout=300):
    return subprocess.run([str(BED_SCRIPT), *args], capture_output=True, text=True,
                          timeout=timeout)


# Last in this file: it restarts the hadoop service.
def test_down_ends_running_containers_and_up_restarts(bed_env, tmp_path):
    spark = yarn_spark(bed_env, "4")
    app = tmp_path / "sleeper.py"
    app.write_text(
        "import time\n"
        "from pyspark.sql import SparkSession\n"
        "sc = SparkSession.builder.getOrCreate().sparkContext\n"
        "sc.parallelize(range(2), 2).foreach(lambda _: time.sleep(900))\n")
    conf = {**FRUGAL_CONF, **yarn_conf(spark, "cluster"), "spark.app.name": "bed-yarn-sleeper"}
    cmd = [str(spark.home / "bin" / "spark-submit"), "--master", "yarn"]
    for k, v in conf.items():
        cmd += ["--conf", f"{k}={v}"]
    submit = subprocess.Popen(cmd + [str(app)], env=spark.env(yarn_env(bed_env, spark)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    work = bed_env["BED_YARN_WORK"]
    try:
        # Wait for the ApplicationMaster, two executors and their Python workers.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            procs = _processes_under(work)
            executors = [c for c in procs.values()
                         if c.split(" ")[0].endswith("/bin/java") and "ExecutorBackend" in c]
            workers = [c for c in procs.values() if "pyspark" in c and "java" not in c]
            if len(executors) == 2 and workers:
                break
            assert submit.poll() is None, "spark-submit ended before its executors ran"
            time.sleep(2)
        else:
            pytest.fail(f"no 2 executors with Python workers after 240 s: {procs}")
        # The application's processes listen on loopback only.
        listening = _listening(set(procs))
        assert listening, "no listening socket found for the application's processes"
        assert all(a.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for a in listening), listening
        hadoop_pid = int((BED_HOME / "run" / "hadoop.pid").read_text())

        started = time.monotonic()
        r = _bed("down", "hadoop")
        assert r.returncode == 0, r.stderr
        # Stopped by its own signal handler (bounded stops), not by the KILL
        # that bed_stop sends after 20 s.
        assert time.monotonic() - started < 19
        assert not os.path.exists(f"/proc/{hadoop_pid}")
        assert _processes_under(work) == {}
        assert _bed("status", "hadoop").returncode != 0
    finally:
        try:
            os.killpg(submit.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        submit.wait()
        r = _bed("up", "hadoop")
    assert r.returncode == 0, r.stderr
    status = _bed("status", "hadoop")
    assert status.returncode == 0 and "1 NodeManager" in status.stdout, status.stdout
