"""`sparkenv submit` on the bed: one application -- UDFs using numpy and
pandas, plus the user's own package (bedapp, a wheel in the lock) -- on
local[2], the standalone cluster (client mode) and YARN (client and cluster
mode), with Spark 4.3.0 and 3.5.9, the environment in a store on the bed's
HDFS (and on its S3 for the standalone cluster). The workers' own Python has
OTHER versions of numpy and pandas and no bedapp: every executor (and the
driver) must import the locked versions, from the environment's layers.

On YARN a second application with the same environment downloads nothing:
the layers are PUBLIC resources (files, unpacked by the bootstrap), localized
once per node.
"""
import os
import subprocess
import time
from pathlib import Path

import pytest

from bed_activation import (ENVREPORT, YARN_LAYERS, check_report, lock_and_build, other_python,
                            push, python_versions, s3a_conf, spark_conf, sparkenv, store_env)
from bed_hadoop import yarn_conf, yarn_env, yarn_spark
from bed_spark import BedSpark, read_probe


@pytest.fixture(scope="module")
def built(bed_env, tmp_path_factory):
    return lock_and_build(bed_env, tmp_path_factory.mktemp("submit"), ["numpy", "pandas", "bedapp"])


@pytest.fixture(scope="module")
def stores(bed_env, built):
    """The environment pushed to a fresh store on HDFS and on S3: {kind: reference}."""
    env_dir, _, _ = built
    refs, cleanups = {}, []
    for kind in ("hdfs", "s3"):
        ref, _, cleanup = push(bed_env, env_dir, kind)
        refs[kind] = ref
        cleanups.append(cleanup)
    yield refs
    for cleanup in cleanups:
        cleanup()


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


def submit(spark, bed_env, env_ref, out, master, mode, python, cache, extra_conf=None,
           extra_env=None):
    conf = {"spark.pyspark.python": str(python), "spark.pyspark.driver.python": str(python),
            **(extra_conf or {})}
    env = spark.env({"PYSPARK_PYTHON": str(python), "PYSPARK_DRIVER_PYTHON": str(python),
                     **store_env(bed_env), **(extra_env or {})})
    return sparkenv("submit", "--env", env_ref, "--cache-dir", cache, "--",
                    "--master", master, "--deploy-mode", mode, *spark_conf(conf),
                    ENVREPORT, out, 4, env=env, timeout=600)


def run_on(bed_env, line, where, env_ref, python, out, cache):
    """Runs envreport.py through sparkenv submit; returns (BedSpark, process)."""
    if where.startswith("yarn"):
        spark = yarn_spark(bed_env, line)
        mode = where.split("-")[1]
        conf = {**yarn_conf(spark, mode), "spark.pyspark.python": str(python),
                "spark.pyspark.driver.python": str(python)}
        return spark, submit(spark, bed_env, env_ref, out, "yarn", mode, python, cache, conf,
                             yarn_env(bed_env, spark))
    spark = BedSpark.of(bed_env, line)
    master = "local[2]" if where == "local" else spark.master
    conf = s3a_conf(bed_env, spark) if where == "standalone-s3" else {}
    mode = "client"
    if where.startswith("standalone-cluster"):
        # spark-submit returns once the driver runs, unless asked to wait.
        # The driver takes one of the bed's two one-core workers: one executor
        # is all the application can get (and must wait for).
        mode, conf = "cluster", {"spark.standalone.submit.waitAppCompletion": "true",
                                 "spark.cores.max": "1"}
        if line == "3.5":
            # Spark 3.5's Worker starts a driver JVM without the module
            # options spark-submit gives one on Java 17 (any application).
            conf["spark.driver.extraJavaOptions"] = JAVA17_MODULE_OPTIONS
    return spark, submit(spark, bed_env, env_ref, out, master, mode, python, cache, conf)


# Spark 3.5's launcher's JavaModuleOptions, which a standalone cluster-mode
# driver on Java 17 needs (docs/spark.md).
JAVA17_MODULE_OPTIONS = " ".join(["-XX:+IgnoreUnrecognizedVMOptions"] + [
    "--add-opens=java.base/%s=ALL-UNNAMED" % m for m in (
        "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio",
        "java.util", "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref",
        "sun.nio.ch", "sun.nio.cs", "sun.security.action", "sun.util.calendar")] +
    ["-Djdk.reflect.useDirectMethodHandle=false"])


CASES = [("4", "local"), ("3.5", "local"), ("4", "standalone"), ("3.5", "standalone"),
         ("4", "standalone-s3"), ("3.5", "standalone-s3"), ("4", "standalone-cluster"),
         ("3.5", "standalone-cluster"), ("4", "standalone-cluster-s3"),
         ("3.5", "standalone-cluster-s3"), ("4", "yarn-client"), ("4", "yarn-cluster"),
         ("3.5", "yarn-client"), ("3.5", "yarn-cluster")]


@pytest.mark.parametrize("line,where", CASES)
def test_submit_imports_the_environment_everywhere(bed_env, built, stores, workers_python,
                                                   tmp_path, line, where):
    _, versions, manifest = built
    out = tmp_path / "report.json"
    env_ref = stores["s3" if where.endswith("-s3") else "hdfs"]
    spark, p = run_on(bed_env, line, where, env_ref, workers_python, out, tmp_path / "cache")
    report = read_probe(out)
    assert report["driver"]["version"] == spark.version
    # The bed's standalone workers have one core each: in cluster mode the
    # driver takes one of them, which leaves one executor.
    check_report(report, versions, manifest, python=workers_python, cluster=where != "local",
                 executors=1 if where.startswith("standalone-cluster") else 2,
                 yarn=where.startswith("yarn"))
    assert p.stderr.startswith(f"sparkenv: environment {manifest['env_id'][:12]} "
                               f"({len(manifest['layers'])} layers) on "), p.stderr[:500]
    if where.startswith("standalone-cluster"):
        # The driver ran on a worker, from sparkenv's launcher, importing from
        # the layers the launcher fetched from HDFS (or S3, through presigned
        # URLs: the cluster has no S3 settings here) into the driver's folder.
        launcher = ("http://%s/" % bed_env["BED_S3_ENDPOINT"].split("://", 1)[1]
                    if where.endswith("-s3") else "hdfs://")
        assert "; the driver starts from the launcher " + launcher in p.stderr, p.stderr[:500]
        # sparkenv's own line cuts the URL at its query (spark-submit's log
        # below it prints the primary resource whole, as for any URL).
        assert "X-Amz-Signature" not in p.stderr.splitlines()[0]
        assert bed_env["AWS_SECRET_ACCESS_KEY"] not in p.stdout + p.stderr
        driver_file = report["driver"]["modules"]["pandas"]["file"]
        assert driver_file.startswith(str(spark.work_dir) + "/"), driver_file
        assert "/driver-" in driver_file, driver_file
        sha = {l["package"]: l["sha256"] for l in manifest["layers"]}
        assert f"/{sha['pandas']}/site-packages/" in driver_file, driver_file
    elif where == "yarn-cluster":
        assert report["driver"]["app_id"].startswith("application_")
        # The driver ran in the ApplicationMaster's container, importing from the
        # layers the bootstrap unpacked beside the NodeManager's caches.
        assert YARN_LAYERS in report["driver"]["modules"]["pandas"]["file"]
    else:
        # The driver ran here, from the layers unpacked once into the cache.
        assert report["driver"]["modules"]["pandas"]["file"].startswith(
            str(tmp_path / "cache" / "spark-v1" / "layers") + "/")


def public_layers(bed_env, manifest) -> dict:
    """The NodeManager's PUBLIC cache entries of the environment's layers (the
    blob files): {blob name: (path, inode, mtime)}."""
    blobs = {l["sha256"] + ".tar.gz" for l in manifest["layers"]}
    found = {}
    for entry in Path(bed_env["BED_YARN_WORK"]).glob("**/filecache/*/*.tar.gz"):
        if entry.name in blobs and "/usercache/" not in str(entry):
            st = entry.stat()
            found[entry.name] = (str(entry), st.st_ino, st.st_mtime_ns)
    return found


def test_yarn_second_application_downloads_nothing(bed_env, built, stores, workers_python,
                                                   tmp_path):
    _, versions, manifest = built
    before = public_layers(bed_env, manifest)
    if len(before) < len(manifest["layers"]):  # no YARN application used it yet
        run_on(bed_env, "4", "yarn-client", stores["hdfs"], workers_python,
               tmp_path / "first.json", tmp_path / "cache")
        before = public_layers(bed_env, manifest)
    first_done = time.time_ns()
    # Each layer is localized once, as a PUBLIC resource (world-readable store).
    assert sorted(before) == sorted(l["sha256"] + ".tar.gz" for l in manifest["layers"]), before
    spark, _ = run_on(bed_env, "4", "yarn-client", stores["hdfs"], workers_python,
                      tmp_path / "second.json", tmp_path / "cache")
    report = read_probe(tmp_path / "second.json")
    check_report(report, versions, manifest, python=workers_python, yarn=True)
    # Nothing localized again: the same entries, untouched...
    assert public_layers(bed_env, manifest) == before
    # ...and nothing unpacked again: the executors imported from the layers
    # the first application's containers unpacked once for the node.
    sha = {l["package"]: l["sha256"] for l in manifest["layers"]}
    unpacked = {}
    for t in report["udf"] + report["rdd"]:
        for module in ("numpy", "pandas", "bedapp"):
            f = t["modules"][module]["file"]
            root = f.split(YARN_LAYERS)[0] + YARN_LAYERS + sha[module]
            assert f.startswith(root + "/site-packages/"), (module, f)
            unpacked[root] = os.stat(root).st_mtime_ns
    assert unpacked and all(mtime < first_done for mtime in unpacked.values()), unpacked


def test_spark_submit_alone_refuses_standalone_cluster_mode(bed_env, built, tmp_path):
    """Why `sparkenv submit` needs its launcher there: spark-submit itself
    (Spark 3.5 and 4.x) refuses a Python application in standalone cluster
    mode; and what the launcher cannot carry is refused before spark-submit."""
    env_dir, _, _ = built
    spark = BedSpark.of(bed_env, "4")
    r = subprocess.run([str(spark.home / "bin" / "spark-submit"), "--master", spark.master,
                        "--deploy-mode", "cluster", str(ENVREPORT)], env=spark.env(),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert ("Cluster deploy mode is currently not supported for python applications on "
            "standalone clusters") in r.stderr
    p = sparkenv("submit", "--env", env_dir, "--cache-dir", tmp_path, "--", "--master",
                 spark.master, "--deploy-mode", "cluster", "--py-files", ENVREPORT, ENVREPORT,
                 tmp_path / "out.json", env=spark.env(), check=False)
    assert p.returncode == 2
    assert p.stderr == (
        "sparkenv: error: deploy mode cluster on a standalone cluster: --py-files cannot reach "
        "the driver on its worker; build your own code into the environment with 'sparkenv "
        "build --app PATH' instead\n")
    assert not os.path.exists(tmp_path / "out.json")
