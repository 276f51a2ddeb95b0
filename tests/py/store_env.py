"""Helpers for the store tests (tests/py/test_store_cli.py and the bed's
tests/bed/tests/test_store.py): environment folders written directly (the
layout of docs/environment-format.md, with made-up layer bytes of any size),
tiny wheels built into real environments, and snapshots of a folder store."""
import hashlib
import json
import os
import re
from pathlib import Path

MARKERS = {
    "implementation_name": "cpython",
    "platform_machine": "x86_64",
    "python_full_version": "3.11.9",
    "python_version": "3.11",
    "sys_platform": "linux",
}
TAGS_SHA256 = hashlib.sha256(b"test tags").hexdigest()


def env_id(lock_sha256: str, markers: dict, tags_sha256: str) -> str:
    """env::EnvironmentId (src/env/manifest.cc)."""
    text = f"sparkenv-env/1\nlock {lock_sha256}\n"
    text += "".join(f"marker {k}={markers[k]}\n" for k in sorted(markers))
    text += f"tags {tags_sha256}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def layer_bytes(package: str, version: str, size: int) -> bytes:
    """Deterministic, incompressible-looking bytes for a made-up layer."""
    out = bytearray()
    block = hashlib.sha256(f"{package} {version}".encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def make_env(folder: Path, packages: dict, lock_seed: str = "") -> dict:
    """Writes an environment folder: manifest.json + layers/<sha256>.tar.gz.
    `packages` maps name -> (version, layer size). Returns the manifest."""
    folder = Path(folder)
    (folder / "layers").mkdir(parents=True, exist_ok=True)
    lock_sha = hashlib.sha256(f"lock {lock_seed} {sorted(packages.items())}".encode()).hexdigest()
    layers = []
    for name, (version, size) in sorted(packages.items()):
        data = layer_bytes(name, version, size)
        sha = hashlib.sha256(data).hexdigest()
        (folder / "layers" / f"{sha}.tar.gz").write_bytes(data)
        layers.append({"files": 1, "installed_bytes": size, "package": name, "sha256": sha,
                       "size": size, "version": version,
                       "wheel": f"{name}-{version}-py3-none-any.whl",
                       "wheel_sha256": hashlib.sha256(f"wheel {name} {version}".encode()).hexdigest()})
    manifest = {
        "created_by": "sparkenv test", "env_id": env_id(lock_sha, MARKERS, TAGS_SHA256),
        "format": "sparkenv-env/1", "layers": layers, "lock_sha256": lock_sha,
        "target": {"markers": MARKERS, "tags_sha256": TAGS_SHA256},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def env_files(folder: Path) -> dict:
    """Relative path -> bytes of every file under an environment folder."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def snapshot(store: Path) -> dict:
    """Relative path -> (inode, mtime_ns, sha256) of every file in a folder store."""
    out = {}
    for p in sorted(Path(store).rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(store))] = (st.st_ino, st.st_mtime_ns,
                                              hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def changes(before: dict, after: dict) -> dict:
    """{"created": [...], "changed": [...], "removed": [...]} between two snapshots."""
    return {
        "created": sorted(set(after) - set(before)),
        "changed": sorted(k for k in set(before) & set(after) if before[k] != after[k]),
        "removed": sorted(set(before) - set(after)),
    }


def format_bytes(n: int) -> str:
    """fetch::FormatBytes: binary units, one decimal above bytes."""
    if n < 1024:
        return f"{n} B"
    value, units = n / 1024.0, ["KiB", "MiB", "GiB", "TiB"]
    unit = 0
    while value >= 1024.0 and unit + 1 < len(units):
        value /= 1024.0
        unit += 1
    return f"{value:.1f} {units[unit]}"


DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
SECONDS = re.compile(r"in \d+\.\d\ds")


DATE_SHAPE = "YYYY-MM-DD HH:MM:SS"


def scrub(text: str) -> str:
    """Dates replaced by DATE_SHAPE (same width: tables keep their columns) and
    durations by <T>, for whole-output comparisons."""
    return SECONDS.sub("in <T>", DATE.sub(DATE_SHAPE, text))


def hostile_tag(env_id_value: str, name: str = "app", tag: str = "latest") -> str:
    return json.dumps({"env_id": env_id_value, "format": "sparkenv-tag/1", "name": name,
                       "tag": tag, "updated": "2025-01-01T00:00:00Z"}, indent=2, sort_keys=True)


def env_without(var_names, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in var_names}
    env.update(extra)
    return env


def table(rows) -> str:
    """cli Table(): left-aligned columns two spaces apart, lines right-trimmed."""
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    return "".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n"
                   for r in rows)
