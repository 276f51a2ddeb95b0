"""The classic entry point: make a folder of unzipped wheels importable on
the driver and on every executor, then run the application.

    spark-submit [options] activate_env.py FOLDER package.module[:function] [args...]

FOLDER (on HDFS or any Hadoop filesystem; a local folder only with a local
master) is what classic_recipe.sh wrote: unzipped wheels plus the app's own
modules. Each of its top-level entries is added with
`SparkContext.addFile(path, recursive=True)`, so it lands in the SparkFiles
root, which every PySpark worker puts on sys.path. The function (default
`main`) is called with the remaining arguments; its return value is the exit code.
"""
import importlib
import sys

from pyspark.sql import SparkSession


def add_folder(sc, folder):
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    for status in fs.listStatus(path):
        sc.addFile(status.getPath().toString(), recursive=True)
    importlib.invalidate_caches()  # the driver's SparkFiles root just changed


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: activate_env.py FOLDER package.module[:function] [args...]")
    folder, target, args = argv[0], argv[1], argv[2:]
    module_name, _, function = target.partition(":")
    sc = SparkSession.builder.getOrCreate().sparkContext
    add_folder(sc, folder)
    run = getattr(importlib.import_module(module_name), function or "main")
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
