"""Crafting inputs for the `sparkenv build` CLI tests: wheels (well-formed or
hostile, byte by byte where zipfile would refuse), sdists and source trees
with an in-tree PEP 517 backend, and pylock.toml files for a real target.

Nothing here needs the network or a build backend from an index: the
in-tree backend is plain Python, so `sparkenv build` can run it offline.
"""
import base64
import hashlib
import io
import json
import struct
import subprocess
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------
# Zip archives, written by hand so that tests can lie.

@dataclass
class Item:
    name: str
    data: bytes = b""
    mode: int = 0o100644          # Unix mode in the external attributes (host Unix)
    deflate: bool = True
    claimed_size: int | None = None             # central directory lies
    claimed_compressed_size: int | None = None


def raw_zip(items: list) -> bytes:
    """A zip of `items` exactly as given: duplicate names, absolute paths,
    links, device modes and lying sizes included."""
    out = bytearray()
    central = bytearray()
    for it in items:
        name = it.name.encode()
        body = it.data
        if it.deflate:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            body = c.compress(it.data) + c.flush()
        crc = zlib.crc32(it.data)
        method = 8 if it.deflate else 0
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(body),
                           len(it.data), len(name), 0) + name + body
        csize = it.claimed_compressed_size if it.claimed_compressed_size is not None else len(body)
        usize = it.claimed_size if it.claimed_size is not None else len(it.data)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, method, 0,
                               0x21, crc, csize, usize, len(name), 0, 0, 0, 0, it.mode << 16,
                               offset) + name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(items), len(items), len(central),
                       cd_offset, 0)
    return bytes(out)


@dataclass
class Wheel:
    """A wheel of `files` with METADATA, WHEEL and a correct RECORD, unless
    told otherwise: `unrecorded` files are left out of RECORD, `bad_hash`
    files get a wrong hash, `extra` items are added as they are (no RECORD
    row), `record` replaces RECORD."""
    name: str
    version: str
    files: dict = field(default_factory=dict)
    tag: str = "py3-none-any"
    unrecorded: tuple = ()
    bad_hash: tuple = ()
    extra: list = field(default_factory=list)
    record: str | None = None
    wheel_text: str | None = None
    lies: dict = field(default_factory=dict)  # path -> size claimed by the central directory

    @property
    def dist(self) -> str:
        return self.name.replace("-", "_")

    @property
    def filename(self) -> str:
        return f"{self.dist}-{self.version}-{self.tag}.whl"

    def build(self) -> bytes:
        info = f"{self.dist}-{self.version}.dist-info"
        files = dict(self.files)
        files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {self.name}\n"
                                     f"Version: {self.version}\n").encode()
        purelib = "true" if self.tag.endswith("-none-any") else "false"
        files[f"{info}/WHEEL"] = (self.wheel_text or
                                  f"Wheel-Version: 1.0\nGenerator: craft\nRoot-Is-Purelib: "
                                  f"{purelib}\nTag: {self.tag}\n").encode()
        rows = []
        for path, data in files.items():
            if path in self.unrecorded:
                continue
            digest = record_hash(b"not " + data) if path in self.bad_hash else record_hash(data)
            rows.append(f"{path},{digest},{'' if path in self.lies else len(data)}")
        rows.append(f"{info}/RECORD,,")
        record = self.record if self.record is not None else "\n".join(rows) + "\n"
        items = [Item(p, d, claimed_size=self.lies.get(p)) for p, d in files.items()]
        items += list(self.extra)
        items.append(Item(f"{info}/RECORD", record.encode()))
        return raw_zip(items)


# ---------------------------------------------------------------------------
# Source trees, sdists, the in-tree backend.

# A PEP 517 backend with no requirements: builds a wheel of the package in
# src/<dist>/ with the tag from pyproject's [tool.craft] (default
# py3-none-any); get_requires_for_build_wheel returns [tool.craft] requires.
BACKEND = '''\
"""In-tree PEP 517 backend of a crafted test package."""
import base64, hashlib, json, os, sys, tomllib, zipfile

def _conf():
    with open("pyproject.toml", "rb") as f:
        doc = tomllib.load(f)
    return doc["project"], doc.get("tool", {}).get("craft", {})

def get_requires_for_build_wheel(config_settings=None):
    return _conf()[1].get("requires", [])

def _line(path, data):
    d = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={d},{len(data)}"

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project, conf = _conf()
    if conf.get("fail"):
        print("craft backend: failing on purpose", file=sys.stderr)
        raise SystemExit(3)
    print("craft backend: building", project["name"])
    dist = project["name"].replace("-", "_")
    tag = conf.get("tag", "py3-none-any")
    info = f"{dist}-{project['version']}.dist-info"
    files = {}
    for root, _, names in os.walk(os.path.join("src", dist)):
        for n in sorted(names):
            p = os.path.join(root, n)
            files[os.path.relpath(p, "src")] = open(p, "rb").read()
    meta = f"Metadata-Version: 2.1\\nName: {project['name']}\\nVersion: {project['version']}\\n"
    for r in project.get("dependencies", []):
        meta += f"Requires-Dist: {r}\\n"
    files[f"{info}/METADATA"] = meta.encode()
    if conf.get("record_env"):
        import importlib
        deps = {m: importlib.import_module(m).VALUE for m in conf.get("imports", [])}
        files[f"{dist}/_build_env.json"] = json.dumps({
            "path": sys.path, "isolated": sys.flags.isolated, "no_site": sys.flags.no_site,
            "deps": deps, "cwd": os.getcwd(), "epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        }).encode()
    purelib = "true" if tag.endswith("-none-any") else "false"
    files[f"{info}/WHEEL"] = (f"Wheel-Version: 1.0\\nGenerator: craft\\nRoot-Is-Purelib: {purelib}\\n"
                              f"Tag: {tag}\\n").encode()
    rows = [_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\\n".join(rows) + "\\n").encode()
    name = f"{dist}-{project['version']}-{tag}.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in sorted(files.items()):
            z.writestr(zipfile.ZipInfo(p, (1980, 1, 1, 0, 0, 0)), d)
    return name
'''


def project_files(name: str, version: str, module: str = "", tag: str = "py3-none-any",
                  requires: list = (), dynamic_requires: list = (), dependencies: list = (),
                  fail: bool = False, record_env: bool = False, imports: list = ()) -> dict:
    """The files of a source tree built by BACKEND: {relative path: bytes}.
    `requires` go to build-system.requires, `dynamic_requires` are what
    get_requires_for_build_wheel answers; with `record_env` the wheel gets
    <dist>/_build_env.json (sys.path, isolation flags, the VALUE of each
    module in `imports`)."""
    dist = name.replace("-", "_")
    craft = [f'tag = "{tag}"', f"requires = {json.dumps(list(dynamic_requires))}",
             f"imports = {json.dumps(list(imports))}"]
    if fail:
        craft.append("fail = true")
    if record_env:
        craft.append("record_env = true")
    pyproject = ('[build-system]\n'
                 f'requires = {json.dumps(list(requires))}\nbuild-backend = "craft_backend"\n'
                 'backend-path = ["."]\n\n'
                 f'[project]\nname = "{name}"\nversion = "{version}"\n'
                 f"dependencies = {json.dumps(list(dependencies))}\n\n"
                 "[tool.craft]\n" + "\n".join(craft) + "\n")
    return {
        "pyproject.toml": pyproject.encode(),
        "craft_backend.py": BACKEND.encode(),
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"src/{dist}/__init__.py": (module or f'VALUE = "{name} {version}"\n').encode(),
    }


def write_tree(folder: Path, files: dict) -> Path:
    for rel, data in files.items():
        p = folder / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return folder


@dataclass
class TarItem:
    name: str
    data: bytes = b""
    type: bytes = tarfile.REGTYPE
    linkname: str = ""
    mode: int = 0o644


def sdist(top: str, files: dict, extra: list = (), fmt: str = "tar.gz") -> bytes:
    """An sdist with every file of `files` under `top/`, then the `extra`
    items as they are (links, devices, absolute names...)."""
    items = [TarItem(top, type=tarfile.DIRTYPE, mode=0o755)]
    items += [TarItem(f"{top}/{rel}", data) for rel, data in files.items()]
    items += list(extra)
    if fmt == "zip":
        return raw_zip([Item(i.name + ("/" if i.type == tarfile.DIRTYPE else ""), i.data,
                             mode=(0o40755 if i.type == tarfile.DIRTYPE else 0o100644))
                        for i in items])
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for it in items:
            info = tarfile.TarInfo(it.name)
            info.type, info.mode, info.mtime, info.linkname = it.type, it.mode, 0, it.linkname
            info.size = len(it.data) if it.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
            tar.addfile(info, io.BytesIO(it.data) if info.size else None)
    data = raw.getvalue()
    if fmt == "tar":
        return data
    out = io.BytesIO()
    import gzip
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(data)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Locks.

@dataclass
class TargetInfo:
    markers: dict
    tags: list

    @property
    def tags_sha256(self) -> str:
        return hashlib.sha256("\n".join(self.tags).encode()).hexdigest()


def target(sparkenv_bin: str, *options: str) -> TargetInfo:
    """The target `sparkenv target show --json OPTIONS` describes."""
    out = subprocess.run([sparkenv_bin, "target", "show", "--json", *options], check=True,
                         capture_output=True, text=True).stdout
    doc = json.loads(out)
    return TargetInfo(doc["markers"], doc["tags"])


def _toml_str(s: str) -> str:
    return json.dumps(s)


def file_entry(path: Path, url: str | None = None, size: bool = True) -> str:
    data = path.read_bytes()
    parts = [f"name = {_toml_str(path.name)}", f"url = {_toml_str(url or path.as_uri())}"]
    if size:
        parts.append(f"size = {len(data)}")
    parts.append(f"hashes = {{ sha256 = {_toml_str(sha256(data))} }}")
    return "{ " + ", ".join(parts) + " }"


def write_lock(path: Path, tgt: TargetInfo, packages: list, find_links: list = ()) -> Path:
    """packages: (name, version, kind, entry) with kind "wheel" or "sdist"
    and entry a TOML inline table (file_entry)."""
    lines = ['lock-version = "1.0"', 'created-by = "craft"', ""]
    for name, version, kind, entry in packages:
        lines += ["[[packages]]", f"name = {_toml_str(name)}", f"version = {_toml_str(version)}"]
        lines += [f"wheels = [{entry}]" if kind == "wheel" else f"sdist = {entry}", ""]
    lines += ["[tool.sparkenv]", "constraints = []",
              "find-links = [" + ", ".join(_toml_str(f) for f in find_links) + "]",
              "indexes = []", "prereleases = false", "requirements = []",
              'resolution = "highest"', f"target-tag-count = {len(tgt.tags)}",
              f"target-tags-sha256 = {_toml_str(tgt.tags_sha256)}", "",
              "[tool.sparkenv.target-markers]"]
    lines += [f"{k} = {_toml_str(v)}" for k, v in sorted(tgt.markers.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


# ---------------------------------------------------------------------------
# "Nothing written outside": a snapshot of a folder's files and their bytes.

def snapshot(folder: Path, skip: tuple = ()) -> dict:
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts and rel.parts[0] in skip:
            continue
        if p.is_symlink():
            out[str(rel)] = ("link", str(p.readlink()))
        elif p.is_file():
            out[str(rel)] = ("file", sha256(p.read_bytes()))
        else:
            out[str(rel)] = ("dir", "")
    return out
