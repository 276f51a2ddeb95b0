"""The baseline, end to end: the classic wheel recipe (tests/bed/baseline/)
ships pandas to executors that do not have it, on the standalone cluster and
in YARN cluster mode, for both Spark versions.

classic_recipe.sh downloads pandas' wheels for CPython 3.11/manylinux (from the
bed's PyPI mirror when it is up), unzips them with the app's own module
(bedprobe.py) into one folder and puts it on the bed's HDFS; activate_env.py
adds each top-level entry with addFile(recursive=True) and runs
`bedprobe:main`, which reports where every executor imported pandas from.
"""
import os
import subprocess
from pathlib import Path

import pytest

from bed_spark import BASELINE, LINES, PROBE, BedSpark, is_under, read_probe


@pytest.fixture(scope="session")
def classic_env(bed_env, tmp_path_factory):
    """Runs the recipe once; returns (HDFS folder, local wheels folder)."""
    for key in ("BED_HDFS_URL", "HADOOP_CONF_DIR", "BED_HDFS_USER"):
        assert key in bed_env, f"the bed does not publish {key}: is the hadoop service up?"
    out = tmp_path_factory.mktemp("classic")
    folder = f"{bed_env['BED_HDFS_URL']}/user/{bed_env['BED_HDFS_USER']}/bed-tests/classic-env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_INDEX")}
    for key in ("BED_PYPI_URL", "HADOOP_CONF_DIR", "BED_HADOOP_CLASSPATH"):
        if key in bed_env:
            env[key] = bed_env[key]
    env["JAVA_HOME"] = bed_env.get("BED_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    env["SPARK_HOME"] = bed_env["BED_SPARK4_HOME"]
    r = subprocess.run([str(BASELINE / "classic_recipe.sh"), "-r", str(BASELINE / "requirements.txt"),
                        "-o", str(out), "-a", str(PROBE), "--put", folder],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"classic_recipe.sh failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}"
    wheels = sorted(p.name for p in (out / "wheels").glob("*.whl"))
    assert any(w.startswith("pandas-") for w in wheels), wheels
    assert all("cp311" in w or "-none-any" in w for w in wheels), wheels
    assert (out / "site" / "pandas" / "__init__.py").is_file()
    return folder, out / "wheels"


def _pandas_version(wheels: Path) -> str:
    (whl,) = wheels.glob("pandas-*.whl")
    return whl.name.split("-")[1]


def _check(probe, spark, wheels, *, executors, cwd_root=None):
    driver, tasks = probe["driver"], probe["tasks"]
    assert driver["version"] == spark.version
    # The driver imported pandas from its SparkFiles root (userFiles-*)...
    assert "error" not in driver["pandas"], driver["pandas"]
    assert "/userFiles-" in driver["pandas"]["file"], driver["pandas"]
    # ... and every executor from its own working directory, with the
    # workers' Python being the bed's venv, which has no pandas.
    assert sorted(t["partition"] for t in tasks) == list(range(8))
    for t in tasks:
        assert t["python"] == str(spark.python), t["python"]
        assert "error" not in t["pandas"], (t["executor_id"], t["pandas"])
        assert t["pandas"]["version"] == _pandas_version(wheels)
        assert is_under(t["pandas"]["file"], t["cwd"]), (t["pandas"]["file"], t["cwd"])
        if cwd_root:
            assert is_under(t["cwd"], cwd_root), (t["cwd"], cwd_root)
    ids = {t["executor_id"]: t["jvm_pid"] for t in tasks}
    assert len(ids) == executors and len(set(ids.values())) == executors, ids


@pytest.mark.parametrize("line", LINES)
def test_workers_python_has_no_pandas(bed_env, line):
    spark = BedSpark.of(bed_env, line)
    assert spark.python.is_file()
    assert not spark.python_can_import("pandas")
    assert spark.python_can_import("pyspark")


@pytest.mark.parametrize("line", LINES)
def test_classic_recipe_on_standalone(bed_env, line, classic_env, tmp_path):
    spark = BedSpark.of(bed_env, line)
    assert not spark.python_can_import("pandas")
    folder, wheels = classic_env
    out = tmp_path / "probe.json"
    spark.submit([BASELINE / "activate_env.py", folder, "bedprobe:main", out, 8],
                 env={"HADOOP_CONF_DIR": bed_env["HADOOP_CONF_DIR"]})
    _check(read_probe(out), spark, wheels, executors=2, cwd_root=str(spark.work_dir))


@pytest.mark.parametrize("line", LINES)
def test_classic_recipe_on_yarn_cluster_mode(bed_env, line, classic_env, tmp_path):
    spark = BedSpark.of(bed_env, line)
    assert not spark.python_can_import("pandas")
    folder, wheels = classic_env
    out = tmp_path / "probe.json"
    pylib = spark.home / "python" / "lib"
    archives = ",".join(f"local:{p}" for p in sorted(pylib.glob("*.zip")))
    spark.submit(
        ["--deploy-mode", "cluster", BASELINE / "activate_env.py", folder, "bedprobe:main", out, 8],
        master="yarn",
        conf={"spark.yarn.jars": f"local:{spark.home}/jars/*",
              "spark.executor.instances": "2",
              "spark.pyspark.python": str(spark.python),
              "spark.yarn.submit.waitAppCompletion": "true"},
        env={"HADOOP_CONF_DIR": bed_env["HADOOP_CONF_DIR"], "PYSPARK_ARCHIVES_PATH": archives},
        timeout=420)
    probe = read_probe(out)
    assert probe["driver"]["master"] == "yarn"
    assert probe["driver"]["app_id"].startswith("application_")
    _check(probe, spark, wheels, executors=2)
    for t in probe["tasks"]:
        assert "/container_" in t["cwd"], t["cwd"]
