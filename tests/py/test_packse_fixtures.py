"""The packse resolver scenarios in tests/fixtures/packse are complete and well formed."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

INDEX_PY = Path(__file__).resolve().parents[1] / "fixtures" / "packse" / "index.py"


def _load_index():
    spec = importlib.util.spec_from_file_location("packse_index", INDEX_PY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


index = _load_index()
FILES = index.scenario_files()


def _id(path):
    return str(path.relative_to(index.SCENARIO_DIR))


def test_the_set_is_complete():
    assert len(FILES) == index.EXPECTED_COUNT
    scenarios = {p: index.load(p) for p in FILES}
    info = index.summary(scenarios)
    assert info["count"] == index.EXPECTED_COUNT
    assert info["satisfiable"] == index.EXPECTED_SATISFIABLE
    names = [s["name"] for s in scenarios.values()]
    assert len(set(names)) == len(names), "scenario names must be unique"


def test_index_script_check_passes():
    r = subprocess.run([sys.executable, str(INDEX_PY), "--check"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(
        f"{index.EXPECTED_COUNT} scenarios, {index.EXPECTED_SATISFIABLE} satisfiable")


def test_problems_reports_bad_scenarios():
    # index.problems() must be able to fail, or the per-file checks prove nothing.
    assert index.problems({"name": "x", "packages": {}}) == ["missing [root]", "missing [expected]"]
    bad = {"name": "x", "root": {"requires": []}, "expected": {"satisfiable": "yes"},
           "packages": {"a": {"versions": {"1.0": {"wheel_tag": []}}}}}
    assert index.problems(bad) == ["expected.satisfiable is not a boolean",
                                   "unknown key packages.a.versions.'1.0'.wheel_tag"]


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_scenario_is_well_formed(path):
    s = index.load(path)  # raises on invalid TOML
    assert "root" in s and "expected" in s
    assert index.problems(s) == []

    for req in s["root"].get("requires", []):
        Requirement(req)
    if "requires_python" in s["root"]:
        SpecifierSet(s["root"]["requires_python"])
    for name, pkg in s["packages"].items():
        for v, meta in pkg["versions"].items():
            Version(v)
            for req in meta.get("requires", []):
                Requirement(req)
            for extra_reqs in meta.get("extras", {}).values():
                for req in extra_reqs:
                    Requirement(req)
            if meta.get("requires_python"):
                SpecifierSet(meta["requires_python"])

    # Expected versions name packages and versions that the scenario offers.
    offered = {canonicalize_name(n): {Version(v) for v in p["versions"]}
               for n, p in s["packages"].items()}
    for name, version in s["expected"].get("packages", {}).items():
        assert canonicalize_name(name) in offered, f"{name} not among the packages"
        assert Version(version) in offered[canonicalize_name(name)], f"{name}=={version} not offered"
    if s["expected"].get("packages"):
        assert s["expected"]["satisfiable"] is True
