"""Fixtures for the integration tests on the test bed.

`bed_env` is the environment the bed publishes (`tests/bed/bed env`): service
URLs, HADOOP_CONF_DIR, SPARK_HOME of each Spark version, S3 credentials, the
PyPI mirror URL. The tests require the bed to be up (`tests/bed/bed up`).
"""
import pytest

from bed_spark import read_bed_env


@pytest.fixture(scope="session")
def bed_env() -> dict:
    return read_bed_env()
