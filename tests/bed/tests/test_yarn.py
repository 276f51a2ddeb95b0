"""Spark on the bed's YARN: `spark-submit --master yarn` runs a PySpark
application to completion (cluster mode for both Spark lines, client mode for
Spark 4); its result, computed on executors in YARN containers, is read back
from HDFS with Hadoop's own client, and the ResourceManager reports SUCCEEDED."""
import json
import re
import uuid

import pytest
import requests

from bed_hadoop import ROOT, fs_shell, hdfs_user, rm_json, webhdfs, yarn_conf, yarn_env, yarn_spark

PROBE = ROOT / "tests" / "bed" / "hadoop" / "yarnprobe.py"


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
