#!/usr/bin/env python3
"""The three targets of the lock index (tests/bed/mirror/lock_index.py) and of
the lock differential test, described once for every tool that takes them.

    targets.py pip TARGET PIP-ARGS...   run pip with TARGET's marker environment

pip's `--python-version/--platform/--abi/--implementation` choose wheels and
check Requires-Python for the target, but pip evaluates environment markers
(`python_version < "3.10"`, `platform_machine == "aarch64"`) against the
interpreter running pip (pypa/pip#13296, #10050). `targets.py pip` therefore
replaces pip's vendored `packaging.markers.default_environment` with the
target's environment before calling pip's own `main`; nothing else of pip is
changed, and pip's `--report` records the environment it used
(`report["environment"]`), so a caller can check that the injection took.
"""
import sys
from dataclasses import dataclass


def manylinux_platforms(glibc_minor: int, arch: str) -> list:
    """manylinux_2_<minor> down to 2_5, each legacy alias right after its tag."""
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    out = []
    for minor in range(glibc_minor, 4, -1):
        out.append(f"manylinux_2_{minor}_{arch}")
        if minor in legacy:
            out.append(f"{legacy[minor]}_{arch}")
    return out


@dataclass(frozen=True)
class Target:
    python: str       # "3.9"
    glibc_minor: int  # 17 for manylinux_2_17
    arch: str         # x86_64 | aarch64

    @property
    def name(self) -> str:  # cp39-manylinux_2_17_x86_64
        return f"{self.abi}-{self.platform}"

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")

    @property
    def platform(self) -> str:  # sparkenv --platform
        return f"manylinux_2_{self.glibc_minor}_{self.arch}"

    @property
    def uv_platform(self) -> str:  # uv --python-platform
        return f"{self.arch}-manylinux_2_{self.glibc_minor}"

    def pip_platforms(self) -> list:
        """Every --platform pip needs (pip does not expand manylinux itself)."""
        return manylinux_platforms(self.glibc_minor, self.arch)

    def pip_args(self) -> list:
        args = ["--only-binary=:all:", "--python-version", self.python, "--implementation", "cp",
                "--abi", self.abi]
        for p in self.pip_platforms():
            args += ["--platform", p]
        return args

    def marker_environment(self) -> dict:
        """PEP 508 environment; X.Y means X.Y.0, as uv and sparkenv take it."""
        full = self.python + ".0"
        return {"implementation_name": "cpython", "implementation_version": full,
                "os_name": "posix", "platform_machine": self.arch,
                "platform_python_implementation": "CPython", "platform_release": "",
                "platform_system": "Linux", "platform_version": "", "python_full_version": full,
                "python_version": self.python, "sys_platform": "linux"}

    def tags(self) -> list:
        """Supported tags, best first (packaging's order, which pip uses)."""
        from packaging import tags
        version = tuple(int(p) for p in self.python.split("."))
        plats = self.pip_platforms()
        return list(tags.cpython_tags(version, [self.abi], plats)) + list(
            tags.compatible_tags(version, self.abi, plats))


TARGETS = [Target("3.9", 17, "x86_64"), Target("3.11", 28, "x86_64"), Target("3.12", 28, "aarch64")]
DOWNLOAD_TARGET = TARGETS[1]  # its picks are downloaded, so cp311 x86_64 locks install


def by_name(name: str) -> Target:
    for t in TARGETS:
        if t.name == name:
            return t
    raise SystemExit(f"error: unknown target '{name}'; known: {', '.join(t.name for t in TARGETS)}")


def run_pip(target: Target, args: list) -> int:
    from pip._vendor.packaging import markers
    env = target.marker_environment()
    markers.default_environment = lambda: dict(env)
    from pip._internal.cli.main import main as pip_main
    return pip_main(args)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "pip":
        raise SystemExit("usage: targets.py pip TARGET PIP-ARGS...")
    sys.exit(run_pip(by_name(sys.argv[2]), sys.argv[3:]))
