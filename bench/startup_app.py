"""The application bench/startup.py times: one job of two tasks, one per
executor, each importing pandas and scikit-learn (and fitting a tiny model),
recording when it ended. Prints one line `BENCH-RESULT <json>`.

    spark-submit startup_app.py                         (sparkenv submit, --archives, PEX)
    spark-submit activate_env.py FOLDER startup_app:main  (the classic recipe)
"""
import json
import os
import sys
import time


def _task(index, _rows):
    started = time.time()
    import pandas
    import sklearn
    from sklearn.linear_model import LinearRegression
    frame = pandas.DataFrame({"x": range(10)})
    model = LinearRegression().fit(frame[["x"]], 2 * frame.x + 1)
    yield {"partition": index, "start": started, "end": time.time(), "pid": os.getpid(),
           "cwd": os.getcwd(), "pandas": pandas.__version__, "sklearn": sklearn.__version__,
           "coef": round(float(model.coef_[0]), 6)}


def main(args=None):
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.getOrCreate()
    tasks = spark.sparkContext.parallelize(range(2), 2).mapPartitionsWithIndex(_task).collect()
    print("BENCH-RESULT " + json.dumps({"tasks": tasks, "driver_end": time.time(),
                                        "app_id": spark.sparkContext.applicationId}), flush=True)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
