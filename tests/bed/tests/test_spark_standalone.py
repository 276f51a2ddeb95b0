"""Both Spark versions of the bed run PySpark jobs on real, separate executor
JVMs: on the standalone cluster (2 Workers) and in local-cluster mode."""
import shutil

import pytest

from bed_spark import LINES, PROBE, BedSpark, is_under, read_probe


def _executors(tasks):
    return {t["executor_id"]: t["jvm_pid"] for t in tasks}


@pytest.mark.parametrize("line", LINES)
def test_standalone_job_runs_in_two_executor_jvms(bed_env, line, tmp_path):
    spark = BedSpark.of(bed_env, line)
    out = tmp_path / "probe.json"
    spark.submit([PROBE, out, 8])
    probe = read_probe(out)
    driver, tasks = probe["driver"], probe["tasks"]
    assert driver["version"] == spark.version
    assert driver["master"] == spark.master
    assert sorted(t["partition"] for t in tasks) == list(range(8))

    executors = _executors(tasks)
    pids = set(executors.values())
    assert len(executors) == 2, executors
    assert len(pids) == 2 and None not in pids, executors
    assert driver["jvm_pid"] not in pids
    # Each executor JVM is a child of a different Worker JVM of this cluster,
    # and runs in a work dir of that cluster: .../worker<N>/<app id>/<executor id>.
    workers = {t["jvm_parent_pid"] for t in tasks}
    assert len(workers) == 2
    for t in tasks:
        parent = t["jvm_parent_cmdline"]
        assert "org.apache.spark.deploy.worker.Worker" in parent, parent
        assert spark.master in parent, parent
        assert is_under(t["cwd"], str(spark.work_dir)), (t["cwd"], spark.work_dir)
        assert t["cwd"].endswith(f"/{driver['app_id']}/{t['executor_id']}"), t["cwd"]
        # The workers' "system Python" is the bed's venv: pyspark and py4j only.
        assert t["python"] == str(spark.python)
        assert "error" in t["pandas"], t["pandas"]


@pytest.mark.parametrize("line", LINES)
def test_local_cluster_job_runs_in_two_executor_jvms(bed_env, line, tmp_path):
    spark = BedSpark.of(bed_env, line)
    out = tmp_path / "probe.json"
    spark.submit([PROBE, out, 6], master="local-cluster[2,1,1024]")
    probe = read_probe(out)
    driver, tasks = probe["driver"], probe["tasks"]
    assert driver["master"] == "local-cluster[2,1,1024]"
    assert sorted(t["partition"] for t in tasks) == list(range(6))
    executors = _executors(tasks)
    assert len(executors) == 2 and len(set(executors.values())) == 2, executors
    # local-cluster runs its Workers inside the driver's JVM; the executors
    # are its child processes, working in $SPARK_HOME/work/<app id>/<id>
    # (LocalSparkCluster gives its Workers no other work dir): removed here.
    assert {t["jvm_parent_pid"] for t in tasks} == {driver["jvm_pid"]}
    app_dir = spark.home / "work" / driver["app_id"]
    for t in tasks:
        assert t["cwd"] == str(app_dir / t["executor_id"])
    shutil.rmtree(app_dir)
