"""Layers the bootstrap unpacks itself: the node-level cache (`sparkenv submit
--node-cache DIR`), where executors on one machine share one unpacked copy of
each layer across applications, and YARN, where the NodeManager localizes
each layer as a file (once per node, PUBLIC) and the bootstrap unpacks it
once per node and user, beside the NodeManager's caches (or into the node cache).

    DIR/<sha256>/                  a layer's tree (site-packages/, ...), complete
    DIR/<sha256>.tmp.<pid>.<rand>/ being unpacked (renamed onto DIR/<sha256>)
    DIR/.locks/<sha256>.lock       held (flock) while one process fetches and unpacks

A folder under its final name is always complete: it appears by an atomic
rename. Processes that need a missing layer take its lock; the first fetches
(a shared folder's file, or HTTP(S): WebHDFS's OPEN), checks the sha256 and
the size, unpacks into a temporary folder and renames it; the others wait on
the lock and find the folder. A process killed midway leaves a temporary
folder or file, which nothing reads and the next fetch of that layer removes.
"""
import errno
import hashlib
import os
import random
import shutil
import subprocess
import tarfile
import urllib.request

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None

_CHUNK = 1 << 20


class NodeCacheError(RuntimeError):
    """A layer could not be brought into the node cache."""


def _local_path(url):
    """The file a file:// (absolute) or file: (relative) URL names, else None."""
    if url.startswith("file://"):
        return url[len("file://"):]
    if url.startswith("file:"):  # a file YARN put in the working folder
        return os.path.abspath(url[len("file:"):])
    return None


def _check(stream, sha256, size, url, out=None):
    """Reads `stream` to its end (copying to `out`); fails unless it has the
    layer's sha256 and size."""
    digest = hashlib.sha256()
    got = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        got += len(chunk)
        if out is not None:
            out.write(chunk)
    if got != size or digest.hexdigest() != sha256:
        raise NodeCacheError("layer %s from %s: expected %d bytes with sha256 %s, got %d bytes "
                             "with sha256 %s" % (sha256[:16], url.split("?")[0], size, sha256, got,
                                                 digest.hexdigest()))


def _fetch(url, tmp_archive, sha256, size):
    """The layer's archive on this machine, checked: a local file is read in
    place; an http(s):// one is downloaded to `tmp_archive`."""
    path = _local_path(url)
    if path is not None:
        with open(path, "rb") as f:
            _check(f, sha256, size, url)
        return path
    if not url.startswith(("http://", "https://")):
        raise NodeCacheError("cannot fetch %s: the node cache reads file://, http:// and "
                             "https:// URLs" % url.split("?")[0])
    with urllib.request.urlopen(url, timeout=60) as source, open(tmp_archive, "wb") as out:
        _check(source, sha256, size, url, out)
    return tmp_archive


def _unpack(archive, folder):
    """GNU tar when there is one (fast; refuses absolute and '..' names), else
    tarfile with the same refusals."""
    os.makedirs(folder)
    tar = shutil.which("tar")
    if tar:
        r = subprocess.run([tar, "-xzf", archive, "-C", folder, "--no-same-owner"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode == 0:
            return
        raise NodeCacheError("cannot unpack %s: %s" % (archive, r.stderr.decode("utf-8",
                                                                                 "replace")))
    with tarfile.open(archive, "r:gz") as t:
        for member in t.getmembers():
            name = member.name
            if name.startswith("/") or ".." in name.split("/") or not (member.isfile() or
                                                                     member.isdir()):
                raise NodeCacheError("cannot unpack %s: unsafe entry %r" % (archive, name))
        t.extractall(folder)


def ensure_layer(cache_dir, layer):
    """The layer's folder in the node cache, fetched and unpacked first if
    missing. `layer` is {"sha256", "size", "url"}; an empty `cache_dir` is
    the working folder."""
    cache_dir = cache_dir or os.getcwd()
    sha = layer["sha256"]
    final = os.path.join(cache_dir, sha)
    if os.path.isdir(final):
        return final
    locks = os.path.join(cache_dir, ".locks")
    try:
        os.makedirs(locks, exist_ok=True)
    except OSError as e:
        raise NodeCacheError("cannot create the node cache %s: %s" % (cache_dir, e))
    with open(os.path.join(locks, sha + ".lock"), "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.isdir(final):  # another process made it while we waited
            return final
        for name in os.listdir(cache_dir):  # left by a process killed midway
            if name.startswith(sha + ".tmp."):
                path = os.path.join(cache_dir, name)
                shutil.rmtree(path, ignore_errors=True) if os.path.isdir(path) else os.remove(path)
        tmp = "%s.tmp.%d.%x" % (final, os.getpid(), random.getrandbits(32))
        archive = tmp + ".tar.gz"
        try:
            _unpack(_fetch(layer["url"], archive, sha, layer["size"]), tmp)
            os.rename(tmp, final)
        except NodeCacheError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except (OSError, ValueError) as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, OSError) and e.errno == errno.ENOTEMPTY and os.path.isdir(final):
                return final
            raise NodeCacheError("cannot bring layer %s into the node cache %s: %s"
                                 % (sha[:16], cache_dir, e))
        finally:
            if os.path.exists(archive):
                os.remove(archive)
    return final


def ensure_layers(cache_dir, layers, threads=4):
    """ensure_layer for each layer, a few at once (tar runs as a child
    process); their folders in the given order."""
    if len(layers) <= 1:
        return [ensure_layer(cache_dir, layer) for layer in layers]
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=min(threads, len(layers))) as pool:
        return list(pool.map(lambda layer: ensure_layer(cache_dir, layer), layers))
