"""`sparkenv.activate(spark, ENV)`: a running SparkSession's driver and
executors import from an environment, from the next Spark job on.

How (docs/activation.md has the reasons):

1. Resolve ENV on the driver: a local build folder, or a store read through
   Hadoop's FileSystem in the session's JVM (hdfs://, s3a://, file://).
2. Check the driver's interpreter against the environment's target.
3. `SparkContext.addArchive(<layer URL>#sparkenv-<sha>)` for each layer, and
   for a small bootstrap archive (this package, a sitecustomize and the
   manifest). Spark unpacks each archive into the SparkFiles root: on the
   driver at once, on each executor (its working folder) before its next
   task.
4. The driver: each layer's site-packages goes on sys.path, before the
   system's site-packages, unless a module the environment provides was
   already imported from elsewhere at another version (refused by default).
5. The executors: `PYTHONPATH` in `sc.environment`, the variables every
   Python function wrapped from now on carries to its workers, becomes the
   bootstrap folder followed by each layer's site-packages (relative to the
   executor's working folder; absolute in local mode, where tasks run in the
   driver's JVM and working folder). Spark keys its Python worker pools by
   those variables, so the next job starts fresh Python workers on every
   executor: they run the bootstrap's sitecustomize (the interpreter check)
   and have never imported anything from elsewhere.
6. An eager check job runs a few tasks, so a mismatched executor fails
   activate() itself, with the message naming both interpreters.
"""
import importlib
import os
import sys
import warnings

from . import _boot, _bootfiles, _interp, _manifest, _store

_IGNORED_CONFLICTS = frozenset(["pyspark", "py4j", "sparkenv"])


class EnvironmentConflict(RuntimeError):
    """The driver already imported, from elsewhere and at another version, a
    module the environment provides."""


class Activation(object):
    """What activate() did (returned, and kept on the SparkContext)."""

    def __init__(self, env_id, ref, layers, driver_paths, executor_pythonpath, boot_name,
                 previous_pythonpath, checked_workers):
        self.env_id = env_id
        self.ref = ref
        self.layers = layers  # [(package, version, alias)]
        self.driver_paths = driver_paths
        self.executor_pythonpath = executor_pythonpath
        self.boot_name = boot_name
        self.previous_pythonpath = previous_pythonpath
        self.checked_workers = checked_workers

    def __repr__(self):
        return "<sparkenv activation %s (%d layers) from %s>" % (
            self.env_id[:12], len(self.layers), self.ref)


def _context(spark):
    sc = getattr(spark, "sparkContext", spark)
    if getattr(sc, "_jsc", None) is None or getattr(sc, "_jvm", None) is None:
        raise TypeError("sparkenv.activate() needs a classic SparkSession or SparkContext with "
                        "a JVM (not Spark Connect); got %r" % (spark,))
    return sc


def is_local_master(master):
    """local, local[N], local[*], local[N,F]: tasks run in the driver's JVM."""
    return master == "local" or (master.startswith("local[") and master.endswith("]"))


def cache_root():
    """sparkenv's cache folder (as the tool resolves it, docs/cache.md)."""
    for var in ("SPARKENV_CACHE_DIR",):
        if os.environ.get(var):
            return os.environ[var]
    if os.environ.get("XDG_CACHE_HOME"):
        return os.path.join(os.environ["XDG_CACHE_HOME"], "sparkenv")
    home = os.path.expanduser("~")
    if home and home != "~":
        return os.path.join(home, ".cache", "sparkenv")
    import tempfile
    return os.path.join(tempfile.gettempdir(), "sparkenv-cache-%d" % os.getuid())


def _write_boot(manifest):
    files = _bootfiles.boot_files(manifest)
    name = _bootfiles.boot_name(files)
    folder = os.path.join(cache_root(), "spark-v1", "boot")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + ".zip")
    if not os.path.isfile(path):
        _bootfiles.write_zip(files, path)
    return name, path


def _module_origin(module):
    origin = getattr(module, "__file__", None)
    if origin:
        return origin
    paths = list(getattr(module, "__path__", []) or [])
    return paths[0] if paths else None


def _conflicts(manifest, sites):
    """Modules already imported from outside the environment that it would
    shadow at another version: [(name, have version, origin, package, version)]."""
    found = []
    for layer, site in zip(manifest.layers, sites):
        for name in sorted(_boot.top_level_names(site)):
            module = sys.modules.get(name)
            if module is None or name in _IGNORED_CONFLICTS:
                continue
            origin = _module_origin(module)
            if origin is None:
                continue
            origin = os.path.abspath(origin)
            if any(origin.startswith(os.path.abspath(s) + os.sep) for s in sites):
                continue
            have = getattr(module, "__version__", None)
            if have is not None and str(have) == layer.version:
                continue
            found.append((name, have, origin, layer.package, layer.version))
    return found


def _executor_count(sc):
    try:
        return max(1, len(sc._jsc.sc().statusTracker().getExecutorInfos()) - 1)
    except Exception:
        return 1


def _check_workers(sc, partitions):
    statuses = sc.parallelize(range(partitions), partitions).mapPartitions(
        _boot.worker_status).collect()
    for status in statuses:
        if not status.get("ran"):
            raise RuntimeError(
                "sparkenv: the bootstrap did not run in the Python worker %s (cwd %s): "
                "PYTHONPATH from the session's environment did not reach it"
                % (status.get("pid"), status.get("cwd")))
        if not status.get("ok"):
            raise _interp.EnvironmentMismatch(status.get("message") or "environment mismatch")
    return statuses


def activate(spark, env, check=True, on_conflict="warn"):
    """Makes the driver and the executors' Python workers of a running
    session import from the environment `env`, for everything run after the
    call (functions and UDFs wrapped from now on).

    env: a folder written by `sparkenv build`, `STORE/NAME[:TAG]` or
        `STORE@ENVID` (hdfs://, s3:// or s3a://, file:// or a path), read
        through the session's Hadoop configuration.
    check: run a small job that checks the executors' interpreters now, so a
        mismatch fails here (each worker checks itself anyway).
    on_conflict: what to do when the driver already imported, from
        elsewhere and at another version, a module the environment provides
        (it keeps running the old one: Python cannot unload it). PySpark
        itself imports numpy and pandas when a session starts if the
        driver's Python has them, so "warn" (the default) warns and
        activates -- the executors are not affected; "error" refuses.

    Returns an Activation. Activating the environment that is already active
    does nothing; activating another one replaces it.
    """
    if on_conflict not in ("error", "warn"):
        raise ValueError("on_conflict must be 'error' or 'warn', not %r" % (on_conflict,))
    sc = _context(spark)
    fs = _store.JvmFileSystem(sc._jvm, sc._jsc.hadoopConfiguration())
    resolved = _store.resolve(env, fs)
    manifest = resolved.manifest
    current = getattr(sc, "_sparkenv_activation", None)
    if current is not None and current.env_id == manifest.env_id:
        return current

    req = _manifest.requirements(manifest)
    _interp.check(manifest.env_id, req, role="the driver's Python")

    from pyspark.files import SparkFiles
    root = SparkFiles.getRootDirectory()
    added = getattr(sc, "_sparkenv_archives", None)
    if added is None:
        added = set()
        sc._sparkenv_archives = added
    boot_name, boot_zip = _write_boot(manifest)
    archives = [(url, layer.alias) for url, layer in zip(resolved.layer_urls, manifest.layers)]
    archives.append(("file://" + boot_zip, boot_name))
    for url, alias in archives:
        if alias not in added:
            sc._jsc.sc().addArchive(url + "#" + alias)
            added.add(alias)

    sites = [os.path.join(root, layer.alias, "site-packages") for layer in manifest.layers]
    for site in sites:
        if not os.path.isdir(site):
            raise RuntimeError("sparkenv: layer folder %s is missing after addArchive" % site)
    conflicts = _conflicts(manifest, sites)
    if conflicts:
        lines = ["%s %s from %s (the environment has %s %s)"
                 % (name, have or "(version unknown)", origin, package, version)
                 for name, have, origin, package, version in conflicts]
        text = ("sparkenv: the driver already imported modules the environment %s provides, "
                "at other versions; they stay loaded in this process (the executors use the "
                "environment's):\n  %s\n"
                "For the environment's versions on the driver too, start it with them: "
                "'sparkenv submit', or a driver Python without them." % (
                    manifest.short_id, "\n  ".join(lines)))
        if on_conflict == "error":
            raise EnvironmentConflict(text)
        warnings.warn(text, RuntimeWarning, stacklevel=2)

    # The driver: the environment before the system's site-packages; paths
    # of a previous activation go.
    previous = current.driver_paths if current is not None else []
    sys.path[:] = [p for p in sys.path if p not in previous]
    for i, site in enumerate(sites):
        sys.path.insert(1 + i, site)
    for site in sites:
        _boot.process_pth_files(site)
    importlib.invalidate_caches()

    # The executors: PYTHONPATH for every Python worker started from now on.
    base = "" if not is_local_master(sc.master) else root
    entries = [os.path.join(base, boot_name)] + [
        os.path.join(base, layer.alias, "site-packages") for layer in manifest.layers]
    original = current.previous_pythonpath if current is not None else sc.environment.get(
        "PYTHONPATH")
    pythonpath = ":".join(entries + ([original] if original else []))
    sc.environment["PYTHONPATH"] = pythonpath

    checked = []
    if check:
        try:
            checked = _check_workers(sc, 2 * _executor_count(sc))
        except BaseException:
            if original is None:
                sc.environment.pop("PYTHONPATH", None)
            else:
                sc.environment["PYTHONPATH"] = original
            sys.path[:] = [p for p in sys.path if p not in sites]
            sc._sparkenv_activation = None
            raise

    activation = Activation(
        manifest.env_id, str(resolved.ref),
        [(l.package, l.version, l.alias) for l in manifest.layers], sites, pythonpath,
        boot_name, original, checked)
    sc._sparkenv_activation = activation
    return activation


def active(spark):
    """The Activation of this session, or None."""
    return getattr(_context(spark), "_sparkenv_activation", None)
