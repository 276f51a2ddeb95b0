"""An example PySpark job for `scripts/quickstart`: the executors compute with
numpy and pandas from the environment, and say where they imported them from.

    sparkenv submit --env STORE/quickstart:latest -- --master 'local-cluster[2,1,1024]' examples/job.py
"""
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf
from pyspark.sql.types import StringType


@udf(StringType())
def where(_):
    import os

    import numpy
    import pandas
    site = os.path.dirname(os.path.dirname(pandas.__file__))
    return "executor working in %s: numpy %s, pandas %s from %s" % (
        os.path.basename(os.getcwd()), numpy.__version__, pandas.__version__,
        os.path.relpath(site, os.getcwd()))


def squares(rows):
    import numpy
    import pandas
    frame = pandas.DataFrame({"x": numpy.fromiter((r.id for r in rows), dtype="int64")})
    yield int((frame.x ** 2).sum())


if __name__ == "__main__":
    spark = SparkSession.builder.appName("sparkenv quickstart").getOrCreate()
    df = spark.range(1000).repartition(4)
    total = sum(df.rdd.mapPartitions(squares).collect())
    print("sum of squares of 0..999, computed with numpy and pandas on the executors: %d" % total)
    for (line,) in df.select(where("id")).distinct().collect():
        print(line)
    spark.stop()
