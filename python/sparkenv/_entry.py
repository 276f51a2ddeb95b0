"""The classic entry point (activate_env.py):

    spark-submit [options] [--py-files sparkenv.zip] activate_env.py ENV \\
        package.module[:function] [args...]

creates (or gets) the SparkSession, activates ENV on the driver and the
executors (sparkenv.activate), then imports package.module from the
environment and calls function (default `main`) with the remaining
arguments as a list. Its return value is the exit code (None is 0).
"""
import importlib
import sys

USAGE = "usage: activate_env.py ENV package.module[:function] [args...]"


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        sys.stderr.write(USAGE + "\n")
        return 2
    env, target, args = argv[0], argv[1], argv[2:]
    module_name, _, function = target.partition(":")
    if not module_name:
        sys.stderr.write("activate_env.py: '%s': expected package.module[:function]\n" % target)
        return 2
    from pyspark.sql import SparkSession

    from . import _activate
    spark = SparkSession.builder.getOrCreate()
    _activate.activate(spark, env)
    run = getattr(importlib.import_module(module_name), function or "main")
    return run(args)
