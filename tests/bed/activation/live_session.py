"""The notebook case: a SparkSession that has already run a job activates an
environment (sparkenv.activate), then runs bedapp.report.

    spark-submit --py-files sparkenv.zip live_session.py ENV OUT
Writes OUT (bedapp.report's JSON) plus OUT.before.json: what a task saw
before the activation (numpy from the workers' own Python, or none).
"""
import json
import os
import sys


def before(_):
    import sys
    try:
        import numpy
        numpy_seen = {"version": numpy.__version__, "file": numpy.__file__}
    except ImportError as e:
        numpy_seen = {"error": str(e)}
    return json.dumps({"pid": os.getpid(), "numpy": numpy_seen, "python": sys.executable})


def main(env, out):
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    sc = spark.sparkContext
    seen = [json.loads(r) for r in sc.parallelize(range(4), 4).map(before).collect()]
    with open(out + ".before.json", "w") as f:
        json.dump(seen, f)

    import sparkenv
    activation = sparkenv.activate(spark, env)
    print("activated %r; checked %d workers" % (activation, len(activation.checked_workers)))
    from bedapp import report
    report.run(spark, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
