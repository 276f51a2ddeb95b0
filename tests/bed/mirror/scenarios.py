#!/usr/bin/env python3
"""Generates package indexes from packse scenario files, for the bed's mirror.

    scenarios.py [--out DIR] [--force] [TOML-OR-FOLDER...]

Each scenario file (the packse format: `name`, `[root] requires`,
`[packages.<name>.versions."<version>"]` with `requires`, `extras`,
`requires_python` (default ">=3.12", as
packse), `wheel_tags` (default py3-none-any),
`sdist` and `wheel` (default true), `yanked`, `description`; `[expected]`,
`[environment]`, `[resolver_options]` are copied to scenario.json) becomes
DIR/<scenario>/ with the layout server.py serves under
/scenarios/<scenario>/simple/:

  files/<dist>-<version>-<tag>.whl        one tiny wheel per wheel tag (PEP 427:
                                          <dist>/__init__.py, METADATA 2.3, WHEEL,
                                          RECORD with sha256)
  files/<dist>-<version>-<tag>.whl.metadata  its METADATA (PEP 658)
  files/<dist>-<version>.tar.gz           the sdist (PKG-INFO, pyproject.toml and a
                                          20-line in-tree build backend, so pip
                                          builds it offline with no build deps)
  projects/<name>.json                    the index records
  scenario.json                           the scenario itself, as JSON

Package names are used as written (no packse scenario prefix): every scenario
has its own index. Output is byte-for-byte reproducible (fixed timestamps); a
scenario is regenerated only when its file or this generator changed.

Default inputs: tests/fixtures/packse/scenarios/ and tests/bed/mirror/scenarios-local/.
"""
import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.tags import parse_tag
from packaging.version import Version

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DEFAULT_INPUTS = [REPO / "tests" / "fixtures" / "packse" / "scenarios", HERE / "scenarios-local"]
UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DEFAULT_REQUIRES_PYTHON = ">=3.12"  # packse's default (older packse releases used ">=3.8")
VERSION_FIELDS = {"requires", "extras", "requires_python", "wheel_tags", "sdist", "wheel", "yanked",
                  "description"}

# The sdists' build backend (PEP 517), written into each sdist next to PKG-INFO.
BACKEND = '''\
"""In-tree PEP 517 backend of a generated test package: builds a py3-none-any wheel."""
import base64, hashlib, os, zipfile

def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    meta = open("PKG-INFO", "rb").read()
    fields = dict(l.split(": ", 1) for l in meta.decode().splitlines() if ": " in l)
    dist = fields["Name"].replace("-", "_").replace(".", "_").lower()
    version = fields["Version"]
    info = f"{dist}-{version}.dist-info"
    files = {f"{dist}/__init__.py": open(os.path.join("src", dist, "__init__.py"), "rb").read(),
             f"{info}/METADATA": meta,
             f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: sparkenv-bed-backend\\n"
                              b"Root-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = "\\n".join([_record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,", ""])
    files[f"{info}/RECORD"] = record.encode()
    name = f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            z.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), data)
    return name

def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError("this package is already an sdist")
'''


class ScenarioError(Exception):
    pass


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dist_name(name: str) -> str:
    """The distribution name part of wheel and sdist filenames."""
    return re.sub(r"[-_.]+", "_", name).lower()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def metadata(name: str, version: str, meta: dict) -> bytes:
    lines = ["Metadata-Version: 2.3", f"Name: {name}", f"Version: {version}"]
    if meta.get("description"):
        lines.append(f"Summary: {meta['description'].splitlines()[0]}")
    rp = meta.get("requires_python", DEFAULT_REQUIRES_PYTHON)
    if rp:
        lines.append(f"Requires-Python: {rp}")
    for req in meta.get("requires", []):
        lines.append(f"Requires-Dist: {Requirement(req)}")
    for extra, reqs in sorted(meta.get("extras", {}).items()):
        extra_n = normalize(extra)
        lines.append(f"Provides-Extra: {extra_n}")
        for req in reqs:
            r = Requirement(req)
            marker = f'extra == "{extra_n}"'
            if r.marker is not None:
                marker = f"({r.marker}) and {marker}"
                r.marker = None
            lines.append(f"Requires-Dist: {r}; {marker}")
    return ("\n".join(lines) + "\n").encode()


def zip_bytes(files: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def make_wheel(name: str, version: str, tag: str, meta_bytes: bytes) -> tuple:
    tags = sorted(parse_tag(tag), key=str)  # validates the tag; expands compressed tag sets
    dist = dist_name(name)
    info = f"{dist}-{version}.dist-info"
    purelib = all(t.platform == "any" for t in tags)
    wheel = ["Wheel-Version: 1.0", "Generator: sparkenv-bed-scenarios (1)",
             f"Root-Is-Purelib: {'true' if purelib else 'false'}"]
    wheel += [f"Tag: {t}" for t in tags]
    files = {f"{dist}/__init__.py": f'__version__ = "{version}"\n'.encode(),
             f"{info}/METADATA": meta_bytes,
             f"{info}/WHEEL": ("\n".join(wheel) + "\n").encode()}
    record = [f"{p},{record_hash(d)},{len(d)}" for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    return f"{dist}-{version}-{tag}.whl", zip_bytes(files)


def make_sdist(name: str, version: str, meta_bytes: bytes) -> tuple:
    dist = dist_name(name)
    base = f"{dist}-{version}"
    pyproject = ('[build-system]\nrequires = []\nbuild-backend = "sparkenv_bed_backend"\n'
                 'backend-path = ["."]\n\n'
                 f'[project]\nname = "{name}"\nversion = "{version}"\n').encode()
    files = {f"{base}/PKG-INFO": meta_bytes, f"{base}/pyproject.toml": pyproject,
             f"{base}/sparkenv_bed_backend.py": BACKEND.encode(),
             f"{base}/src/{dist}/__init__.py": f'__version__ = "{version}"\n'.encode()}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in (base, f"{base}/src", f"{base}/src/{dist}"):
            ti = tarfile.TarInfo(d)
            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 0
            tar.addfile(ti)
        for path, data in files.items():
            ti = tarfile.TarInfo(path)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, 0
            tar.addfile(ti, io.BytesIO(data))
    gz = io.BytesIO()
    with gzip.GzipFile(fileobj=gz, mode="wb", mtime=0) as g:
        g.write(raw.getvalue())
    return f"{base}.tar.gz", gz.getvalue()


def load(path: Path) -> dict:
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}")
    doc.setdefault("name", path.stem)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", doc["name"]):
        raise ScenarioError(f"{path}: scenario name '{doc['name']}' must be letters, digits, '.', '_', '-'")
    for pname, pkg in doc.get("packages", {}).items():
        for v, meta in pkg.get("versions", {}).items():
            unknown = set(meta) - VERSION_FIELDS
            if unknown:
                raise ScenarioError(f"{path}: package '{pname}' version '{v}': unknown field(s) "
                                    f"{', '.join(sorted(unknown))}")
    return doc


def generate(doc: dict, out: Path) -> dict:
    """Writes the scenario's index into out (a new folder); returns a summary."""
    files_dir, projects_dir = out / "files", out / "projects"
    files_dir.mkdir(parents=True)
    projects_dir.mkdir()
    nfiles = 0
    for pname, pkg in sorted(doc.get("packages", {}).items()):
        records = []
        for raw_version, meta in pkg.get("versions", {}).items():
            try:
                version = str(Version(raw_version))
            except Exception:
                raise ScenarioError(f"scenario '{doc['name']}': package '{pname}' has invalid version "
                                    f"'{raw_version}' (PEP 440)")
            try:
                meta_bytes = metadata(pname, version, meta)
                for tag in meta.get("wheel_tags") or []:
                    parse_tag(tag)
            except Exception as e:
                raise ScenarioError(f"scenario '{doc['name']}': package '{pname}' version '{raw_version}': {e}")
            common = {"requires-python": meta.get("requires_python", DEFAULT_REQUIRES_PYTHON) or None,
                      "upload-time": UPLOAD_TIME, "yanked": bool(meta.get("yanked", False))}
            outputs = []
            if meta.get("wheel", True):
                for tag in meta.get("wheel_tags") or ["py3-none-any"]:
                    fname, data = make_wheel(pname, version, tag, meta_bytes)
                    (files_dir / (fname + ".metadata")).write_bytes(meta_bytes)
                    outputs.append((fname, data, {"core-metadata": {"sha256": sha256(meta_bytes)}}))
            if meta.get("sdist", True):
                fname, data = make_sdist(pname, version, meta_bytes)
                outputs.append((fname, data, {}))
            for fname, data, extra in outputs:
                (files_dir / fname).write_bytes(data)
                records.append({"filename": fname, "hashes": {"sha256": sha256(data)}, "size": len(data),
                                **common, **extra})
                nfiles += 1
        rec = {"name": normalize(pname), "files": sorted(records, key=lambda r: r["filename"])}
        (projects_dir / f"{normalize(pname)}.json").write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
    (out / "scenario.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return {"projects": len(doc.get("packages", {})), "files": nfiles}


def inputs(paths: list) -> list:
    found = []
    for p in paths:
        if p.is_dir():
            found += sorted(p.rglob("*.toml"))
        elif p.is_file():
            found.append(p)
        elif p not in DEFAULT_INPUTS:
            raise ScenarioError(f"no such scenario file or folder: '{p}'")
    return found


def main() -> int:
    cache = Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=cache / "mirror" / "scenarios")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("paths", nargs="*", type=Path)
    args = ap.parse_args()
    generator = Path(__file__).read_bytes()
    args.out.mkdir(parents=True, exist_ok=True)
    made = skipped = 0
    seen = {}
    try:
        for path in inputs(args.paths or DEFAULT_INPUTS):
            source = path.read_bytes()
            doc = load(path)
            name = doc["name"]
            if name in seen:
                raise ScenarioError(f"{path}: scenario name '{name}' is also used by {seen[name]}")
            seen[name] = path
            stamp = sha256(generator + b"\0" + source)
            dest = args.out / name
            if not args.force and (dest / "stamp").is_file() and (dest / "stamp").read_text().strip() == stamp:
                skipped += 1
                continue
            tmp = args.out / f".{name}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                generate(doc, tmp)
            except Exception as e:
                shutil.rmtree(tmp, ignore_errors=True)
                if isinstance(e, ScenarioError):
                    raise
                raise ScenarioError(f"{path}: {e}") from e
            (tmp / "stamp").write_text(stamp + "\n")
            shutil.rmtree(dest, ignore_errors=True)
            os.replace(tmp, dest)
            made += 1
        if not args.paths:  # the default inputs are the whole set: drop outputs of removed scenarios
            for d in args.out.iterdir():
                if d.is_dir() and d.name not in seen and (d / "stamp").is_file():
                    shutil.rmtree(d)
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"scenarios: {made} generated, {skipped} up to date, in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
