"""The environment manifest (docs/environment-format.md), read and validated,
and what it requires of the interpreter that imports the environment.

Everything read from a store is validated before it names a path: every
hash is 64 lowercase hex digits, so `blobs/<sha256>.tar.gz` and the layer
folder names built from it cannot escape their folder.
"""
import hashlib
import json
import re

FORMAT = "sparkenv-env/1"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
# manylinux_X_Y_arch, musllinux_X_Y_arch, macosx_X_Y_arch
_PLATFORM = re.compile(r"^(manylinux|musllinux|macosx)_(\d+)_(\d+)_(.+)$")
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


class ManifestError(ValueError):
    """A manifest that is not a valid sparkenv-env/1 manifest."""


def is_hex64(value):
    return isinstance(value, str) and bool(_HEX64.match(value))


class Layer(object):
    __slots__ = ("sha256", "size", "package", "version", "wheel")

    def __init__(self, sha256, size, package, version, wheel):
        self.sha256 = sha256
        self.size = size
        self.package = package
        self.version = version
        self.wheel = wheel

    @property
    def alias(self):
        """The folder a layer is unpacked into (its archive's `#alias`)."""
        return layer_alias(self.sha256)


class Manifest(object):
    def __init__(self, data, text):
        self.data = data
        self.text = text
        self.env_id = data["env_id"]
        self.markers = dict(data["target"]["markers"])
        self.layers = [Layer(o["sha256"], o["size"], o["package"], o["version"], o["wheel"])
                       for o in data["layers"]]

    @property
    def short_id(self):
        return self.env_id[:12]


def layer_alias(sha256):
    """`sparkenv-<first 16 hex digits>`: unique enough inside one application,
    short enough for every sys.path entry."""
    return "sparkenv-" + sha256[:16]


def environment_id(lock_sha256, markers, tags_sha256):
    """The environment id, computed as `sparkenv build` does (src/env/manifest.cc)."""
    text = FORMAT + "\nlock " + lock_sha256 + "\n"
    for key in sorted(markers):
        text += "marker " + key + "=" + markers[key] + "\n"
    text += "tags " + tags_sha256 + "\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_manifest(text, source="manifest.json"):
    """Parses and validates a manifest; errors name `source` and the rule."""
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ManifestError("%s: not valid JSON (%s)" % (source, e))
    if not isinstance(data, dict):
        raise ManifestError("%s: not a JSON object" % source)

    def need(obj, key, kind, where):
        value = obj.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            what = "a string" if kind is str else (
                "a non-negative integer" if kind is int else "an object" if kind is dict
                else "an array")
            raise ManifestError("%s: %s%s must be %s" % (source, where, key, what))
        if kind is int and value < 0:
            raise ManifestError("%s: %s%s must be a non-negative integer" % (source, where, key))
        return value

    fmt = need(data, "format", str, "")
    if fmt != FORMAT:
        raise ManifestError("%s: format '%s' is not '%s' (written by a newer sparkenv?)"
                            % (source, fmt, FORMAT))
    for key in ("env_id", "lock_sha256"):
        if not is_hex64(need(data, key, str, "")):
            raise ManifestError("%s: %s must be 64 lowercase hex digits" % (source, key))
    target = need(data, "target", dict, "")
    tags_sha256 = need(target, "tags_sha256", str, "target.")
    markers = need(target, "markers", dict, "target.")
    for key, value in markers.items():
        if not isinstance(value, str):
            raise ManifestError("%s: target.markers.%s must be a string" % (source, key))
    layers = need(data, "layers", list, "")
    for i, layer in enumerate(layers):
        where = "layers[%d]." % i
        if not isinstance(layer, dict):
            raise ManifestError("%s: layers[%d] must be an object" % (source, i))
        for key in ("sha256", "package", "version", "wheel", "wheel_sha256"):
            need(layer, key, str, where)
        for key in ("size", "files", "installed_bytes"):
            need(layer, key, int, where)
        if not is_hex64(layer["sha256"]) or not is_hex64(layer["wheel_sha256"]):
            raise ManifestError("%s: layers[%d]: sha256 and wheel_sha256 must be 64 lowercase "
                                "hex digits" % (source, i))
        if not _NAME.match(layer["package"]):
            raise ManifestError("%s: layers[%d]: package '%s' is not a normalized project name"
                                % (source, i, layer["package"]))
    expected = environment_id(data["lock_sha256"], markers, tags_sha256)
    if expected != data["env_id"]:
        raise ManifestError("%s: env_id %s does not match its lock and target (%s)"
                            % (source, data["env_id"], expected))
    return Manifest(data, text)


def _wheel_tags(wheel):
    """(python tags, abi tags, platform tags) of a wheel file name."""
    if not wheel.endswith(".whl"):
        return None
    parts = wheel[:-4].split("-")
    if len(parts) not in (5, 6):
        return None
    return parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")


def _platform_floor(platform):
    """("glibc"|"musl"|"macos", (major, minor)) a platform tag needs, or None."""
    for legacy, version in _LEGACY_MANYLINUX.items():
        if platform.startswith(legacy + "_"):
            return "glibc", version
    m = _PLATFORM.match(platform)
    if not m:
        return None
    kind = {"manylinux": "glibc", "musllinux": "musl", "macosx": "macos"}[m.group(1)]
    return kind, (int(m.group(2)), int(m.group(3)))


def requirements(manifest):
    """What an interpreter must be to import the environment.

    From the target's markers: implementation, Python X.Y, sys.platform and
    machine. From the layers' wheel tags: the C library (each wheel needs the
    oldest glibc/musl/macOS its platform tags name; the environment needs the
    newest of those) and, for cpXYt wheels, a free-threaded build.
    """
    m = manifest.markers
    req = {
        "implementation_name": m.get("implementation_name", ""),
        "python_version": m.get("python_version", ""),
        "sys_platform": m.get("sys_platform", ""),
        "platform_machine": m.get("platform_machine", ""),
        "libc": None,       # ["glibc", [2, 28]] / ["musl", [1, 2]] / ["macos", [11, 0]]
        "libc_wheel": None,  # the wheel that needs it
        # True: cpXYt wheels (a free-threaded build is needed); False: wheels
        # for the default build (cpXY, abi3); None: pure Python only.
        "free_threaded": None,
    }
    for layer in manifest.layers:
        tags = _wheel_tags(layer.wheel)
        if tags is None:
            continue
        _, abis, platforms = tags
        for abi in abis:
            if re.match(r"^cp3\d+t$", abi):
                req["free_threaded"] = True
            elif abi != "none" and req["free_threaded"] is None:
                req["free_threaded"] = False
        floors = [f for f in (_platform_floor(p) for p in platforms) if f is not None]
        if not floors:
            continue
        kind = floors[0][0]
        floor = min(v for k, v in floors if k == kind)
        current = req["libc"]
        if current is None or (current[0] == kind and tuple(current[1]) < floor):
            req["libc"] = [kind, list(floor)]
            req["libc_wheel"] = layer.wheel
    return req
