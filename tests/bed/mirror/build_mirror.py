#!/usr/bin/env python3
"""Builds the test bed's PyPI mirror: real files from PyPI, downloaded once.

    build_mirror.py [--root DIR] [--sets DIR] [--jobs N] [--force] [--no-lock]

For every requirement set tests/bed/mirror/sets/<set>.txt and every target
Python (cp311, cp312 on manylinux_2_28 x86_64) pip itself decides which files
are needed (`pip install --dry-run --report`, binary only). Sets named
<set>.sdist.txt list exact releases (`name==version`) whose source
distribution is taken instead, without dependency resolution.

For each project the real PyPI simple-API JSON (PEP 691) gives every chosen
file's sha256, size, upload-time, requires-python and yanked status; the file
is downloaded into DIR/files/ (sha256 and size verified) and each wheel's
`*.dist-info/METADATA` is extracted as the PEP 658 file `<file>.metadata`.
DIR/projects/<normalized-name>.json then lists exactly the files present, in
the format server.py serves. DIR/manifest.json records what pip chose per set
and Python (the tests compare against it).

The sets lock-*.txt are not part of this index: lock_index.py builds the
separate lock index DIR/lock/ from them (docs/bed-mirror.md, "Lock index").

Idempotent: a stamp keyed on the sets' content, the target list and this
script skips all work when nothing changed; files already present with the
right hash are never downloaded again.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lock_index import build_lock_index  # noqa: E402  (needs packaging: the dev venv)

PYPI_SIMPLE = "https://pypi.org/simple/"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
PYTHONS = ["3.11", "3.12"]
GLIBC_MINOR = 28  # manylinux_2_28_x86_64 (glibc 2.28, e.g. RHEL 8), the documented target
HERE = Path(__file__).resolve().parent


def manylinux_platforms(glibc_minor: int = GLIBC_MINOR, arch: str = "x86_64") -> list:
    """manylinux_2_<minor> down to 2_5, each legacy alias right after its tag."""
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    out = []
    for minor in range(glibc_minor, 4, -1):
        out.append(f"manylinux_2_{minor}_{arch}")
        if minor in legacy:
            out.append(f"{legacy[minor]}_{arch}")
    return out


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def log(msg: str) -> None:
    print(f"[mirror {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- resolution

def resolve_binary_set(req_file: Path, python: str, workdir: Path) -> list:
    """Files pip picks for req_file on cpXY manylinux x86_64: [{name, version, filename, sha256}]."""
    xy = python.replace(".", "")
    report = workdir / f"{req_file.stem}-cp{xy}.json"
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
           "--disable-pip-version-check", "--no-input", "--index-url", PYPI_SIMPLE,
           "--report", str(report), "--only-binary=:all:", "--python-version", python,
           "--implementation", "cp", "--abi", f"cp{xy}"]
    for plat in manylinux_platforms():
        cmd += ["--platform", plat]
    cmd += ["-r", str(req_file)]
    env = dict(os.environ)
    for k in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX"):
        env.pop(k, None)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"error: pip could not resolve set '{req_file.name}' for cp{xy}:\n{proc.stderr}")
    out = []
    for item in json.loads(report.read_text())["install"]:
        info = item["download_info"]
        hashes = info.get("archive_info", {}).get("hashes", {})
        out.append({"name": item["metadata"]["name"], "version": item["metadata"]["version"],
                    "filename": info["url"].rsplit("/", 1)[1], "sha256": hashes.get("sha256")})
    return out


def read_sdist_set(req_file: Path) -> list:
    """Lines `name==version` (comments allowed): [{name, version}]."""
    out = []
    for lineno, line in enumerate(req_file.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([A-Za-z0-9.+!_-]+)", line)
        if not m:
            raise SystemExit(f"error: {req_file}:{lineno}: '{line}' is not 'name==version'")
        out.append({"name": m.group(1), "version": m.group(2)})
    return out


# --------------------------------------------------------------------------- PyPI

class PyPI:
    """PyPI over urllib (the standard library: nothing to install first)."""
    UA = {"User-Agent": "sparkenv-test-bed-mirror/1"}

    def _open(self, url: str, headers: dict, timeout: int):
        for attempt in range(4):
            try:
                return urllib.request.urlopen(urllib.request.Request(url, headers={**self.UA, **headers}),
                                              timeout=timeout)
            except (urllib.error.URLError, OSError) as e:
                if attempt == 3 or (isinstance(e, urllib.error.HTTPError) and e.code < 500):
                    raise SystemExit(f"error: GET {url}: {e}")
                time.sleep(2 ** attempt)

    def project(self, name: str) -> dict:
        url = PYPI_SIMPLE + normalize(name) + "/"
        with self._open(url, {"Accept": SIMPLE_JSON}, 60) as r:
            ctype = r.headers.get("Content-Type", "")
            if not ctype.startswith(SIMPLE_JSON):
                raise SystemExit(f"error: GET {url}: expected {SIMPLE_JSON}, got '{ctype}'")
            return json.load(r)

    def download(self, url: str, dest: Path, sha256: str, size: int) -> None:
        tmp = dest.with_name(dest.name + ".part")
        h = hashlib.sha256()
        n = 0
        with self._open(url, {}, 120) as r, open(tmp, "wb") as f:
            for chunk in iter(lambda: r.read(1 << 20), b""):
                f.write(chunk)
                h.update(chunk)
                n += len(chunk)
        if h.hexdigest() != sha256 or (size is not None and n != size):
            tmp.unlink()
            raise SystemExit(f"error: {dest.name}: downloaded {n} bytes with sha256 {h.hexdigest()},"
                             f" PyPI lists {size} bytes with sha256 {sha256}")
        os.replace(tmp, dest)


def sdist_version(filename: str, project: str):
    """Version of an sdist filename of project, or None if it is not one."""
    for ext in (".tar.gz", ".zip"):
        if filename.endswith(ext):
            stem = filename[: -len(ext)]
            name, sep, version = stem.rpartition("-")
            if sep and normalize(name) == normalize(project):
                return version
    return None


def wheel_metadata(path: Path) -> bytes:
    """The bytes of the wheel's <name>-<version>.dist-info/METADATA."""
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist()
                 if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise SystemExit(f"error: {path.name}: expected one .dist-info/METADATA, found {names}")
        return z.read(names[0])


# --------------------------------------------------------------------------- main

def stamp_of(sets: list) -> str:
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    h.update(json.dumps([PYTHONS, manylinux_platforms()]).encode())
    for s in sets:
        h.update(s.name.encode() + b"\0" + s.read_bytes() + b"\0")
    return h.hexdigest()


def main() -> int:
    cache = Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=cache / "mirror")
    ap.add_argument("--sets", type=Path, default=HERE / "sets")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--force", action="store_true", help="ignore the stamps")
    ap.add_argument("--no-lock", action="store_true", help="skip the lock index (lock-*.txt sets)")
    args = ap.parse_args()

    root = args.root
    # lock-*.txt sets make the separate lock index (lock_index.py, served at /lock/simple/).
    sets = sorted(s for s in args.sets.glob("*.txt") if not s.name.startswith("lock-"))
    if not sets:
        raise SystemExit(f"error: no requirement sets (*.txt) in {args.sets}")
    stamp = stamp_of(sets)
    stamp_file = root / "stamp"
    if not args.force and stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        log(f"up to date ({root})")
    else:
        build_main_index(args, root, sets, stamp, stamp_file)
    if not args.no_lock:
        build_lock_index(root, args.sets, args.jobs, args.force)
    return 0


def build_main_index(args, root: Path, sets: list, stamp: str, stamp_file: Path) -> None:
    files_dir = root / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    # 1. What pip picks, per set and Python.
    manifest = {"pythons": PYTHONS, "platforms": manylinux_platforms(), "sets": {}}
    wanted = {}        # filename -> {"project", "sha256"}
    sdist_wanted = []  # (set, name, version)
    with tempfile.TemporaryDirectory(prefix="mirror-reports-") as tmp:
        for s in sets:
            if s.name.endswith(".sdist.txt"):
                set_name = s.name[: -len(".sdist.txt")]
                for item in read_sdist_set(s):
                    sdist_wanted.append((set_name, item["name"], item["version"]))
                continue
            set_name = s.name[: -len(".txt")]
            manifest["sets"][set_name] = {}
            for py in PYTHONS:
                log(f"resolving {s.name} for cp{py.replace('.', '')}")
                picked = resolve_binary_set(s, py, Path(tmp))
                manifest["sets"][set_name][py] = sorted(
                    ({"name": normalize(p["name"]), "version": p["version"], "filename": p["filename"]}
                     for p in picked), key=lambda d: d["name"])
                for p in picked:
                    wanted[p["filename"]] = {"project": normalize(p["name"]), "sha256": p["sha256"]}

    # 2. PyPI's own record of every file of those projects.
    pypi = PyPI()
    projects = sorted({w["project"] for w in wanted.values()} | {normalize(n) for _, n, _ in sdist_wanted})
    pages = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        for name, page in zip(projects, ex.map(pypi.project, projects)):
            pages[name] = page
    log(f"{len(projects)} projects looked up on PyPI")

    for set_name, name, version in sdist_wanted:
        page = pages[normalize(name)]
        found = [f["filename"] for f in page["files"] if sdist_version(f["filename"], name) == version]
        if not found:
            raise SystemExit(f"error: set '{set_name}': PyPI has no sdist of {name}=={version}")
        wanted[found[0]] = {"project": normalize(name), "sha256": None}
        manifest["sets"].setdefault(set_name, {}).setdefault("sdist", []).append(
            {"name": normalize(name), "version": version, "filename": found[0]})

    entries = {}  # filename -> PyPI file entry
    for filename, w in wanted.items():
        by_name = {f["filename"]: f for f in pages[w["project"]]["files"]}
        if filename not in by_name:
            raise SystemExit(f"error: PyPI's index of '{w['project']}' has no file '{filename}'")
        e = by_name[filename]
        if w["sha256"] and e["hashes"].get("sha256") != w["sha256"]:
            raise SystemExit(f"error: {filename}: pip saw sha256 {w['sha256']}, the JSON API lists"
                             f" {e['hashes'].get('sha256')}")
        entries[filename] = e

    # 3. Download what is missing (or wrong).
    todo = []
    for filename, e in sorted(entries.items()):
        dest = files_dir / filename
        if dest.exists() and dest.stat().st_size == e.get("size", dest.stat().st_size) \
                and sha256_file(dest) == e["hashes"]["sha256"]:
            continue
        todo.append((e["url"], dest, e["hashes"]["sha256"], e.get("size")))
    total = sum(t[3] or 0 for t in todo)
    log(f"{len(entries)} files wanted, {len(todo)} to download ({total / 1e6:.1f} MB)")
    t1 = time.time()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        for f in [ex.submit(pypi.download, *t) for t in todo]:
            f.result()
    if todo:
        log(f"downloaded {total / 1e6:.1f} MB in {time.time() - t1:.1f}s")

    # 4. PEP 658 metadata files and the per-project index records.
    records = {}
    for filename, e in sorted(entries.items()):
        project = wanted[filename]["project"]
        rec = {"filename": filename, "hashes": {"sha256": e["hashes"]["sha256"]},
               "requires-python": e.get("requires-python"),
               "size": (files_dir / filename).stat().st_size,
               "upload-time": e.get("upload-time"), "yanked": e.get("yanked", False)}
        if filename.endswith(".whl"):
            meta = wheel_metadata(files_dir / filename)
            mpath = files_dir / (filename + ".metadata")
            if not mpath.exists() or mpath.read_bytes() != meta:
                write_atomic(mpath, meta)
            digest = hashlib.sha256(meta).hexdigest()
            upstream = e.get("core-metadata") or e.get("data-dist-info-metadata")
            if isinstance(upstream, dict) and upstream.get("sha256") not in (None, digest):
                log(f"warning: {filename}: METADATA sha256 {digest} differs from PyPI's {upstream['sha256']}")
            rec["core-metadata"] = {"sha256": digest}
        records.setdefault(project, {"name": project, "files": []})["files"].append(rec)

    new_projects = root / "projects.new"
    shutil.rmtree(new_projects, ignore_errors=True)
    new_projects.mkdir()
    for project, rec in records.items():
        rec["upstream"] = PYPI_SIMPLE + project + "/"
        (new_projects / f"{project}.json").write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
    old = root / "projects.old"
    shutil.rmtree(old, ignore_errors=True)
    if (root / "projects").exists():
        os.replace(root / "projects", old)
    os.replace(new_projects, root / "projects")
    shutil.rmtree(old, ignore_errors=True)

    # Files of earlier sets that no set wants any more: not listed, so not kept.
    for p in files_dir.iterdir():
        base = p.name[: -len(".metadata")] if p.name.endswith(".metadata") else p.name
        if base not in entries:
            log(f"removing {p.name} (no set wants it)")
            p.unlink()

    size = sum((files_dir / f).stat().st_size for f in entries)
    manifest["files"] = len(entries)
    manifest["bytes"] = size
    write_atomic(root / "manifest.json", (json.dumps(manifest, indent=1) + "\n").encode())
    write_atomic(stamp_file, (stamp + "\n").encode())
    log(f"mirror ready: {len(records)} projects, {len(entries)} files, {size / 1e6:.1f} MB,"
        f" in {time.time() - t0:.1f}s ({root})")


if __name__ == "__main__":
    sys.exit(main())
