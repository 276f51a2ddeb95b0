"""Fixtures for the integration tests on the test bed.

`bed_env` is the environment the bed publishes (`tests/bed/bed env`): service
URLs, HADOOP_CONF_DIR, SPARK_HOME of each Spark version, S3 credentials, the
PyPI mirror URL. The tests require the bed to be up (`tests/bed/bed up`).
"""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BED = ROOT / "tests" / "bed" / "bed"


@pytest.fixture(scope="session")
def bed_env() -> dict:
    out = subprocess.run([str(BED), "env"], capture_output=True, text=True, check=True).stdout
    env = {}
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("export "):
            line = line[len("export "):]
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env[key] = value.strip().strip("'\"")
    return env
