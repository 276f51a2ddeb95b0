"""The driver's side of standalone cluster mode (docs/spark.md).

spark-submit refuses a Python application in standalone cluster mode, so
`sparkenv submit` hands it a launcher instead: a .jar (a zip) that Spark's
org.apache.spark.deploy.PythonRunner runs with the cluster's Python on the
worker that hosts the driver. The launcher holds the bootstrap (this
package, the manifest and, under "node_cache", where every layer can be
fetched), sparkenv-launch.json and the application script. main() brings
the layers into the driver's folder (or the node cache), checks the
interpreter -- a mismatch stops the driver before any user code, with the
message naming both interpreters -- then runs the application as
spark-submit would have: as __main__, with its folder first on sys.path and
the remaining arguments in sys.argv.
"""
import json
import os
import runpy
import sys

from . import _boot

LAUNCH = "sparkenv-launch.json"
LAUNCH_FORMAT = "sparkenv-launch/1"


def read_config(boot_dir):
    path = os.path.join(boot_dir, LAUNCH)
    with open(path, encoding="utf-8") as f:
        config = json.load(f)
    app = config.get("app") if isinstance(config, dict) else None
    if config.get("format") != LAUNCH_FORMAT or not isinstance(app, str) or not app:
        raise ValueError("%s: not a %s file" % (path, LAUNCH_FORMAT))
    parts = app.split("/")
    if app.startswith("/") or ".." in parts:
        raise ValueError("%s: unsafe application path %r" % (path, app))
    return config


def main(boot_dir, args):
    """Activates the environment for this driver, then runs the application;
    returns an exit code (the application's own SystemExit passes through)."""
    try:
        config = read_config(boot_dir)
    except (OSError, ValueError) as e:
        sys.stderr.write("sparkenv: cannot start the application: %s\n" % e)
        return 1
    os.environ["SPARKENV_ROLE"] = "driver"
    _boot.run(boot_dir, role="driver")
    state = _boot.status()
    if not state.get("ok"):
        # run() printed why (the interpreters, or the layer that could not be
        # fetched): stop before the application imports anything.
        sys.stderr.write("sparkenv: the application was not started\n")
        return 1
    app = os.path.join(boot_dir, config["app"])
    sys.argv = [app] + list(args)
    sys.path.insert(0, os.path.dirname(app))
    runpy.run_path(app, run_name="__main__")
    return 0
