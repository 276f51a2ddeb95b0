"""Clients of the test bed's HDFS and YARN (tests/bed/services/hadoop).

`fs_shell(bed_env, "-cat", path)` runs Hadoop's own `FsShell` (the `hdfs dfs`
command) from the jars the bed runs on, with the bed's HADOOP_CONF_DIR first
on the classpath, as the `hadoop` launcher script would put it.
`webhdfs(bed_env, path)` is the WebHDFS URL of an HDFS path.
"""
import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LOG4J = ROOT / "tests" / "bed" / "hadoop" / "log4j.properties"


def _need(bed_env, *keys):
    missing = [k for k in keys if k not in bed_env]
    assert not missing, f"the bed does not publish {missing}: is hadoop up? (tests/bed/bed up hadoop)"


def fs_shell(bed_env: dict, *args, input: bytes | None = None, check: bool = True,
             user: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """Runs `FsShell ARGS...` (as HDFS user `user`, default: this OS user);
    stdout/stderr as bytes."""
    _need(bed_env, "HADOOP_CONF_DIR", "BED_HADOOP_CLASSPATH")
    java_home = bed_env.get("BED_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    cp = f"{bed_env['HADOOP_CONF_DIR']}:{bed_env['BED_HADOOP_CLASSPATH']}/*"
    cmd = [f"{java_home}/bin/java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
           f"-Dlog4j.configuration=file:{LOG4J}", "-cp", cp,
           "org.apache.hadoop.fs.FsShell", *map(str, args)]
    env = {k: v for k, v in os.environ.items() if k != "HADOOP_USER_NAME"}
    if user:
        env["HADOOP_USER_NAME"] = user
    r = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env)
    if check:
        assert r.returncode == 0, (f"FsShell {' '.join(map(str, args))} exited {r.returncode}:\n"
                                   + r.stderr.decode(errors="replace")[-4000:])
    return r


def hadoop_java(bed_env: dict, main: str, *args, check: bool = True,
                user: str | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """Runs a Java main class (or a single-file .java program) on the bed's
    Hadoop jars with HADOOP_CONF_DIR first on the classpath, as HDFS user
    `user` (default: this OS user); stdout/stderr as bytes."""
    _need(bed_env, "HADOOP_CONF_DIR", "BED_HADOOP_CLASSPATH")
    java_home = bed_env.get("BED_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    cp = f"{bed_env['HADOOP_CONF_DIR']}:{bed_env['BED_HADOOP_CLASSPATH']}/*"
    cmd = [f"{java_home}/bin/java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
           f"-Dlog4j.configuration=file:{LOG4J}", "-cp", cp, main, *map(str, args)]
    env = {k: v for k, v in os.environ.items() if k != "HADOOP_USER_NAME"}
    if user:
        env["HADOOP_USER_NAME"] = user
    r = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    if check:
        assert r.returncode == 0, (f"{main} {' '.join(map(str, args))} exited {r.returncode}:\n"
                                   + r.stderr.decode(errors="replace")[-4000:])
    return r


def dfs_admin(bed_env: dict, *args, check: bool = True) -> subprocess.CompletedProcess:
    """Runs Hadoop's `hdfs dfsadmin ARGS...` (DFSAdmin) as the bed user, the
    HDFS superuser: -setSpaceQuota 1m PATH, -clrSpaceQuota PATH, ..."""
    return hadoop_java(bed_env, "org.apache.hadoop.hdfs.tools.DFSAdmin", *args, check=check)


def webhdfs(bed_env: dict, path: str) -> str:
    _need(bed_env, "BED_WEBHDFS_URL")
    assert path.startswith("/"), path
    return f"{bed_env['BED_WEBHDFS_URL']}/webhdfs/v1{path}"


def hdfs_user(bed_env: dict) -> str:
    _need(bed_env, "BED_HDFS_USER")
    return bed_env["BED_HDFS_USER"]


def rm_json(bed_env: dict, path: str) -> dict:
    """GET of the ResourceManager's REST API, e.g. rm_json(env, "/ws/v1/cluster/nodes")."""
    _need(bed_env, "BED_YARN_WEB_URL")
    with urllib.request.urlopen(bed_env["BED_YARN_WEB_URL"] + path, timeout=10) as r:
        return json.load(r)


# ---- Spark on the bed's YARN ----

def spark_version(line: str) -> str:
    """The pinned Spark version of a line ("4", "3.5"): BED_SPARK_VERSIONS in tests/bed/lib.sh."""
    text = (ROOT / "tests" / "bed" / "lib.sh").read_text()
    m = re.search(r"^BED_SPARK_VERSIONS=\(([^)]*)\)", text, re.M)
    assert m, "BED_SPARK_VERSIONS not found in tests/bed/lib.sh"
    versions = [v for v in m.group(1).split() if v.startswith(line + ".")]
    assert len(versions) == 1, (line, m.group(1))
    return versions[0]


def yarn_spark(bed_env: dict, line: str):
    """A bed_spark.BedSpark for Spark `line` whose master is the bed's YARN.

    Needs only the venv of scripts/setup.d/50-bed-spark.sh, not the standalone
    spark service."""
    from bed_spark import BedSpark
    _need(bed_env, "HADOOP_CONF_DIR", "BED_YARN_WORK")
    version = spark_version(line)
    cache = Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))
    venv = cache / "spark" / version / "venv"
    marker = venv / "SPARK_HOME"
    assert marker.is_file(), f"no Spark {version} venv at {venv}: run scripts/setup.d/50-bed-spark.sh"
    return BedSpark(line, version, Path(marker.read_text().strip()), venv / "bin" / "python",
                    "yarn", Path(bed_env["BED_YARN_WORK"]),
                    bed_env.get("BED_JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"))


def yarn_conf(spark, deploy_mode: str) -> dict:
    """spark-submit settings for the bed's YARN: Spark's jars and PySpark's
    archives used in place (`local:`) instead of uploaded per application,
    small containers, the venv's Python on the driver and the executors."""
    return {
        "spark.submit.deployMode": deploy_mode,
        "spark.yarn.jars": f"local:{spark.home}/jars/*",
        "spark.executor.instances": "2",
        "spark.executor.cores": "1",
        "spark.driver.memory": "512m",
        "spark.executor.memory": "512m",
        "spark.yarn.am.memory": "512m",
        "spark.pyspark.python": str(spark.python),
        "spark.pyspark.driver.python": str(spark.python),
        "spark.yarn.submit.waitAppCompletion": "true",
        "spark.yarn.report.interval": "2s",
    }


def yarn_env(bed_env: dict, spark) -> dict:
    libs = sorted((spark.home / "python" / "lib").glob("*.zip"))
    assert any(p.name == "pyspark.zip" for p in libs), libs
    return {
        "HADOOP_CONF_DIR": bed_env["HADOOP_CONF_DIR"],
        "PYSPARK_ARCHIVES_PATH": ",".join(f"local:{p}" for p in libs),
    }
