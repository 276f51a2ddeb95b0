"""`sparkenv submit --node-cache DIR` on the standalone cluster: the executors
take the layers from a folder shared by every application on the node (here
both Workers share the machine, so both executors race for each layer),
fetched once from the HDFS store through WebHDFS and unpacked once; a second
application fetches and unpacks nothing."""
import pytest

from bed_activation import (ENVREPORT, check_report, lock_and_build, other_python, push,
                            spark_conf, sparkenv, store_env)
from bed_spark import BedSpark, read_probe


@pytest.fixture(scope="module")
def stored(bed_env, tmp_path_factory):
    work = tmp_path_factory.mktemp("nodecache")
    env_dir, versions, manifest = lock_and_build(bed_env, work, ["numpy", "pandas", "bedapp"])
    ref, _, cleanup = push(bed_env, env_dir, "hdfs")
    yield ref, versions, manifest
    cleanup()


def snapshot(cache):
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in cache.iterdir()}


def test_node_cache_is_filled_once_and_shared(bed_env, stored, tmp_path):
    ref, versions, manifest = stored
    spark = BedSpark.of(bed_env, "4")
    python = other_python(bed_env)
    cache = tmp_path / "node-cache"
    layers = sorted(l["sha256"] for l in manifest["layers"])

    def run(out):
        conf = {"spark.pyspark.python": str(python), "spark.pyspark.driver.python": str(python)}
        p = sparkenv("submit", "--env", ref, "--node-cache", cache, "--cache-dir",
                     tmp_path / "cache", "--", "--master", spark.master, *spark_conf(conf),
                     ENVREPORT, out, 4,
                     env=spark.env({"PYSPARK_PYTHON": str(python), **store_env(bed_env)}))
        report = read_probe(out)
        check_report(report, versions, manifest, python=python, cluster=False)
        for t in report["udf"] + report["rdd"]:
            assert t["modules"]["pandas"]["file"].startswith(str(cache) + "/"), t["modules"]
        # Two executors, neither with a copy of its own.
        assert len({t["executor_id"] for t in report["udf"] + report["rdd"]}) == 2
        return p

    run(tmp_path / "first.json")
    first = snapshot(cache)
    assert sorted(n for n in first if not n.startswith(".")) == layers, first
    run(tmp_path / "second.json")
    assert snapshot(cache) == first  # nothing fetched or unpacked again
