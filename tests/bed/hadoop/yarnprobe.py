"""A small PySpark application for the bed's YARN tests (tests/bed/tests/test_yarn.py).

    spark-submit --master yarn yarnprobe.py OUT

Sums i*i for i in 0..999 over 4 partitions on the executors, and writes one
JSON line to OUT (an HDFS folder, saveAsTextFile) describing what ran where:
the YARN container of the driver and of each task, the Python that ran it.
"""
import json
import os
import sys

from pyspark.sql import SparkSession


def describe_partition(index, items):
    items = list(items)
    yield {
        "partition": index,
        "count": len(items),
        "sum_sq": sum(i * i for i in items),
        "container": os.environ.get("CONTAINER_ID"),
        "python": sys.executable,
        "cwd": os.getcwd(),
        "spark_local_ip": os.environ.get("SPARK_LOCAL_IP"),
    }


def main():
    out = sys.argv[1]
    spark = SparkSession.builder.appName("bed-yarn-probe").getOrCreate()
    sc = spark.sparkContext
    tasks = sc.parallelize(range(1000), 4).mapPartitionsWithIndex(describe_partition).collect()
    result = {
        "app_id": sc.applicationId,
        "version": sc.version,
        "master": sc.master,
        "deploy_mode": sc.getConf().get("spark.submit.deployMode"),
        "driver_container": os.environ.get("CONTAINER_ID"),
        "driver_host": sc.getConf().get("spark.driver.host"),
        "driver_spark_local_ip": os.environ.get("SPARK_LOCAL_IP"),
        "driver_python": sys.executable,
        "tasks": tasks,
    }
    sc.parallelize([json.dumps(result, sort_keys=True)], 1).saveAsTextFile(out)
    spark.stop()


if __name__ == "__main__":
    main()
