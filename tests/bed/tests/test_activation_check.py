"""An environment built for another Python (3.12) on the bed's Python 3.11
workers fails fast with sparkenv's message naming both interpreters -- on the
driver at start-up, in every executor's Python worker, and in
sparkenv.activate() -- never with an ImportError."""
import os

import pytest

from bed_activation import (ENVREPORT, lock_and_build, python_package, spark_conf, spark_submit,
                            sparkenv)
from bed_spark import BedSpark

TARGET_312 = ["--python", "3.12", "--platform", "manylinux_2_28_x86_64"]

UDF_ONLY = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
def f(_):
    import numpy  # the environment's numpy is for CPython 3.12
    yield numpy.__version__
print(spark.sparkContext.parallelize(range(2), 2).mapPartitions(f).collect())
"""

ACTIVATE = """
import sys
from pyspark.sql import SparkSession
import sparkenv
spark = SparkSession.builder.getOrCreate()
try:
    sparkenv.activate(spark, sys.argv[1])
except sparkenv.EnvironmentMismatch as e:
    print("MISMATCH|" + str(e))
"""


@pytest.fixture(scope="module")
def env312(bed_env, tmp_path_factory):
    work = tmp_path_factory.mktemp("py312")
    env_dir, versions, manifest = lock_and_build(bed_env, work, ["numpy", "pandas", "bedapp"],
                                                 target=TARGET_312)
    return env_dir, manifest, work


def expected_message(manifest, spark, role):
    """Everything of the message but the host's name."""
    return (f"sparkenv: environment {manifest['env_id'][:12]} was built for CPython 3.12 on linux "
            f"x86_64, wheels need glibc >= 2.",  # the rest depends on the wheels picked
            f", but {role} is CPython 3.11.",
            f" ({spark.python} on host ",
            "): Python 3.12 vs 3.11. Build the environment for this interpreter ('sparkenv "
            "target probe', then 'sparkenv lock --target') or run Spark with a matching Python "
            "(spark.pyspark.python).")


def assert_message(text, parts):
    """The message (one line of `text` holding every part, in order); and no
    ImportError anywhere."""
    for line in text.splitlines():
        start = line.find(parts[0])
        if start < 0:
            continue
        end = line.find(parts[-1], start)
        if end < 0:
            continue
        message = line[start:end + len(parts[-1])]
        if all(part in message for part in parts):
            assert "ImportError" not in text and "ModuleNotFoundError" not in text, text[-3000:]
            return message
    raise AssertionError(f"no line with {parts} in:\n{text[-6000:]}")


def test_the_driver_fails_at_start_up(bed_env, env312, tmp_path):
    env_dir, manifest, _ = env312
    spark = BedSpark.of(bed_env, "4")
    p = sparkenv("submit", "--env", env_dir, "--cache-dir", tmp_path, "--", "--master",
                 spark.master, *spark_conf(), ENVREPORT, tmp_path / "out.json",
                 env=spark.env(), check=False, timeout=300)
    assert p.returncode != 0
    # spark-submit passes the Python driver's stderr on to its stdout.
    output = p.stdout + p.stderr
    assert_message(output, expected_message(manifest, spark, "the driver's Python"))
    assert "sparkenv.EnvironmentMismatch: " in output
    assert not os.path.exists(tmp_path / "out.json")


def test_each_executor_checks_itself(bed_env, env312, tmp_path):
    env_dir, manifest, _ = env312
    spark = BedSpark.of(bed_env, "4")
    app = tmp_path / "udf_only.py"
    app.write_text(UDF_ONLY)
    p = sparkenv("submit", "--env", env_dir, "--cache-dir", tmp_path, "--", "--master",
                 spark.master, *spark_conf({"spark.task.maxFailures": "1"}), app,
                 env=spark.env(), check=False, timeout=300)
    assert p.returncode != 0
    output = p.stdout + p.stderr
    message = assert_message(output, expected_message(manifest, spark, "this Python worker"))
    assert "sparkenv.EnvironmentMismatch: " + message in output


def test_activate_refuses_it_on_the_driver(bed_env, env312, tmp_path):
    env_dir, manifest, work = env312
    spark = BedSpark.of(bed_env, "3.5")
    app = tmp_path / "activate.py"
    app.write_text(ACTIVATE)
    pkg = python_package(work)
    p = spark_submit(spark, ["--master", "local[1]", *spark_conf(), "--py-files",
                             pkg / "sparkenv.zip", app, env_dir])
    (line,) = [l for l in p.stdout.splitlines() if l.startswith("MISMATCH|")]
    assert_message(line, expected_message(manifest, spark, "the driver's Python"))
