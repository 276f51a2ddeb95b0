"""`sparkenv submit` on the bed: one application -- UDFs using numpy and
pandas, plus the user's own package (bedapp, a wheel in the lock) -- on
local[2], the standalone cluster (client mode) and YARN (client and cluster
mode), with Spark 4.3.0 and 3.5.9. The workers' own Python has OTHER versions
of numpy and pandas and no bedapp: every executor (and the driver) must
import the locked versions, from the environment's layers.

The environment is a local build folder (file:// layers, served by the
driver or uploaded by spark-submit); store URLs (HDFS, S3) come with the
stores (issue 6).
"""
import os
import subprocess

import pytest

from bed_activation import (ENVREPORT, check_report, lock_and_build, other_python,
                            python_versions, spark_conf, sparkenv)
from bed_hadoop import yarn_conf, yarn_env, yarn_spark
from bed_spark import BedSpark, read_probe


@pytest.fixture(scope="module")
def built(bed_env, tmp_path_factory):
    return lock_and_build(bed_env, tmp_path_factory.mktemp("submit"), ["numpy", "pandas", "bedapp"])


@pytest.fixture(scope="module")
def workers_python(bed_env, built):
    _, versions, _ = built
    python = other_python(bed_env)
    own = python_versions(python)
    # The isolation claim needs other versions on the workers' own Python.
    assert own["numpy"] and own["numpy"] != versions["numpy"], own
    assert own["pandas"] and own["pandas"] != versions["pandas"], own
    assert own["bedapp"] is None, own
    return python


def submit(spark, bed_env, env_dir, out, master, mode, python, cache, extra_conf=None,
           extra_env=None):
    conf = {"spark.pyspark.python": str(python), "spark.pyspark.driver.python": str(python),
            **(extra_conf or {})}
    env = spark.env({"PYSPARK_PYTHON": str(python), "PYSPARK_DRIVER_PYTHON": str(python),
                     **(extra_env or {})})
    return sparkenv("submit", "--env", env_dir, "--cache-dir", cache, "--",
                    "--master", master, "--deploy-mode", mode, *spark_conf(conf),
                    ENVREPORT, out, 4, env=env, timeout=600)


CASES = [("4", "local"), ("3.5", "local"), ("4", "standalone"), ("3.5", "standalone"),
         ("4", "yarn-client"), ("4", "yarn-cluster"), ("3.5", "yarn-client"),
         ("3.5", "yarn-cluster")]


@pytest.mark.parametrize("line,where", CASES)
def test_submit_imports_the_environment_everywhere(bed_env, built, workers_python, tmp_path, line,
                                                   where):
    env_dir, versions, manifest = built
    out = tmp_path / "report.json"
    if where.startswith("yarn"):
        spark = yarn_spark(bed_env, line)
        mode = where.split("-")[1]
        conf = {**yarn_conf(spark, mode), "spark.pyspark.python": str(workers_python),
                "spark.pyspark.driver.python": str(workers_python)}
        p = submit(spark, bed_env, env_dir, out, "yarn", mode, workers_python, tmp_path / "cache",
                   conf, yarn_env(bed_env, spark))
    else:
        spark = BedSpark.of(bed_env, line)
        master = "local[2]" if where == "local" else spark.master
        p = submit(spark, bed_env, env_dir, out, master, "client", workers_python,
                   tmp_path / "cache")
    report = read_probe(out)
    assert report["driver"]["version"] == spark.version
    check_report(report, versions, manifest, python=workers_python, cluster=where != "local")
    assert p.stderr.startswith(f"sparkenv: environment {manifest['env_id'][:12]} "
                               f"({len(manifest['layers'])} layers) on "), p.stderr[:500]
    if where == "yarn-cluster":
        assert report["driver"]["app_id"].startswith("application_")
        # The driver ran in its container, importing from the layers YARN unpacked there.
        assert "/container_" in report["driver"]["modules"]["pandas"]["file"]
    else:
        # The driver ran here, from the layers unpacked once into the cache.
        assert report["driver"]["modules"]["pandas"]["file"].startswith(
            str(tmp_path / "cache" / "spark-v1" / "layers") + "/")


def test_standalone_cluster_mode_is_refused_before_spark_submit(bed_env, built, tmp_path):
    env_dir, _, _ = built
    spark = BedSpark.of(bed_env, "4")
    p = sparkenv("submit", "--env", env_dir, "--cache-dir", tmp_path, "--", "--master",
                 spark.master, "--deploy-mode", "cluster", ENVREPORT, tmp_path / "out.json",
                 env=spark.env(), check=False)
    assert p.returncode == 2
    assert p.stderr == (
        "sparkenv: error: deploy mode cluster is not possible for a Python application on the "
        f"standalone cluster '{spark.master}': spark-submit refuses it (\"Cluster deploy mode is "
        "currently not supported for python applications on standalone clusters\"); use "
        "--deploy-mode client, or YARN or Kubernetes for cluster mode\n")
    # spark-submit itself says the same (Spark 3.5 and 4.x): nothing is faked.
    r = subprocess.run([str(spark.home / "bin" / "spark-submit"), "--master", spark.master,
                        "--deploy-mode", "cluster", str(ENVREPORT)], env=spark.env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert ("Cluster deploy mode is currently not supported for python applications on "
            "standalone clusters") in r.stderr
    assert not os.path.exists(tmp_path / "out.json")
