"""Shared fixtures for the CLI tests: run the built sparkenv binary."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sparkenv_bin() -> str:
    path = os.environ.get("SPARKENV_BIN", str(ROOT / "build" / "sparkenv"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"sparkenv binary not found at {path}: run scripts/build first")
    return path


@pytest.fixture
def run(sparkenv_bin):
    """run(*args) -> CompletedProcess with text stdout/stderr (never raises)."""

    def _run(*args, **kwargs):
        return subprocess.run(
            [sparkenv_bin, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=kwargs.pop("timeout", 120),
            **kwargs,
        )

    return _run
