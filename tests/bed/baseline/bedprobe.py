"""A PySpark application that reports where its Python code runs.

For each partition an executor reports: its executor id and JVM pid (found by
walking up from the Python worker to the first `java` ancestor), that JVM's
parent command line, the worker's cwd and interpreter, and what `import
pandas` gives there (its file, or the error). The driver adds the same about
itself and writes everything as JSON to the local file OUT.

    spark-submit bedprobe.py OUT [PARTITIONS]
    spark-submit activate_env.py ENV_FOLDER bedprobe:main OUT [PARTITIONS]
"""
import json
import os
import sys
import time


def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    ppid = int(stat[stat.rindex(")") + 2:].split()[1])
    return comm, ppid


def _cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return [a.decode() for a in f.read().split(b"\0") if a]


def _pandas():
    try:
        import pandas
        return {"file": os.path.realpath(pandas.__file__), "version": pandas.__version__}
    except ImportError as e:
        return {"error": f"{type(e).__name__}: {e}"}


def _where_am_i():
    """The nearest `java` ancestor of this process, and facts about it."""
    pid = os.getppid()
    while pid > 1:
        comm, ppid = _stat(pid)
        if comm == "java":
            args = _cmdline(pid)
            exec_id = args[args.index("--executor-id") + 1] if "--executor-id" in args else None
            return {"jvm_pid": pid, "executor_id": exec_id, "jvm_parent_pid": ppid,
                    "jvm_parent_cmdline": _cmdline(ppid)}
        pid = ppid
    return {"jvm_pid": None, "executor_id": None}


def _probe(index, rows):
    time.sleep(0.3)  # long enough for the scheduler to use every executor
    info = _where_am_i()
    info.update(partition=index, cwd=os.path.realpath(os.getcwd()),
                python=sys.executable, pandas=_pandas(), sys_path=sys.path)
    yield info


def main(args):
    from pyspark.sql import SparkSession
    out = args[0]
    partitions = int(args[1]) if len(args) > 1 else 8
    spark = SparkSession.builder.getOrCreate()
    sc = spark.sparkContext
    tasks = sc.parallelize(range(partitions), partitions).mapPartitionsWithIndex(_probe).collect()
    driver = {"jvm_pid": sc._jvm.java.lang.ProcessHandle.current().pid(),
              "python": sys.executable, "cwd": os.path.realpath(os.getcwd()),
              "pandas": _pandas(), "master": sc.master, "version": sc.version,
              "app_id": sc.applicationId}
    with open(out + ".tmp", "w") as f:
        json.dump({"driver": driver, "tasks": tasks}, f, indent=1)
    os.replace(out + ".tmp", out)
    print(f"bedprobe: {len(tasks)} tasks on executors "
          f"{sorted({t['executor_id'] for t in tasks if t['executor_id']})}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
