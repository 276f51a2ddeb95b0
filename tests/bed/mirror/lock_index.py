"""The lock index of the bed's mirror (served at /lock/simple/): for the sets
tests/bed/mirror/sets/lock-*.txt, a snapshot of PyPI in which resolvers face
real choices, for the three targets of targets.py. Called by build_mirror.py.

Content, all from PyPI with files uploaded before CUTOFF:
1. picks: `uv pip compile --exclude-newer CUTOFF --only-binary :all:` of every
   lock set for every target, against PyPI, so that a solution exists;
2. for every project reachable from the sets (dependencies of every listed
   version, with the target's markers and the extras asked for, to a fixed
   point): per target, the K newest final versions that have a wheel for that
   target, the pre-releases newer than those, and the picked versions;
3. per listed version, every wheel compatible with at least one target
   (cp39/cp311/cp312, abi3, none; manylinux x86_64/aarch64 up to the target's
   glibc; py3-none-any). No sdists: the lock index is a wheel-only world.

Every listed wheel has its PEP 658 `.metadata` file, fetched from PyPI and
checked against PyPI's core-metadata sha256. Only the wheels that the cp311
manylinux_2_28_x86_64 picks use are downloaded (sha256 and size verified);
every other listed wheel is "metadata-only": listed with PyPI's real hash and
size, its `.metadata` served, the wheel itself answering 404. Resolvers read
metadata only, so they never notice; installers can install cp311 x86_64 locks.
"""
import concurrent.futures
import email.parser
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from targets import DOWNLOAD_TARGET, TARGETS

CUTOFF = "2026-11-01T00:00:00Z"  # like uv's --exclude-newer: files uploaded before it
K = 6                            # newest final versions per project and target
MAX_PROJECTS = 500               # a runaway closure is an error, not a 10 GB mirror
HERE = Path(__file__).resolve().parent


def log(msg: str) -> None:
    print(f"[mirror lock {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def before_cutoff(upload_time) -> bool:
    # PyPI writes 2026-10-10T20:02:50.123456Z; the first 19 characters compare as times.
    return bool(upload_time) and upload_time[:19] < CUTOFF[:19]


def stamp_of(sets: list) -> str:
    h = hashlib.sha256()
    for p in (HERE / "lock_index.py", HERE / "targets.py"):
        h.update(p.read_bytes())
    h.update(json.dumps([CUTOFF, K, [t.name for t in TARGETS]]).encode())
    for s in sets:
        h.update(s.name.encode() + b"\0" + s.read_bytes() + b"\0")
    return h.hexdigest()


def set_requirements(path: Path) -> list:
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            try:
                out.append(Requirement(line))
            except InvalidRequirement as e:
                raise SystemExit(f"error: {path}: '{line}': {e}")
    return out


# --------------------------------------------------------------------------- picks

def uv_pick(uv: str, req_file: Path, target, workdir: Path, cache: Path) -> list:
    """[(name, version, wheel filename)] uv picks from PyPI for req_file on target. Kept in
    workdir keyed on the set, the target and CUTOFF: with the cutoff the answer does not change."""
    out_dir = workdir / f"{req_file.stem}-{target.name}"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / "pylock.toml"
    key = hashlib.sha256(json.dumps([req_file.read_text(), target.name, CUTOFF]).encode()).hexdigest()
    saved = out_dir / "picks.json"
    if saved.exists():
        data = json.loads(saved.read_text())
        if data.get("key") == key:
            return [tuple(p) for p in data["picks"]]
    cmd = [uv, "pip", "compile", "--quiet", "--no-header", "--format", "pylock.toml",
           "--index-url", "https://pypi.org/simple/", "--exclude-newer", CUTOFF,
           "--only-binary", ":all:", "--python-version", target.python,
           "--python-platform", target.uv_platform, "--cache-dir", str(cache),
           "--python", sys.executable,  # skips uv's interpreter discovery (slow with pyenv shims)
           "-o", str(out), str(req_file)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_")}
    if os.environ.get("PIP_CERT") and "SSL_CERT_FILE" not in env:
        env["SSL_CERT_FILE"] = os.environ["PIP_CERT"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"error: uv could not resolve '{req_file.name}' for {target.name}:\n"
                         f"{proc.stderr}")
    picks = parse_uv_lock(out, target, req_file)
    saved.write_text(json.dumps({"key": key, "picks": picks}) + "\n")
    return picks


def parse_uv_lock(out: Path, target, req_file: Path) -> list:
    lock = tomllib.loads(out.read_text())
    rank = {tag: i for i, tag in enumerate(target.tags())}
    picks = []
    for p in lock.get("packages", []):
        # uv lists every wheel compatible with the target; an installer takes the best tag.
        names = [w["url"].rsplit("/", 1)[1] for w in p.get("wheels") or []]
        if not names:
            raise SystemExit(f"error: uv's lock of '{req_file.name}' for {target.name}: "
                             f"{p['name']} has no wheel")
        best = min(names, key=lambda fn: min(rank.get(t, len(rank)) for t in parse_wheel_filename(fn)[3]))
        picks.append((canonicalize_name(p["name"]), p["version"], best))
    return picks


# --------------------------------------------------------------------------- PyPI

class Fetcher:
    UA = {"User-Agent": "sparkenv-test-bed-mirror/1"}

    def get(self, url: str, accept: str = None, timeout: int = 60):
        headers = dict(self.UA)
        if accept:
            headers["Accept"] = accept
        for attempt in range(4):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                            timeout=timeout) as r:
                    return r.read()
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    return None
                if attempt == 3 or e.code < 500:
                    raise SystemExit(f"error: GET {url}: {e}")
            except (urllib.error.URLError, OSError) as e:
                if attempt == 3:
                    raise SystemExit(f"error: GET {url}: {e}")
            time.sleep(2 ** attempt)

    def get_range(self, url: str, first: int, last: int) -> bytes:
        req = urllib.request.Request(url, headers={**self.UA, "Range": f"bytes={first}-{last}"})
        for attempt in range(4):
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    if r.status != 206:
                        raise SystemExit(f"error: GET {url} with Range: status {r.status}, not 206")
                    return r.read()
            except (urllib.error.URLError, OSError) as e:
                if attempt == 3 or (isinstance(e, urllib.error.HTTPError) and e.code < 500):
                    raise SystemExit(f"error: GET {url} bytes={first}-{last}: {e}")
            time.sleep(2 ** attempt)

    def page(self, name: str):
        body = self.get(f"https://pypi.org/simple/{name}/", "application/vnd.pypi.simple.v1+json")
        return None if body is None else json.loads(body)

    def download(self, url: str, dest: Path, sha256: str, size: int) -> None:
        tmp = dest.with_name(dest.name + ".part")
        h = hashlib.sha256()
        n = 0
        req = urllib.request.Request(url, headers=self.UA)
        with urllib.request.urlopen(req, timeout=300) as r, open(tmp, "wb") as f:
            for chunk in iter(lambda: r.read(1 << 20), b""):
                f.write(chunk)
                h.update(chunk)
                n += len(chunk)
        if h.hexdigest() != sha256 or (size is not None and n != size):
            tmp.unlink()
            raise SystemExit(f"error: {dest.name}: downloaded {n} bytes with sha256 {h.hexdigest()},"
                             f" PyPI lists {size} bytes with sha256 {sha256}")
        os.replace(tmp, dest)


# --------------------------------------------------------------------------- closure

class Project:
    """One project's PyPI page, reduced to the wheels the lock index may list."""

    def __init__(self, name: str, page: dict, tag_rank: list):
        self.name = name
        self.wheels = {}  # Version -> [(file entry, tags)]
        for f in page["files"] if page else []:
            fn = f["filename"]
            if not fn.endswith(".whl") or not before_cutoff(f.get("upload-time")):
                continue
            try:
                _, version, _, tags = parse_wheel_filename(fn)
            except (InvalidWheelFilename, InvalidVersion):
                continue
            if any(t in rank for rank in tag_rank for t in tags):
                self.wheels.setdefault(version, []).append((f, tags))

    def best(self, version, rank: dict):
        """The file of `version` a target with tag ranks `rank` picks, or None."""
        best, best_rank = None, None
        for f, tags in self.wheels.get(version, []):
            r = min((rank[t] for t in tags if t in rank), default=None)
            if r is not None and (best_rank is None or r < best_rank):
                best, best_rank = f, r
        return best

    def choose(self, rank: dict, python: str, picked: set) -> set:
        """For one target: the K newest final versions with a wheel for it, the K newest of
        those whose Requires-Python admits its Python (X.Y.0), pre-releases newer than all
        those (at most 2), and the picked versions."""
        versions = [v for v in self.wheels if self.best(v, rank) is not None]
        usable = [v for v in versions if admits(self.best(v, rank).get("requires-python"), python)]
        finals = sorted((v for v in versions if not v.is_prerelease), reverse=True)[:K]
        finals += sorted((v for v in usable if not v.is_prerelease), reverse=True)[:K]
        newer_pre = sorted((v for v in versions if v.is_prerelease and (not finals or v > max(finals))),
                           reverse=True)[:2]
        return set(finals) | set(newer_pre) | {v for v in versions if str(v) in picked}


def admits(requires_python, python: str) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python + ".0", prereleases=True)
    except InvalidSpecifier:
        return False


def requires(meta: bytes) -> list:
    msg = email.parser.BytesParser().parsebytes(meta, headersonly=True)
    out = []
    for line in msg.get_all("Requires-Dist") or []:
        try:
            out.append(Requirement(line))
        except InvalidRequirement:
            pass  # an old, broken METADATA line: every resolver rejects that version alike
    return out


def build_lock_index(root: Path, sets_dir: Path, jobs: int, force: bool) -> None:
    sets = sorted(sets_dir.glob("lock-*.txt"))
    lroot = root / "lock"
    stamp_file = lroot / "stamp"
    if not sets:
        return
    stamp = stamp_of(sets)
    if not force and stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        log(f"up to date ({lroot})")
        return
    t0 = time.time()
    files_dir = lroot / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    work = root / "lock-work"
    work.mkdir(exist_ok=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not uv:
        raise SystemExit("error: uv is not installed (scripts/setup.d/requirements-dev.txt)")

    # 1. What uv picks from PyPI for every set and target.
    manifest = {"cutoff": CUTOFF, "k": K, "targets": [t.name for t in TARGETS], "sets": {},
                "picks": {}}
    want = {}    # project -> set of extras asked for
    picked = {}  # project -> set of version strings
    download = {}  # project -> set of filenames (the DOWNLOAD_TARGET picks)
    jobs_list = [(s, t) for s in sets for t in TARGETS]
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        results = list(ex.map(lambda st: uv_pick(uv, st[0], st[1], work / "picks", work / "uv-cache"),
                              jobs_list))
    for (s, t), picks in zip(jobs_list, results):
        set_name = s.name[: -len(".txt")]
        manifest["sets"][set_name] = [str(r) for r in set_requirements(s)]
        manifest["picks"].setdefault(set_name, {})[t.name] = {n: [v, fn] for n, v, fn in picks}
        for n, v, fn in picks:
            want.setdefault(n, set())
            picked.setdefault(n, set()).add(v)
            if t == DOWNLOAD_TARGET:
                download.setdefault(n, set()).add(fn)
        for r in set_requirements(s):
            want.setdefault(canonicalize_name(r.name), set()).update(r.extras)
    log(f"{len(jobs_list)} resolutions by uv on PyPI (cutoff {CUTOFF}) in {time.time() - t0:.1f}s")

    # 2. The closure, to a fixed point.
    ranks = [{tag: i for i, tag in enumerate(t.tags())} for t in TARGETS]
    envs = [t.marker_environment() for t in TARGETS]
    fetch = Fetcher()
    projects = {}   # name -> Project
    chosen = {}     # name -> {Version: [file entries]}
    metadata = {}   # filename -> bytes
    done = {}       # name -> frozenset(extras) processed
    while True:
        todo = sorted(n for n in want if done.get(n) != frozenset(want[n]))
        if not todo:
            break
        if len(want) > MAX_PROJECTS:
            raise SystemExit(f"error: the lock sets reach {len(want)} projects (> {MAX_PROJECTS})")
        new = [n for n in todo if n not in projects]
        with concurrent.futures.ThreadPoolExecutor(jobs * 2) as ex:
            for n, page in zip(new, ex.map(fetch.page, new)):
                projects[n] = Project(n, page, ranks)
                if page is None:
                    log(f"warning: '{n}' is not on PyPI (listed with no files)")
                versions = set()
                for rank, t in zip(ranks, TARGETS):
                    versions |= projects[n].choose(rank, t.python, picked.get(n, set()))
                files = {}
                for v in versions:
                    files[v] = [f for f, _ in projects[n].wheels[v]]
                chosen[n] = files
        need = [f for n in new for fl in chosen[n].values() for f in fl if f["filename"] not in metadata]
        with concurrent.futures.ThreadPoolExecutor(jobs * 4) as ex:
            for f, meta in zip(need, ex.map(lambda f: core_metadata(fetch, files_dir, f), need)):
                metadata[f["filename"]] = meta
        for n in todo:
            extras = set(want[n])
            for v in chosen[n]:
                for rank, env in zip(ranks, envs):
                    f = projects[n].best(v, rank)
                    if f is None or metadata.get(f["filename"]) is None:
                        continue
                    for r in requires(metadata[f["filename"]]):
                        for extra in {""} | extras:
                            try:
                                ok = r.marker is None or r.marker.evaluate({**env, "extra": extra})
                            except InvalidMarker:
                                ok = False
                            if ok:
                                want.setdefault(canonicalize_name(r.name), set()).update(r.extras)
            done[n] = frozenset(extras)
        log(f"closure: {len(want)} projects so far, {len(metadata)} metadata files")

    # 3. Download what the DOWNLOAD_TARGET picks use.
    todo = []
    for n, names in sorted(download.items()):
        for fl in chosen[n].values():
            for f in fl:
                if f["filename"] in names:
                    dest = files_dir / f["filename"]
                    if not (dest.exists() and dest.stat().st_size == f.get("size")):
                        todo.append((f["url"], dest, f["hashes"]["sha256"], f.get("size")))
    total = sum(t[3] or 0 for t in todo)
    log(f"{sum(len(v) for v in download.values())} wheels to serve in full, {len(todo)} to download"
        f" ({total / 1e6:.1f} MB)")
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        for fut in [ex.submit(fetch.download, *t) for t in todo]:
            fut.result()

    # 4. Index records (every listed wheel has its .metadata; some have the wheel too).
    new_projects = lroot / "projects.new"
    shutil.rmtree(new_projects, ignore_errors=True)
    new_projects.mkdir()
    listed = set()
    served = 0
    served_bytes = 0
    for n in sorted(chosen):
        recs = []
        for v, fl in chosen[n].items():
            for f in fl:
                meta = metadata.get(f["filename"])
                listed.add(f["filename"])
                path = files_dir / f["filename"]
                full = path.exists()
                if full:
                    with zipfile.ZipFile(path) as zf:
                        if wheel_metadata(zf, f["filename"]) != meta:
                            raise SystemExit(f"error: {f['filename']}: its METADATA differs from"
                                             f" {f['filename']}.metadata")
                served += full
                served_bytes += path.stat().st_size if full else 0
                recs.append({"filename": f["filename"], "hashes": {"sha256": f["hashes"]["sha256"]},
                             "requires-python": f.get("requires-python"), "size": f.get("size"),
                             "upload-time": f.get("upload-time"), "yanked": f.get("yanked", False),
                             "core-metadata": {"sha256": hashlib.sha256(meta).hexdigest()},
                             "metadata-only": not full})
        recs.sort(key=lambda r: r["filename"])
        rec = {"name": n, "files": recs, "upstream": f"https://pypi.org/simple/{n}/"}
        (new_projects / f"{n}.json").write_text(json.dumps(rec, indent=1, sort_keys=True) + "\n")
    old = lroot / "projects.old"
    shutil.rmtree(old, ignore_errors=True)
    if (lroot / "projects").exists():
        os.replace(lroot / "projects", old)
    os.replace(new_projects, lroot / "projects")
    shutil.rmtree(old, ignore_errors=True)
    for p in files_dir.iterdir():
        base = p.name[: -len(".metadata")] if p.name.endswith(".metadata") else p.name
        if base not in listed:
            p.unlink()
    manifest.update({"projects": len(chosen), "files": len(listed), "served": served,
                     "served_bytes": served_bytes})
    tmp = lroot / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, lroot / "manifest.json")
    tmp = lroot / "stamp.tmp"
    tmp.write_text(stamp + "\n")
    os.replace(tmp, stamp_file)
    log(f"lock index ready: {len(chosen)} projects, {len(listed)} wheels listed, {served} served in"
        f" full ({served_bytes / 1e6:.1f} MB), in {time.time() - t0:.1f}s ({lroot})")


class RangeFile:
    """A remote file read with HTTP range requests, for zipfile: the tail first (end of
    central directory and, mostly, the directory itself), then what zipfile asks for."""

    def __init__(self, fetch, url: str, size: int):
        self.fetch, self.url, self.size, self.pos = fetch, url, size, 0
        self.chunks = []  # (start, bytes)
        self._get(max(0, size - 65536), size)

    def _get(self, start: int, end: int) -> None:
        data = self.fetch.get_range(self.url, start, end - 1)
        if len(data) != end - start:
            raise SystemExit(f"error: GET {self.url} bytes={start}-{end - 1}: got {len(data)} bytes")
        self.chunks.append((start, data))

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: 0, 1: self.pos, 2: self.size}[whence] + offset
        return self.pos

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self.pos + n)
        if end <= self.pos:
            return b""
        for start, data in self.chunks:
            if start <= self.pos and end <= start + len(data):
                out = data[self.pos - start:end - start]
                self.pos = end
                return out
        self._get(self.pos, min(self.size, max(end, self.pos + 32768)))
        return self.read(end - self.pos)


def wheel_metadata(zf: zipfile.ZipFile, filename: str) -> bytes:
    name, version, _, _ = parse_wheel_filename(filename)
    found = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
    if len(found) != 1:
        raise SystemExit(f"error: {filename}: expected one .dist-info/METADATA, found {found}")
    data = zf.read(found[0])  # zipfile checks the member's CRC-32
    msg = email.parser.BytesParser().parsebytes(data, headersonly=True)
    if canonicalize_name(msg.get("Name", "")) != name or Version(msg.get("Version", "")) != version:
        raise SystemExit(f"error: {filename}: METADATA names {msg.get('Name')} {msg.get('Version')}")
    return data


def core_metadata(fetch: Fetcher, files_dir: Path, f: dict) -> bytes:
    """The wheel's core metadata (PEP 658), cached in files_dir. From PyPI's `.metadata` file,
    sha256-checked against core-metadata, when the index offers one; otherwise (an index or
    proxy without PEP 658) the METADATA member read from the wheel with HTTP range requests."""
    cm = f.get("core-metadata") or f.get("data-dist-info-metadata")
    upstream = cm.get("sha256") if isinstance(cm, dict) else None
    path = files_dir / (f["filename"] + ".metadata")
    if path.exists():
        data = path.read_bytes()
        if upstream is None or hashlib.sha256(data).hexdigest() == upstream:
            return data
    data = fetch.get(f["url"] + ".metadata") if upstream else None
    if data is not None and hashlib.sha256(data).hexdigest() != upstream:
        raise SystemExit(f"error: {f['filename']}.metadata: sha256 differs from PyPI's core-metadata"
                         f" {upstream}")
    if data is None:
        with zipfile.ZipFile(RangeFile(fetch, f["url"], f["size"])) as zf:
            data = wheel_metadata(zf, f["filename"])
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data
