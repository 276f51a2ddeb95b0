"""What every Python worker of an activated application imported: for the
driver and for each task (a SQL UDF and an RDD function, both defined here,
so executors import this module from the environment too), the versions and
files of numpy, pandas and bedapp, the versions importlib.metadata reports,
the interpreter, the working folder, the executor and the result of a
computation with numpy and pandas. Written as JSON to the local file OUT.

    spark-submit envreport.py OUT [PARTITIONS]                   (sparkenv submit)
    spark-submit activate_env.py ENV bedapp.report:main OUT [N]  (the classic entry)
    bedapp.report.run(spark, OUT)                                (after sparkenv.activate)
"""
import importlib
import json
import os
import sys
import time

MODULES = ("numpy", "pandas", "bedapp")


def _modules():
    out = {}
    for name in MODULES:
        try:
            module = importlib.import_module(name)
            out[name] = {"version": module.__version__, "file": module.__file__,
                         "real": os.path.realpath(module.__file__)}
        except Exception as e:  # reported, and the test says which
            out[name] = {"error": "%s: %s" % (type(e).__name__, e)}
    return out


def _distributions():
    import importlib.metadata as md
    out = {}
    for dist in md.distributions():
        name = dist.metadata["Name"].lower().replace("_", "-")
        out.setdefault(name, {"version": dist.version, "location": str(dist.locate_file(""))})
    return out


def _executor():
    """(executor id, JVM pid) of the nearest java ancestor."""
    pid = os.getppid()
    while pid > 1:
        try:
            with open("/proc/%d/stat" % pid) as f:
                stat = f.read()
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                args = [a.decode() for a in f.read().split(b"\0") if a]
        except OSError:
            break
        if stat[stat.index("(") + 1:stat.rindex(")")] == "java":
            exec_id = args[args.index("--executor-id") + 1] if "--executor-id" in args else None
            return exec_id, pid
        pid = int(stat[stat.rindex(")") + 2:].split()[1])
    return None, None


def _boot():
    try:
        from sparkenv import _boot
        status = _boot.status()
        return {"ran": status.get("ran"), "ok": status.get("ok"), "env_id": status.get("env_id")}
    except ImportError as e:
        return {"error": str(e)}


def task_report(n):
    import bedapp
    time.sleep(0.3)  # long enough for the scheduler to use every executor
    executor_id, jvm_pid = _executor()
    return json.dumps({
        "n": int(n), "value": bedapp.summarize(n), "executor_id": executor_id, "jvm_pid": jvm_pid,
        "pid": os.getpid(), "cwd": os.getcwd(), "python": sys.executable,
        "modules": _modules(), "dists": _distributions(), "boot": _boot(),
        "sys_path": sys.path,
    })


def run(spark, out, partitions=4):
    from pyspark.sql.functions import udf
    from pyspark.sql.types import StringType

    sc = spark.sparkContext
    report_udf = udf(task_report, StringType())
    rows = spark.range(partitions).repartition(partitions).select(report_udf("id")).collect()
    rdd = sc.parallelize(range(partitions), partitions).map(task_report).collect()
    driver = {"python": sys.executable, "cwd": os.getcwd(), "modules": _modules(),
              "dists": _distributions(), "value": __import__("bedapp").summarize(10),
              "master": sc.master, "version": sc.version, "app_id": sc.applicationId}
    result = {"driver": driver, "udf": [json.loads(r[0]) for r in rows],
              "rdd": [json.loads(r) for r in rdd]}
    with open(out + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
    os.replace(out + ".tmp", out)
    print("bedapp.report: %d tasks on executors %s" % (
        len(rows) + len(rdd),
        sorted({t["executor_id"] for t in result["udf"] + result["rdd"] if t["executor_id"]})))
    return result


def main(args):
    from pyspark.sql import SparkSession
    out = args[0]
    partitions = int(args[1]) if len(args) > 1 else 4
    run(SparkSession.builder.getOrCreate(), out, partitions)
    return 0
