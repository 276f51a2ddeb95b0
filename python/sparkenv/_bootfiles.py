"""The bootstrap folder (`sparkenv-boot-<hash>/`) as files, and as the zip
archive Spark ships and unpacks: sitecustomize.py, this package's sources
and sparkenv-boot.json (the manifest and options). The `sparkenv` tool
writes the same layout from the sources it embeds (src/spark/boot.cc).
"""
import hashlib
import json
import os
import zipfile

from . import _boot

def package_sources():
    """{"sparkenv/<name>.py": bytes} for every module of this package, from a
    folder or from a zip (--py-files sparkenv.zip) alike."""
    import pkgutil

    import sparkenv
    files = {}
    for module in pkgutil.iter_modules(sparkenv.__path__):
        data = pkgutil.get_data("sparkenv", module.name + ".py")
        if data is not None:
            files["sparkenv/%s.py" % module.name] = data
    files["sparkenv/__init__.py"] = pkgutil.get_data("sparkenv", "__init__.py")
    return dict(sorted(files.items()))


def boot_config(manifest, node_cache=None):
    config = {"format": _boot.BOOT_FORMAT, "manifest": manifest.data}
    if node_cache:
        config["node_cache"] = node_cache
    return json.dumps(config, sort_keys=True, indent=1).encode("utf-8") + b"\n"


def boot_files(manifest, node_cache=None):
    files = package_sources()
    files["sitecustomize.py"] = files["sparkenv/_sitecustomize.py"]
    files[_boot.CONFIG] = boot_config(manifest, node_cache)
    return files


def boot_name(files):
    """`sparkenv-boot-<16 hex>`: named by its content, so an unchanged
    bootstrap is the same archive (and the same path) every time."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode("utf-8") + b"\0" + files[path] + b"\0")
    return "sparkenv-boot-" + h.hexdigest()[:16]


def write_zip(files, path):
    """Writes the files as a deterministic zip (fixed timestamps, sorted),
    atomically: to a temporary file renamed onto `path`."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    os.replace(tmp, path)
    return path


def write_dir(files, folder):
    """Writes the files under `folder` (created); for local drivers."""
    for name, data in files.items():
        path = os.path.join(folder, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return folder
