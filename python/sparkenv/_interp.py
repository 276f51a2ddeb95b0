"""Facts about the running interpreter, and the check that compares them with
what an environment requires (implementation, Python version, platform,
C library). Used by every Python worker (through the bootstrap's
sitecustomize), by `activate()` on the driver, and by `sparkenv target
probe`.
"""
import os
import platform
import re
import socket
import sys

try:
    import sysconfig
except ImportError:  # pragma: no cover - always present on CPython
    sysconfig = None


class EnvironmentMismatch(RuntimeError):
    """The environment was built for another interpreter or platform than the
    one importing it. Deliberately not an ImportError: nothing should catch
    it as "optional module missing" and carry on."""


def _full_version(info):
    version = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version


def _glibc():
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (AttributeError, ValueError, OSError):
        return None
    if not text:
        return None
    m = re.match(r"^glibc (\d+)\.(\d+)", text)
    return [int(m.group(1)), int(m.group(2))] if m else None


def _musl():
    """musl's version, from the dynamic loader the interpreter runs with."""
    loaders = []
    for folder in ("/lib", "/usr/lib"):
        try:
            loaders += [os.path.join(folder, n) for n in os.listdir(folder)
                        if n.startswith("ld-musl-") and n.endswith(".so.1")]
        except OSError:
            pass
    for loader in loaders:
        try:
            import subprocess
            out = subprocess.run([loader], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 timeout=5).stderr.decode("utf-8", "replace")
        except Exception:
            continue
        m = re.search(r"Version (\d+)\.(\d+)", out)
        if m:
            return [int(m.group(1)), int(m.group(2))]
    return None


def _libc():
    if sys.platform.startswith("linux"):
        glibc = _glibc()
        if glibc:
            return ["glibc", glibc]
        musl = _musl()
        if musl:
            return ["musl", musl]
        return None
    if sys.platform == "darwin":
        release = platform.mac_ver()[0]
        m = re.match(r"^(\d+)\.(\d+)", release or "")
        return ["macos", [int(m.group(1)), int(m.group(2))]] if m else None
    return None


def _free_threaded():
    if sysconfig is None:
        return False
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def facts():
    """The PEP 508 marker environment of this interpreter plus what the check
    and the probe need (ABI flags, C library, executable, host)."""
    impl = sys.implementation
    return {
        "implementation_name": impl.name,
        "implementation_version": _full_version(impl.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_python_implementation": platform.python_implementation(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "python_version": "%d.%d" % sys.version_info[:2],
        "sys_platform": sys.platform,
        "abiflags": getattr(sys, "abiflags", ""),
        "free_threaded": _free_threaded(),
        "libc": _libc(),
        "executable": sys.executable,
        "host": socket.gethostname(),
    }


_IMPL_NAMES = {"cpython": "CPython", "pypy": "PyPy"}


def _libc_text(libc, at_least=False):
    if not libc:
        return None
    kind, version = libc[0], "%d.%d" % tuple(libc[1])
    return "%s %s%s" % (kind, ">= " if at_least else "", version)


def describe_requirements(req):
    impl = _IMPL_NAMES.get(req.get("implementation_name"), req.get("implementation_name") or "?")
    text = "%s %s on %s %s" % (impl, req.get("python_version") or "?",
                               req.get("sys_platform") or "?", req.get("platform_machine") or "?")
    if req.get("free_threaded"):
        text += " (free-threaded)"
    libc = _libc_text(req.get("libc"), at_least=True)
    if libc:
        text += ", wheels need %s" % libc
    return text


def describe_facts(f):
    impl = _IMPL_NAMES.get(f["implementation_name"], f["implementation_name"])
    text = "%s %s on %s %s" % (impl, f["python_full_version"], f["sys_platform"],
                               f["platform_machine"])
    if f.get("free_threaded"):
        text += " (free-threaded)"
    libc = _libc_text(f.get("libc"))
    text += " with %s" % libc if libc else " (C library unknown)"
    return text


def mismatches(req, f):
    """What differs between requirements and facts, one short phrase each;
    empty when the interpreter can import the environment."""
    found = []
    if req.get("implementation_name") and req["implementation_name"] != f["implementation_name"]:
        found.append("implementation %s vs %s" % (req["implementation_name"],
                                                  f["implementation_name"]))
    if req.get("python_version") and req["python_version"] != f["python_version"]:
        found.append("Python %s vs %s" % (req["python_version"], f["python_version"]))
    if req.get("sys_platform") and req["sys_platform"] != f["sys_platform"]:
        found.append("platform %s vs %s" % (req["sys_platform"], f["sys_platform"]))
    if req.get("platform_machine") and req["platform_machine"] != f["platform_machine"]:
        found.append("machine %s vs %s" % (req["platform_machine"], f["platform_machine"]))
    need_ft = req.get("free_threaded")
    if need_ft is not None and bool(need_ft) != bool(f.get("free_threaded")):
        found.append("free-threaded build %s vs %s" % (
            "required" if need_ft else "not supported",
            "yes" if f.get("free_threaded") else "no"))
    need = req.get("libc")
    have = f.get("libc")
    if need:
        if not have or have[0] != need[0]:
            found.append("%s needed, this interpreter has %s"
                         % (_libc_text(need, at_least=True), _libc_text(have) or "neither"))
        elif tuple(have[1]) < tuple(need[1]):
            found.append("%s (by %s) vs %s" % (_libc_text(need, at_least=True),
                                               req.get("libc_wheel") or "a wheel",
                                               _libc_text(have)))
    return found


def mismatch_message(env_id, req, f, problems, role="this Python worker"):
    return ("sparkenv: environment %s was built for %s, but %s is %s (%s on host %s): %s. "
            "Build the environment for this interpreter ('sparkenv target probe', then "
            "'sparkenv lock --target') or run Spark with a matching Python "
            "(spark.pyspark.python)." % (
                env_id[:12], describe_requirements(req), role, describe_facts(f),
                f["executable"], f["host"], "; ".join(problems)))


def check(env_id, req, role="this Python worker"):
    """Raises EnvironmentMismatch naming both sides when this interpreter
    cannot import the environment; returns the facts otherwise."""
    f = facts()
    problems = mismatches(req, f)
    if problems:
        raise EnvironmentMismatch(mismatch_message(env_id, req, f, problems, role))
    return f
