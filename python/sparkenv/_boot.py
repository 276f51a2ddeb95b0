"""The bootstrap every Python process of an activated application runs first.

`sparkenv submit`, `sparkenv spark-conf` and `sparkenv.activate()` ship a
small folder, `sparkenv-boot-<hash>/`, holding this package, the
environment's manifest (`sparkenv-boot.json`) and a `sitecustomize.py`, and
put that folder first on the PYTHONPATH of the driver and of the executors'
Python workers, followed by each layer's `site-packages`. Python imports
`sitecustomize` at start-up, before any user code, so `run()` below runs
once in every Python worker (the daemon, and the workers it forks, inherit
its state) and in the driver:

- it compares the interpreter with the environment's target (implementation,
  Python version, platform, C library);
- when they match, it processes the layers' `.pth` files, as site-packages
  would;
- when they differ, it takes the layers off sys.path and installs an import
  guard: importing any top-level module the environment provides raises
  EnvironmentMismatch naming both interpreters, inside the task that did it,
  so the task fails with that message instead of an ImportError (or a crash
  in a compiled extension) later.
"""
import json
import os
import re
import sys

from . import _interp, _manifest

CONFIG = "sparkenv-boot.json"
BOOT_FORMAT = "sparkenv-boot/1"

# What run() found, for status() (the eager check of activate() and tests).
_state = {"ran": False}


def layer_dirs_on_path(layers, path=None):
    """The sys.path entries that are a layer's site-packages: folders named
    `<alias>/site-packages` (unpacked by Spark or YARN) or
    `<sha256>/site-packages` (sparkenv's local and node caches)."""
    names = set()
    for layer in layers:
        names.add(layer.alias)
        names.add(layer.sha256)
    found = []
    for entry in sys.path if path is None else path:
        if not entry or os.path.basename(entry.rstrip("/")) != "site-packages":
            continue
        if os.path.basename(os.path.dirname(entry.rstrip("/"))) in names:
            found.append(entry)
    return found


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def top_level_names(site):
    """The top-level module names a site-packages folder provides."""
    names = set()
    try:
        entries = os.listdir(site)
    except OSError:
        return names
    for name in entries:
        if name.endswith((".dist-info", ".data", ".egg-info")) or name == "__pycache__":
            continue
        path = os.path.join(site, name)
        if os.path.isdir(path):
            if _IDENT.match(name):
                names.add(name)
        elif name.endswith(".py"):
            names.add(name[:-3])
        elif name.endswith((".so", ".pyd")):
            names.add(name.split(".", 1)[0])
    return names


def process_pth_files(site):
    """Does what site.addsitedir does with a folder's .pth files, without
    moving the folder itself: lines naming folders are appended to sys.path,
    `import` lines are executed (setuptools' and namespace packages' .pth)."""
    try:
        pths = sorted(n for n in os.listdir(site) if n.endswith(".pth"))
    except OSError:
        return
    for name in pths:
        try:
            with open(os.path.join(site, name), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith(("import ", "import\t")):
                try:
                    exec(line)
                except Exception as e:  # what site.addpackage does: report, go on
                    sys.stderr.write("sparkenv: error in %s: %s\n" % (name, e))
                continue
            folder = os.path.join(site, line.rstrip())
            if os.path.isdir(folder) and folder not in sys.path:
                sys.path.append(folder)


def _importing():
    """Whether the import system is loading the module being looked up (an
    `import` statement, importlib.import_module), as opposed to someone
    asking whether it exists (importlib.util.find_spec, which PySpark does
    for numpy, pandas and pyarrow when a session starts): the frames between
    the finder and the first frame outside importlib._bootstrap include
    _find_and_load_unlocked only for a load."""
    frame = sys._getframe(2)  # the caller of the finder's find_spec
    while frame is not None and frame.f_code.co_filename == "<frozen importlib._bootstrap>":
        if frame.f_code.co_name == "_find_and_load_unlocked":
            return True
        frame = frame.f_back
    return False


class _Guard(object):
    """A meta path finder that refuses the environment's modules: importing
    one raises EnvironmentMismatch; asking whether it exists answers no."""

    def __init__(self, names, message):
        self.names = frozenset(names)
        self.message = message

    def find_spec(self, name, path=None, target=None):
        if path is None and name.split(".", 1)[0] in self.names and _importing():
            raise _interp.EnvironmentMismatch(self.message)
        return None

    # The pre-3.4 protocol, for importers that still call it.
    def find_module(self, name, path=None):
        self.find_spec(name, path)
        return None


class _LastResort(object):
    """Last on sys.meta_path when the node cache could not provide the
    layers: an import that nothing else satisfies raises the reason, instead
    of a ModuleNotFoundError that hides it."""

    def __init__(self, message):
        self.message = message

    def find_spec(self, name, path=None, target=None):
        if path is None and _importing():
            raise _interp.EnvironmentMismatch(self.message)
        return None


YARN_CACHE = "sparkenv-layers-v1"


def default_node_cache(environ=None):
    """Where layers go when no --node-cache was given: in a YARN container,
    a folder beside the NodeManager's own caches of this user
    (<local dir>/usercache/<user>/sparkenv-layers-v1), shared by every
    container and application of the user on the node, so that a second
    application unpacks nothing; elsewhere "" (the working folder)."""
    environ = os.environ if environ is None else environ
    local_dirs = environ.get("LOCAL_DIRS", "")
    if not environ.get("CONTAINER_ID") or not local_dirs:
        return ""
    app_dir = local_dirs.split(",")[0].rstrip("/")  # .../usercache/<user>/appcache/<app id>
    appcache = os.path.dirname(app_dir)
    if os.path.basename(appcache) != "appcache":
        return ""
    return os.path.join(os.path.dirname(appcache), YARN_CACHE)


def _node_cache_layers(boot_dir, node):
    """Brings every layer into the node cache; puts their site-packages on
    sys.path right after the bootstrap folder."""
    from . import _nodecache
    cache_dir = node["dir"] or default_node_cache()
    dirs = [os.path.join(folder, "site-packages")
            for folder in _nodecache.ensure_layers(cache_dir, node["layers"])]
    here = os.path.realpath(boot_dir)
    at = 1
    for i, entry in enumerate(sys.path):
        if entry and os.path.realpath(entry) == here:
            at = i + 1
            break
    sys.path[at:at] = [d for d in dirs if d not in sys.path]
    return dirs


def load_config(boot_dir):
    with open(os.path.join(boot_dir, CONFIG), encoding="utf-8") as f:
        config = json.load(f)
    if config.get("format") != BOOT_FORMAT:
        raise ValueError("%s: format %r is not %r" % (os.path.join(boot_dir, CONFIG),
                                                       config.get("format"), BOOT_FORMAT))
    manifest = _manifest.parse_manifest(json.dumps(config["manifest"]),
                                        os.path.join(boot_dir, CONFIG))
    return config, manifest


def run(boot_dir, role=None):
    """Checks this interpreter against the environment and prepares sys.path.
    Never raises: a failure here must not keep Python from starting."""
    if _state.get("ran"):
        return
    _state["ran"] = True
    role = role or os.environ.get("SPARKENV_ROLE") or "this Python worker"
    if role == "driver":
        role = "the driver's Python"
    try:
        config, manifest = load_config(boot_dir)
    except Exception as e:
        _state.update(ok=False, message="sparkenv: cannot read the bootstrap in %s: %s"
                      % (boot_dir, e))
        sys.stderr.write(_state["message"] + "\n")
        return
    node = config.get("node_cache")
    # A client-mode driver has its own copies on its PYTHONPATH already.
    has_copies = (role == "the driver's Python"
                  and len(layer_dirs_on_path(manifest.layers)) == len(manifest.layers))
    if node and not has_copies:
        try:
            mine = _node_cache_layers(boot_dir, node)
            # Layer folders named by a PYTHONPATH from elsewhere go: YARN adds
            # the submitting process's PYTHONPATH (a client-mode driver's
            # local copies, absent on other nodes) to the executors'.
            others = [p for p in layer_dirs_on_path(manifest.layers) if p not in mine]
            sys.path[:] = [p for p in sys.path if p not in others]
        except Exception as e:
            message = ("sparkenv: the environment %s is not available on this node: %s"
                       % (manifest.env_id[:12], e))
            sys.meta_path.append(_LastResort(message))
            _state.update(ok=False, message=message, env_id=manifest.env_id)
            sys.stderr.write(message + "\n")
            return
    req = _manifest.requirements(manifest)
    layers = layer_dirs_on_path(manifest.layers)
    f = _interp.facts()
    problems = _interp.mismatches(req, f)
    _state.update(env_id=manifest.env_id, facts=f, layers=layers, boot_dir=boot_dir,
                  node_cache=config.get("node_cache"))
    if problems:
        message = _interp.mismatch_message(manifest.env_id, req, f, problems, role)
        names = set()
        for site in layers:
            names |= top_level_names(site)
        sys.path[:] = [p for p in sys.path if p not in layers]
        sys.meta_path.insert(0, _Guard(names, message))
        _state.update(ok=False, message=message, guarded=sorted(names))
        sys.stderr.write(message + "\n")
        return
    for site in layers:
        process_pth_files(site)
    _state.update(ok=True, message="")


def status():
    """What run() found in this process (a copy)."""
    state = dict(_state)
    state.pop("facts", None)
    state["facts"] = _state.get("facts")
    return state


def worker_status(_iterator=None):
    """For a check job: yields this worker's status once per partition."""
    state = status()
    state["pid"] = os.getpid()
    state["cwd"] = os.getcwd()
    yield state


def chain_next_sitecustomize(boot_dir):
    """Runs the sitecustomize ours hides (the cluster's own, if any)."""
    import importlib.machinery
    import importlib.util
    here = os.path.realpath(boot_dir)
    rest = [p for p in sys.path if p and os.path.realpath(p) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        sys.stderr.write("sparkenv: error in %s: %s\n" % (spec.origin, e))
