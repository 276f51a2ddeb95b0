"""Differential test: `sparkenv target show --json` against packaging.tags.

For each CPython version and platform, packaging (the venv's, pinned in requirements-dev.txt) computes
the tags of such an interpreter with its own platform expansion, the host
detection patched out:

- manylinux: packaging._manylinux.platform_tags(archs) with the glibc version
  patched to the target's and every level declared compatible;
- musllinux: packaging._musllinux.platform_tags(archs) with the musl version
  patched to the target's;
- macOS: packaging.tags.mac_platforms(version, arch);
- linux_<arch>: where packaging 26.3+'s _linux_platforms puts it (first).

Then the one deliberate difference (docs/targets.md, "linux_* wheels") is
applied explicitly: sparkenv moves linux_<arch> after every portable platform.
The tag lists must be equal, in the same order.
"""
import json
from pathlib import Path

import pytest

packaging = pytest.importorskip("packaging")
from packaging import _manylinux, _musllinux, tags  # noqa: E402

PYTHONS = [(3, 8), (3, 9), (3, 11), (3, 12), (3, 13)]
PLATFORMS = [
    "manylinux_2_17_x86_64",
    "manylinux_2_28_aarch64",
    "musllinux_1_2_x86_64",
    "macosx_11_0_arm64",
]


def test_reference_is_the_pinned_packaging():
    """The reference is the release pinned in requirements-dev.txt, not whatever pip found."""
    req = Path(__file__).resolve().parents[2] / "scripts" / "setup.d" / "requirements-dev.txt"
    pins = [line.split("==")[1].split()[0] for line in req.read_text().splitlines()
            if line.startswith("packaging==")]
    assert pins == [packaging.__version__]


def packaging_platforms(platform, monkeypatch):
    """The platform tags packaging yields on a machine of `platform`."""
    family, major, minor, arch = platform.split("_", 3)
    major, minor = int(major), int(minor)
    if family == "macosx":
        return list(tags.mac_platforms(version=(major, minor), arch=arch))
    if family == "manylinux":
        monkeypatch.setattr(_manylinux, "_get_glibc_version", lambda: _manylinux._GLibCVersion(major, minor))
        monkeypatch.setattr(_manylinux, "_is_compatible", lambda arch, version: version <= (major, minor))
        monkeypatch.setattr(_manylinux, "_have_compatible_abi", lambda executable, archs: True)
        libc = list(_manylinux.platform_tags([arch]))
    elif family == "musllinux":
        _musllinux._get_musl_version.cache_clear()
        monkeypatch.setattr(
            _musllinux, "_get_musl_version", lambda executable: _musllinux._MuslVersion(major, minor)
        )
        libc = list(_musllinux.platform_tags([arch]))
    else:
        raise AssertionError(f"unexpected platform {platform}")
    # packaging (26.3 and 26.4) _linux_platforms: linux_<arch>, then manylinux, then musllinux.
    return [f"linux_{arch}"] + libc


def apply_sparkenv_linux_order(platforms):
    """The documented deviation: linux_<arch> goes after every portable tag."""
    local = [p for p in platforms if p.startswith("linux_")]
    return [p for p in platforms if not p.startswith("linux_")] + local


def packaging_tags(python, platform, monkeypatch):
    plats = apply_sparkenv_linux_order(packaging_platforms(platform, monkeypatch))
    assert plats, platform
    interpreter = f"cp{python[0]}{python[1]}"
    result = list(tags.cpython_tags(python_version=python, abis=[interpreter], platforms=plats))
    result += list(tags.compatible_tags(python_version=python, interpreter=interpreter, platforms=plats))
    return [str(t) for t in result]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("python", PYTHONS, ids=lambda v: f"cp{v[0]}{v[1]}")
def test_tags_match_packaging(run, python, platform, monkeypatch):
    proc = run("target", "show", "--python", f"{python[0]}.{python[1]}", "--platform", platform, "--json")
    assert proc.returncode == 0, proc.stderr
    ours = json.loads(proc.stdout)["tags"]
    expected = packaging_tags(python, platform, monkeypatch)
    assert len(ours) == len(expected)
    assert ours == expected


@pytest.mark.parametrize("platform", PLATFORMS)
def test_linux_platform_order_is_the_only_difference(platform, monkeypatch):
    """Without the deviation, packaging's list differs only by where linux_* sits."""
    raw = packaging_platforms(platform, monkeypatch)
    moved = apply_sparkenv_linux_order(raw)
    assert sorted(raw) == sorted(moved)
    if platform.startswith("macosx"):
        assert raw == moved
    else:
        assert raw[0].startswith("linux_") and moved[-1] == raw[0]


@pytest.mark.parametrize("python", PYTHONS, ids=lambda v: f"cp{v[0]}{v[1]}")
def test_markers_match_a_cpython_on_linux(run, python):
    proc = run("target", "show", "--python", f"{python[0]}.{python[1]}.4", "--platform",
               "manylinux_2_28_aarch64", "--json")
    assert proc.returncode == 0, proc.stderr
    markers = json.loads(proc.stdout)["markers"]
    version = f"{python[0]}.{python[1]}"
    assert markers == {
        "implementation_name": "cpython",
        "implementation_version": f"{version}.4",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": f"{version}.4",
        "python_version": version,
        "sys_platform": "linux",
    }


def test_host_interpreter_markers_have_the_same_keys(run):
    """The declared marker environment has exactly the keys packaging uses."""
    from packaging.markers import default_environment

    proc = run("target", "show", "--python", "3.11", "--platform", "macosx_11_0_arm64", "--json")
    assert proc.returncode == 0, proc.stderr
    markers = json.loads(proc.stdout)["markers"]
    assert set(markers) == set(default_environment())
    assert markers["sys_platform"] == "darwin" and markers["platform_system"] == "Darwin"
    assert markers["platform_machine"] == "arm64"


# Beyond the acceptance matrix: other architectures, old and new macOS, and
# the non-default ABIs a declared target can state (--abi).
EXTRA = [
    ((3, 7), "", "cp37m", "manylinux_2_17_x86_64"),
    ((3, 7), "cp37", "cp37", "manylinux_2_5_i686"),
    ((3, 10), "", "cp310", "macosx_10_9_x86_64"),
    ((3, 12), "", "cp312", "macosx_14_0_x86_64"),
    ((3, 12), "", "cp312", "macosx_15_0_arm64"),
    ((3, 13), "cp313t", "cp313t", "musllinux_1_1_aarch64"),
    ((3, 14), "", "cp314", "manylinux_2_34_ppc64le"),
    ((3, 11), "", "cp311", "manylinux_2_31_armv7l"),
    ((3, 12), "", "cp312", "musllinux_1_2_s390x"),
]


@pytest.mark.parametrize(("python", "abi_option", "abi", "platform"), EXTRA,
                         ids=[f"{e[2]}-{e[3]}" for e in EXTRA])
def test_more_targets_match_packaging(run, python, abi_option, abi, platform, monkeypatch):
    args = ["target", "show", "--python", f"{python[0]}.{python[1]}", "--platform", platform, "--json"]
    if abi_option:
        args += ["--abi", abi_option]
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    plats = apply_sparkenv_linux_order(packaging_platforms(platform, monkeypatch))
    interpreter = f"cp{python[0]}{python[1]}"
    expected = list(tags.cpython_tags(python_version=python, abis=[abi], platforms=plats))
    expected += list(tags.compatible_tags(python_version=python, interpreter=interpreter, platforms=plats))
    assert json.loads(proc.stdout)["tags"] == [str(t) for t in expected]


def test_debug_abi_matches_packaging(run, monkeypatch):
    """A debug build: packaging's _cpython_abis gives [cp312d, cp312] (a generator since 26.4)."""
    monkeypatch.setattr(tags, "_get_config_var", lambda name, warn=False: 1 if name == "Py_DEBUG" else None)
    abis = list(tags._cpython_abis((3, 12)))
    assert abis == ["cp312d", "cp312"]
    proc = run("target", "show", "--python", "3.12", "--abi", "cp312d", "--platform", "linux_x86_64", "--json")
    assert proc.returncode == 0, proc.stderr
    expected = list(tags.cpython_tags(python_version=(3, 12), abis=abis, platforms=["linux_x86_64"]))
    expected += list(tags.compatible_tags(python_version=(3, 12), interpreter="cp312", platforms=["linux_x86_64"]))
    assert json.loads(proc.stdout)["tags"] == [str(t) for t in expected]
