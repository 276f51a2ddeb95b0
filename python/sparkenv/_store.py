"""Environment references and reading them from a store (docs/store-format.md).

    STORE/NAME[:TAG]   the environment a tag names (TAG defaults to "latest")
    STORE@ENVID        one environment by id (a unique prefix of >= 8 hex digits)
    DIR                a local folder written by `sparkenv build`

A store is read through a small file-system interface: on the driver of a
Spark application that is Hadoop's FileSystem through the session's JVM
(`JvmFileSystem`: hdfs://, s3a://, file:// and whatever the cluster has
configured, with the cluster's credentials, and no Python dependency);
`LocalFileSystem` reads file:// stores without Spark.
"""
import json
import os
import re

from . import _manifest

STORE_FORMAT_MAJOR = "sparkenv-store/1"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_HEX = re.compile(r"^[0-9a-f]{8,64}$")


class StoreError(RuntimeError):
    """A store or an environment reference that cannot be read."""


class EnvRef(object):
    def __init__(self, kind, store_url="", name="", tag="", env_id="", local_dir=""):
        self.kind = kind  # "tag", "id" or "local"
        self.store_url = store_url
        self.name = name
        self.tag = tag
        self.env_id = env_id
        self.local_dir = local_dir

    def __str__(self):
        if self.kind == "tag":
            return "%s/%s:%s" % (self.store_url, self.name, self.tag)
        if self.kind == "id":
            return "%s@%s" % (self.store_url, self.env_id)
        return self.local_dir


def parse_env_ref(text):
    """Parses a reference with the rules (and messages) of `sparkenv`'s own
    parser (src/store/store.cc)."""
    s = str(text)
    if not s:
        raise ValueError("invalid environment reference '': expected STORE/NAME[:TAG], "
                         "STORE@ENVID or a folder written by 'sparkenv build'")
    if "://" not in s and os.path.isfile(os.path.join(s, "manifest.json")):
        return EnvRef("local", local_dir=os.path.normpath(os.path.abspath(s)))

    def bad(rule):
        return ValueError("invalid environment reference '%s': %s" % (s, rule))

    at, slash = s.rfind("@"), s.rfind("/")
    if at >= 0 and (slash < 0 or at > slash):
        store, env_id = s[:at], s[at + 1:]
        if not store:
            raise bad("the store before '@' is missing")
        if not _HEX.match(env_id):
            raise bad("an environment id is 8 to 64 lowercase hex digits")
        return EnvRef("id", store_url=store, env_id=env_id)
    if slash < 0 or slash + 1 == len(s):
        raise bad("expected STORE/NAME[:TAG], STORE@ENVID or a folder written by "
                  "'sparkenv build'")
    store, last = s[:slash], s[slash + 1:]
    name, _, tag = last.partition(":")
    tag = tag if ":" in last else "latest"
    if not store or store.endswith("/") or store.endswith(":/"):
        raise bad("the store before '/%s' is missing" % last)
    if not _NAME.match(name):
        raise bad("the name '%s' must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter "
                  "or digit" % name)
    if not _NAME.match(tag):
        raise bad("the tag '%s' must be 1-128 of A-Z a-z 0-9 . _ - starting with a letter "
                  "or digit" % tag)
    return EnvRef("tag", store_url=store, name=name, tag=tag)


def hadoop_url(store_url):
    """The URL Hadoop's FileSystem (and so Spark and YARN) reads a store at:
    s3:// becomes s3a://, httpfs:// webhdfs://, a path file://."""
    url = store_url.rstrip("/") or "/"
    if "://" not in url:
        return "file://" + os.path.abspath(url)
    scheme, rest = url.split("://", 1)
    scheme = {"s3": "s3a", "httpfs": "webhdfs"}.get(scheme.lower(), scheme.lower())
    return scheme + "://" + rest


class LocalFileSystem(object):
    """file:// URLs and plain paths."""

    @staticmethod
    def _path(url):
        if url.startswith("file://"):
            url = url[len("file://"):]
            if not url.startswith("/"):
                raise StoreError("'%s': a file:// URL must name an absolute path" % url)
        return url

    def read_text(self, url):
        """The file's text, or None when it does not exist."""
        try:
            with open(self._path(url), "rb") as f:
                return f.read().decode("utf-8")
        except FileNotFoundError:
            return None
        except OSError as e:
            raise StoreError("cannot read %s: %s" % (url, e))

    def list_names(self, url):
        try:
            return sorted(os.listdir(self._path(url)))
        except FileNotFoundError:
            return []
        except OSError as e:
            raise StoreError("cannot list %s: %s" % (url, e))


class JvmFileSystem(object):
    """Hadoop's FileSystem through a py4j gateway (a SparkContext's _jvm)."""

    def __init__(self, jvm, hadoop_conf):
        self.jvm = jvm
        self.conf = hadoop_conf

    def _fs(self, url):
        path = self.jvm.org.apache.hadoop.fs.Path(url)
        return path, path.getFileSystem(self.conf)

    def read_text(self, url):
        try:
            path, fs = self._fs(url)
            if not fs.exists(path):
                return None
            out = self.jvm.java.io.ByteArrayOutputStream()
            self.jvm.org.apache.hadoop.io.IOUtils.copyBytes(fs.open(path), out, 65536, True)
            return out.toString("UTF-8")
        except Exception as e:  # py4j errors carry the Java exception's text
            raise StoreError("cannot read %s: %s" % (url, _java_message(e)))

    def list_names(self, url):
        try:
            path, fs = self._fs(url)
            if not fs.exists(path):
                return []
            return sorted(s.getPath().getName() for s in fs.listStatus(path))
        except Exception as e:
            raise StoreError("cannot list %s: %s" % (url, _java_message(e)))


def _java_message(e):
    java = getattr(e, "java_exception", None)
    if java is not None:
        try:
            return "%s: %s" % (java.getClass().getName(), java.getMessage())
        except Exception:
            pass
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


class Resolved(object):
    def __init__(self, ref, manifest, layer_urls, store_url=None):
        self.ref = ref
        self.manifest = manifest
        self.layer_urls = layer_urls  # Hadoop URLs, in the manifest's layer order
        self.store_url = store_url    # Hadoop URL of the store (None: a local build)


def _read_json(fs, url, what):
    text = fs.read_text(url)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise StoreError("%s %s is not valid JSON" % (what, url))


def resolve(ref, fs):
    """Reads what `ref` names: the tag (for STORE/NAME:TAG), the manifest
    (validated; its id must be the one asked for). Does not check blobs."""
    if isinstance(ref, str):
        ref = parse_env_ref(ref)
    if ref.kind == "local":
        path = os.path.join(ref.local_dir, "manifest.json")
        text = LocalFileSystem().read_text(path)
        if text is None:
            raise StoreError("cannot read '%s'" % path)
        manifest = _manifest.parse_manifest(text, path)
        urls = ["file://" + os.path.join(ref.local_dir, "layers", l.sha256 + ".tar.gz")
                for l in manifest.layers]
        return Resolved(ref, manifest, urls)

    store = hadoop_url(ref.store_url)
    marker = _read_json(fs, store + "/sparkenv-store.json", "store marker")
    if marker is None:
        raise StoreError("no sparkenv store at %s" % ref.store_url)
    fmt = str(marker.get("format", "")) if isinstance(marker, dict) else ""
    if fmt.split(".")[0] != STORE_FORMAT_MAJOR:
        raise StoreError("%s: store format '%s' is not %s (written by a newer sparkenv?)"
                         % (ref.store_url, fmt, STORE_FORMAT_MAJOR))
    if ref.kind == "tag":
        tag_url = "%s/tags/%s/%s.json" % (store, ref.name, ref.tag)
        tag = _read_json(fs, tag_url, "tag")
        if tag is None:
            raise StoreError("no tag %s:%s in %s" % (ref.name, ref.tag, ref.store_url))
        env_id = tag.get("env_id") if isinstance(tag, dict) else None
        if not _manifest.is_hex64(env_id):
            raise StoreError("tag %s has no valid env_id (64 lowercase hex digits)" % tag_url)
    else:
        env_id = ref.env_id
        if len(env_id) < 64:
            matches = [n[:-5] for n in fs.list_names(store + "/envs")
                       if n.endswith(".json") and n.startswith(env_id)
                       and _manifest.is_hex64(n[:-5])]
            if not matches:
                raise StoreError("no environment %s in %s" % (env_id, ref.store_url))
            if len(matches) > 1:
                raise StoreError("environment id prefix %s is ambiguous in %s: %s"
                                 % (env_id, ref.store_url, ", ".join(m[:12] for m in matches)))
            env_id = matches[0]
    manifest_url = "%s/envs/%s.json" % (store, env_id)
    text = fs.read_text(manifest_url)
    if text is None:
        raise StoreError("no environment %s in %s" % (env_id, ref.store_url))
    manifest = _manifest.parse_manifest(text, manifest_url)
    if manifest.env_id != env_id:
        raise StoreError("%s names environment %s, not %s" % (manifest_url, manifest.env_id,
                                                               env_id))
    urls = ["%s/blobs/%s.tar.gz" % (store, l.sha256) for l in manifest.layers]
    return Resolved(ref, manifest, urls, store)
