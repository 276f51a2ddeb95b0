"""sparkenv inside Spark: activate an environment written by `sparkenv build`
or published by `sparkenv push` on a running SparkSession.

    import sparkenv
    sparkenv.activate(spark, "hdfs:///user/alice/envs/myapp:prod")

Pure Python (3.8 and newer), no dependencies. docs/spark.md describes the
use, docs/activation.md the mechanism.
"""
from ._activate import Activation, EnvironmentConflict, activate, active
from ._interp import EnvironmentMismatch
from ._store import StoreError

__version__ = "0.1.0"

# Tracebacks name them as users import them.
for _error in (EnvironmentConflict, EnvironmentMismatch, StoreError):
    _error.__module__ = __name__
del _error

__all__ = ["activate", "active", "Activation", "EnvironmentConflict", "EnvironmentMismatch",
           "StoreError", "__version__"]
