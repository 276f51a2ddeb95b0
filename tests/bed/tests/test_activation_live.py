"""`sparkenv.activate(spark, ENV)` in a session that already ran a job (the
notebook case), and the classic entry point `activate_env.py ENV
bedapp.report:main OUT`: the same checks as for `sparkenv submit` -- every
executor imports the locked numpy, pandas and bedapp from the environment,
while the workers' own Python has other versions; so does the driver, whose
Python (the bed's) has none of them.

A driver whose Python has other versions has imported them before the
activation (PySpark imports numpy and pandas when a session starts): they
stay loaded there, activate() says so, and the executors are not affected.
"""
import json

import pytest

from bed_activation import (ACTIVATION, LIVE_SESSION, check_report, lock_and_build, other_python,
                            push, python_package, spark_conf, spark_submit)
from bed_hadoop import yarn_conf, yarn_env, yarn_spark
from bed_spark import BedSpark, read_probe


@pytest.fixture(scope="module")
def built(bed_env, tmp_path_factory):
    work = tmp_path_factory.mktemp("live")
    env_dir, versions, manifest = lock_and_build(bed_env, work, ["numpy", "pandas", "bedapp"])
    return env_dir, versions, manifest, python_package(work)


@pytest.fixture(scope="module")
def on_hdfs(bed_env, built):
    """The environment in a store on the bed's HDFS, read by activate() through
    the session's JVM (Hadoop's FileSystem)."""
    ref, _, cleanup = push(bed_env, built[0], "hdfs")
    yield ref
    cleanup()


def env_ref(request, built, kind):
    return request.getfixturevalue("on_hdfs") if kind == "hdfs" else built[0]


def where_spark(bed_env, line, where, python, driver_python=None):
    """(BedSpark, spark-submit options, extra environment) for a place to run:
    executors on `python`, the driver on `driver_python` (default: the bed's
    Python, which has neither numpy nor pandas)."""
    spark = yarn_spark(bed_env, line) if where.startswith("yarn") else BedSpark.of(bed_env, line)
    driver_python = driver_python or spark.python
    conf = {"spark.pyspark.python": str(python), "spark.pyspark.driver.python": str(driver_python)}
    if where.startswith("yarn"):
        mode = where.split("-")[1]
        return spark, ["--master", "yarn"] + spark_conf({**yarn_conf(spark, mode), **conf}), \
            yarn_env(bed_env, spark)
    master = "local[2]" if where == "local" else spark.master
    return spark, ["--master", master] + spark_conf(conf), {}


@pytest.mark.parametrize("line,where,kind", [("3.5", "standalone", "hdfs"),
                                             ("4", "yarn-client", "hdfs"), ("4", "local", "folder")])
def test_activate_in_a_running_session(request, bed_env, built, tmp_path, line, where, kind):
    _, versions, manifest, pkg = built
    env_dir = env_ref(request, built, kind)
    python = other_python(bed_env)
    spark, options, extra_env = where_spark(bed_env, line, where, python)
    out = tmp_path / "report.json"
    p = spark_submit(spark, [*options, "--py-files", pkg / "sparkenv.zip", LIVE_SESSION, env_dir,
                             out], env={"PYSPARK_PYTHON": str(python),
                                        "PYSPARK_DRIVER_PYTHON": str(spark.python), **extra_env})
    # Before: the workers' own numpy (1.x), from their own site-packages.
    before = json.loads((tmp_path / "report.json.before.json").read_text())
    assert {b["numpy"]["version"] for b in before} == {"1.26.4"}, before
    report = read_probe(out)
    check_report(report, versions, manifest, python=python, cluster=where != "local")
    # After: fresh Python workers (Spark keys its worker pools by the
    # variables activate() changed), which never imported the old numpy.
    assert not {b["pid"] for b in before} & {t["pid"] for t in report["udf"] + report["rdd"]}
    # The driver imports from the layers Spark unpacked into its SparkFiles root.
    assert "/userFiles-" in report["driver"]["modules"]["pandas"]["file"]
    assert "; checked " in p.stdout, p.stdout


@pytest.mark.parametrize("line,where,kind", [("4", "standalone", "hdfs"),
                                             ("3.5", "yarn-cluster", "hdfs")])
def test_activate_env_entry_point(request, bed_env, built, tmp_path, line, where, kind):
    _, versions, manifest, pkg = built
    env_dir = env_ref(request, built, kind)
    python = other_python(bed_env)
    spark, options, extra_env = where_spark(bed_env, line, where, python)
    out = tmp_path / "report.json"
    spark_submit(spark, [*options, "--py-files", pkg / "sparkenv.zip", pkg / "activate_env.py",
                         env_dir, "bedapp.report:main", out, 4],
                 env={"PYSPARK_PYTHON": str(python), "PYSPARK_DRIVER_PYTHON": str(spark.python),
                      **extra_env})
    report = read_probe(out)
    check_report(report, versions, manifest, python=python)
    if where == "yarn-cluster":
        # The driver ran in the ApplicationMaster, from the SparkFiles root Spark made there.
        assert "/appcache/application_" in report["driver"]["modules"]["pandas"]["file"]


CONFLICT = r"""
import json, sys, warnings
from pyspark.sql import SparkSession
import sparkenv
spark = SparkSession.builder.getOrCreate()
# PySpark imported the driver Python's own numpy and pandas at start-up.
print("PRELOADED|" + json.dumps(sorted(m for m in ("numpy", "pandas") if m in sys.modules)))
try:
    sparkenv.activate(spark, sys.argv[1], on_conflict="error", check=False)
except sparkenv.EnvironmentConflict as e:
    print("REFUSED|" + str(e).replace("\n", "\\n"))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    sparkenv.activate(spark, sys.argv[1])
print("WARNED|%d" % sum("already imported" in str(w.message) for w in caught))
import pandas, bedapp
print("DRIVER|" + json.dumps([pandas.__version__, bedapp.__file__]))
from bedapp import report
report.run(spark, sys.argv[2])
"""


def test_a_driver_that_imported_other_versions_is_warned_and_executors_use_the_environment(
        bed_env, built, tmp_path):
    env_dir, versions, manifest, pkg = built
    python = other_python(bed_env)
    spark = BedSpark.of(bed_env, "4")
    app = tmp_path / "conflict.py"
    app.write_text(CONFLICT)
    out = tmp_path / "report.json"
    p = spark_submit(spark, ["--master", spark.master, *spark_conf(
        {"spark.pyspark.python": str(python), "spark.pyspark.driver.python": str(python)}),
        "--py-files", pkg / "sparkenv.zip", app, env_dir, out],
        env={"PYSPARK_PYTHON": str(python), "PYSPARK_DRIVER_PYTHON": str(python)})
    lines = dict(line.split("|", 1) for line in p.stdout.splitlines() if "|" in line)
    assert json.loads(lines["PRELOADED"]) == ["numpy", "pandas"]
    refused = lines["REFUSED"].replace("\\n", "\n")
    own = python.parent.parent / "lib" / "python3.11" / "site-packages"
    assert refused == (
        f"sparkenv: the driver already imported modules the environment {manifest['env_id'][:12]} "
        "provides, at other versions; they stay loaded in this process (the executors use the "
        "environment's):\n"
        f"  numpy 1.26.4 from {own}/numpy/__init__.py (the environment has numpy "
        f"{versions['numpy']})\n"
        f"  pandas 2.1.4 from {own}/pandas/__init__.py (the environment has pandas "
        f"{versions['pandas']})\n"
        "For the environment's versions on the driver too, start it with them: 'sparkenv "
        "submit', or a driver Python without them.")
    assert lines["WARNED"] == "1"
    pandas_version, bedapp_file = json.loads(lines["DRIVER"])
    assert pandas_version == "2.1.4"  # what the warning is about: it stays loaded
    assert "/sparkenv-" in bedapp_file  # what was not loaded comes from the environment
    report = read_probe(out)
    for t in report["udf"] + report["rdd"]:
        for module in ("numpy", "pandas", "bedapp"):
            assert t["modules"][module]["version"] == versions[module], (module, t["modules"])
            assert t["modules"][module]["file"].startswith(t["cwd"] + "/sparkenv-")
    assert ACTIVATION.is_dir()
