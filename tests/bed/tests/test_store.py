"""Stores end to end with the sparkenv CLI, each scenario over three kinds of
store: a local folder (file://), the bed's real HDFS (hdfs://, WebHDFS,
HADOOP_CONF_DIR from `bed env`) and the bed's real S3 server (s3://, s3proxy,
credentials and endpoint from `bed env`).

Scenarios: push, ls, show, diff, pull (byte-identical), moving a tag, rm and
gc; an incremental push that sends one package's blob, the manifest and the
tag and nothing else (the report's bytes, and independently what changed in
the store); a push killed with kill -9 midway and run again while a reader
polls `show`; two pushes racing on one tag; the storage server (the DataNode,
s3proxy) restarted during a push; a sentinel secret that appears nowhere.

Everything is cross-checked with a client independent of sparkenv: the file
system, WebHDFS's REST API (and Hadoop's FsShell for the URL Spark reads),
boto3. Needs `tests/bed/bed up hadoop s3` and `scripts/build`.
"""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests
from botocore.config import Config

from bed_hadoop import fs_shell, hdfs_user, webhdfs

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "py"))
from store_env import env_files, make_env  # noqa: E402
from test_lock_cli import make_wheel  # noqa: E402

SPARKENV = Path(os.environ.get("SPARKENV_BIN", ROOT / "build" / "sparkenv"))
BED = ROOT / "tests" / "bed" / "bed"
TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
SENTINEL = "SENTINEL-b3d-s3cr3t-41c7"
KINDS = ["file", "hdfs", "s3"]
# Variables of this machine that must not leak into a run.
FOREIGN = ("HADOOP_USER_NAME", "HADOOP_TOKEN", "HADOOP_TOKEN_FILE_LOCATION",
           "SPARKENV_HDFS_DELEGATION_TOKEN", "HADOOP_CONF_DIR", "HADOOP_HOME")


def clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in FOREIGN and k != "SPARKENV_TEST_THROTTLE_BPS"}
    env.update(extra)
    return env


# ---- the three kinds of store, each with an independent client ----

class Store:
    """A fresh, empty store of one kind: its URL, the environment sparkenv
    runs with, and an independent view of its objects (key -> size,
    bytes, a fingerprint that changes when an object is rewritten)."""

    kind = ""

    def __init__(self, url: str, env: dict):
        self.url = url
        self.env = env

    def run(self, *args, env=None, timeout=300, check=True):
        p = subprocess.run([str(SPARKENV), *map(str, args)], capture_output=True, text=True,
                           env=env or self.env, timeout=timeout)
        if check:
            assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
        return p

    def popen(self, *args, env=None):
        return subprocess.Popen([str(SPARKENV), *map(str, args)], env=env or self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def objects(self) -> dict:  # key -> (size, fingerprint)
        raise NotImplementedError

    def read(self, key: str) -> bytes:
        raise NotImplementedError

    def put(self, key: str, data: bytes, age_s: int = 0):
        raise NotImplementedError

    def cleanup(self):
        pass

    def keys(self, prefix: str = "") -> dict:
        return {k: v[0] for k, v in self.objects().items() if k.startswith(prefix)}


class FileStore(Store):
    kind = "file"

    def __init__(self, root: Path):
        super().__init__(f"file://{root}", clean_env())
        self.root = root

    def objects(self):
        out = {}
        if self.root.is_dir():
            for p in self.root.rglob("*"):
                if p.is_file():
                    st = p.stat()
                    out[str(p.relative_to(self.root))] = (st.st_size, (st.st_ino, st.st_mtime_ns))
        return out

    def read(self, key):
        return (self.root / key).read_bytes()

    def put(self, key, data, age_s=0):
        p = self.root / key
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        if age_s:
            t = time.time() - age_s
            os.utime(p, (t, t))


class HdfsStore(Store):
    kind = "hdfs"

    def __init__(self, bed_env: dict, path: str):
        super().__init__(f"{bed_env['BED_HDFS_URL']}{path}",
                         clean_env(HADOOP_CONF_DIR=bed_env["HADOOP_CONF_DIR"]))
        self.bed_env = bed_env
        self.path = path
        self.user = hdfs_user(bed_env)

    def _get(self, path, op, **params):
        return requests.get(webhdfs(self.bed_env, path),
                            params={"op": op, "user.name": self.user, **params}, timeout=60)

    def objects(self):
        out = {}

        def walk(path, rel):
            r = self._get(path, "LISTSTATUS")
            if r.status_code == 404:
                return
            assert r.status_code == 200, r.text
            for st in r.json()["FileStatuses"]["FileStatus"]:
                key = f"{rel}{st['pathSuffix']}"
                if st["type"] == "DIRECTORY":
                    walk(f"{path}/{st['pathSuffix']}", key + "/")
                else:
                    out[key] = (st["length"], (st["fileId"], st["modificationTime"]))
        walk(self.path, "")
        return out

    def read(self, key):
        r = self._get(f"{self.path}/{key}", "OPEN")
        assert r.status_code == 200, r.text[:300]
        return r.content

    def put(self, key, data, age_s=0):
        r = requests.put(webhdfs(self.bed_env, f"{self.path}/{key}"),
                         params={"op": "CREATE", "overwrite": "true", "user.name": self.user},
                         data=data, timeout=60)
        assert r.status_code == 201, r.text
        if age_s:
            ms = int((time.time() - age_s) * 1000)
            r = requests.put(webhdfs(self.bed_env, f"{self.path}/{key}"),
                             params={"op": "SETTIMES", "modificationtime": ms,
                                     "user.name": self.user}, timeout=60)
            assert r.status_code == 200, r.text

    def cleanup(self):
        requests.delete(webhdfs(self.bed_env, self.path.rsplit("/", 1)[0]),
                        params={"op": "DELETE", "recursive": "true", "user.name": self.user},
                        timeout=60)


def boto(bed_env):
    return boto3.client(
        "s3", endpoint_url=bed_env["BED_S3_ENDPOINT"],
        aws_access_key_id=bed_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=bed_env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 5}))


class S3Store(Store):
    kind = "s3"

    def __init__(self, bed_env: dict, home: Path):
        self.bucket = bed_env["BED_S3_BUCKET"]
        self.prefix = f"storetest-{uuid.uuid4().hex[:12]}"
        super().__init__(f"s3://{self.bucket}/{self.prefix}", clean_env(
            HOME=str(home), AWS_ENDPOINT_URL=bed_env["BED_S3_ENDPOINT"],
            AWS_ACCESS_KEY_ID=bed_env["AWS_ACCESS_KEY_ID"],
            AWS_SECRET_ACCESS_KEY=bed_env["AWS_SECRET_ACCESS_KEY"],
            AWS_DEFAULT_REGION=bed_env.get("AWS_DEFAULT_REGION", "us-east-1")))
        self.client = boto(bed_env)

    def objects(self):
        out = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + "/"):
            for o in page.get("Contents", []):
                out[o["Key"][len(self.prefix) + 1:]] = (o["Size"], (o["ETag"], o["LastModified"]))
        return out

    def read(self, key):
        return self.client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")["Body"].read()

    def put(self, key, data, age_s=0):
        assert age_s == 0, "S3 objects cannot be back-dated"
        self.client.put_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}", Body=data)

    def cleanup(self):
        for key in self.objects():
            self.client.delete_object(Bucket=self.bucket, Key=f"{self.prefix}/{key}")
        uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix + "/")
        for u in uploads.get("Uploads", []):
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=u["Key"],
                                               UploadId=u["UploadId"])


@pytest.fixture(params=KINDS)
def store(request, bed_env, tmp_path):
    kind = request.param
    if not SPARKENV.exists():
        pytest.fail(f"{SPARKENV} not found: run scripts/build first")
    if kind == "file":
        s = FileStore(tmp_path / "store")
    elif kind == "hdfs":
        assert "HADOOP_CONF_DIR" in bed_env, "is hadoop up? (tests/bed/bed up hadoop)"
        s = HdfsStore(bed_env, f"/user/{hdfs_user(bed_env)}/storetest-{uuid.uuid4().hex[:12]}/envs")
    else:
        assert "BED_S3_ENDPOINT" in bed_env, "is s3 up? (tests/bed/bed up s3)"
        (tmp_path / "home").mkdir()
        s = S3Store(bed_env, tmp_path / "home")
    yield s
    s.cleanup()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two real environments one package apart (v1: alpha 1.0 + beta 2.0,
    v2: alpha 1.0 + beta 2.1), built by sparkenv from tiny wheels."""
    work = tmp_path_factory.mktemp("built")
    links = work / "links"
    links.mkdir()
    for name, version in (("alpha", "1.0"), ("beta", "2.0"), ("beta", "2.1")):
        make_wheel(links, name, version, [])
    out = {}
    for name, beta in (("v1", "beta==2.0"), ("v2", "beta==2.1")):
        lock = work / f"{name}.toml"
        for args in (["lock", "alpha", beta, "--no-index", "--find-links", links, *TARGET,
                      "--cache-dir", work / "cache", "-o", lock],
                     ["build", lock, "-o", work / name, "--cache-dir", work / "cache"]):
            p = subprocess.run([str(SPARKENV), *map(str, args)], capture_output=True, text=True)
            assert p.returncode == 0, p.stderr
        out[name] = work / name
    return out


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def blob_keys(m: dict) -> set:
    return {f"blobs/{l['sha256']}.tar.gz" for l in m["layers"]}


def check_blobs(store: Store, m: dict):
    """Every blob of `m` is in the store, read back by the independent client
    with the right size and sha256."""
    for l in m["layers"]:
        data = store.read(f"blobs/{l['sha256']}.tar.gz")
        assert (len(data), hashlib.sha256(data).hexdigest()) == (l["size"], l["sha256"]), l


def error_line(p) -> str:
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparkenv: error: "), p.stderr
    return lines[0][len("sparkenv: error: "):]


# ---- the round trip ----

def test_push_ls_show_diff_pull_move_rm_gc(store, built, tmp_path, bed_env):
    m1, m2 = manifest_of(built["v1"]), manifest_of(built["v2"])
    id1, id2 = m1["env_id"], m2["env_id"]
    url = store.url

    p = store.run("push", built["v1"], url, "--tag", "app:prod", "--tag", "app:v1")
    assert p.stdout == f"{url}@{id1}\n"
    assert store.keys() == {
        "sparkenv-store.json": len('{\n  "format": "sparkenv-store/1"\n}\n'),
        f"envs/{id1}.json": (built["v1"] / "manifest.json").stat().st_size,
        "tags/app/prod.json": store.keys()["tags/app/prod.json"],
        "tags/app/v1.json": store.keys()["tags/app/v1.json"],
        **{f"blobs/{l['sha256']}.tar.gz": l["size"] for l in m1["layers"]}}
    assert store.read(f"envs/{id1}.json") == (built["v1"] / "manifest.json").read_bytes()
    check_blobs(store, m1)
    tag = json.loads(store.read("tags/app/prod.json"))
    assert (tag["env_id"], tag["name"], tag["tag"], tag["format"]) == (id1, "app", "prod",
                                                                       "sparkenv-tag/1")

    # Moving the tag.
    p = store.run("push", built["v2"], url, "--tag", "app:prod")
    assert p.stderr.endswith(f"  tag app:prod -> {id2[:12]} (was {id1[:12]})\n"), p.stderr
    assert json.loads(store.read("tags/app/prod.json"))["env_id"] == id2
    check_blobs(store, m2)

    listing = json.loads(store.run("ls", url, "--json").stdout)
    assert listing["store"] == url
    assert [(t["name"], t["tag"], t["env_id"]) for t in listing["tags"]] == [
        ("app", "prod", id2), ("app", "v1", id1)]
    assert [(e["env_id"], e["tags"]) for e in listing["environments"]] == [
        (id2, ["app:prod"]), (id1, ["app:v1"])]
    assert listing["blobs"]["count"] == len(blob_keys(m1) | blob_keys(m2)) == 3
    text = store.run("ls", url).stdout
    assert text.splitlines()[-1].startswith("2 environments, 2 tags; 3 blobs"), text

    shown = json.loads(store.run("show", f"{url}/app:prod", "--json").stdout)
    assert shown["env_id"] == id2
    assert [(l["package"], l["version"]) for l in shown["layers"]] == [("alpha", "1.0"),
                                                                       ("beta", "2.1")]
    # The URL Spark and Hadoop read each layer from names the same bytes.
    beta = shown["layers"][1]
    if store.kind == "file":
        assert beta["url"] == f"file://{store.root}/blobs/{beta['sha256']}.tar.gz"
    elif store.kind == "hdfs":
        assert beta["url"] == f"{url}/blobs/{beta['sha256']}.tar.gz"
        assert hashlib.sha256(fs_shell(bed_env, "-cat", beta["url"]).stdout).hexdigest() == \
            beta["sha256"]
    else:
        assert beta["url"] == f"s3a://{store.bucket}/{store.prefix}/blobs/{beta['sha256']}.tar.gz"

    d = json.loads(store.run("diff", f"{url}/app:v1", f"{url}/app:prod", "--json").stdout)
    assert [c["package"] for c in d["changed"]] == ["beta"]
    assert (d["added"], d["removed"], d["unchanged"]) == ([], [], 1)

    out = tmp_path / "pulled"
    store.run("pull", f"{url}/app:prod", out)
    assert env_files(out) == env_files(built["v2"])  # byte-identical
    store.run("pull", f"{url}@{id1[:10]}", out, "-q")
    assert env_files(out) == env_files(built["v1"])

    # rm: refused while tagged; the tag, then the environment.
    p = store.run("rm", f"{url}@{id1[:10]}", check=False)
    assert p.returncode == 2
    assert error_line(p) == (f"environment {id1[:12]} in store '{url}' is named by the tag "
                             "app:v1: remove it first, or use --force to remove it with the "
                             "environment")
    store.run("rm", f"{url}/app:v1")
    store.run("rm", f"{url}@{id1[:10]}")
    assert "tags/app/v1.json" not in store.keys() and f"envs/{id1}.json" not in store.keys()

    # gc: the young unreferenced blob stays; with --grace 0 it goes, and so
    # does a stale temporary object (file and HDFS back-date it).
    old_blob = f"blobs/{next(l for l in m1['layers'] if l['package'] == 'beta')['sha256']}.tar.gz"
    p = store.run("gc", url)
    assert p.stdout.startswith("Removed 0 blobs and 0 temporary objects"), p.stdout
    assert old_blob in store.keys()
    if store.kind != "s3":
        store.put("tmp/x.tar.gz.0123456789abcdef.tmp", b"partial", age_s=2 * 86400)
    p = store.run("gc", url, "--grace", "0", "--dry-run")
    assert f"would remove {old_blob}" in p.stdout
    assert old_blob in store.keys()
    store.run("gc", url, "--grace", "0")
    assert set(store.keys("blobs/")) == blob_keys(m2)
    assert store.keys("tmp/") == {}
    store.run("pull", f"{url}/app:prod", out, "-q")
    assert env_files(out) == env_files(built["v2"])


# ---- incremental: the bytes sent ----

def test_incremental_push_sends_one_blob_the_manifest_and_the_tag(store, built):
    m2 = manifest_of(built["v2"])
    url = store.url
    store.run("push", built["v1"], url, "--tag", "app")
    before = store.objects()
    report = json.loads(store.run("push", built["v2"], url, "--tag", "app", "--json", "-q").stdout)
    after = store.objects()
    beta = next(l for l in m2["layers"] if l["package"] == "beta")
    new_keys = {f"blobs/{beta['sha256']}.tar.gz", f"envs/{m2['env_id']}.json"}
    # Independently of sparkenv: exactly these objects appeared or changed.
    assert set(after) - set(before) == new_keys
    assert {k for k in before if after.get(k) != before[k]} == {"tags/app/latest.json"}
    sizes = {k: after[k][0] for k in new_keys | {"tags/app/latest.json"}}
    assert (report["blobs_uploaded"], report["blobs_present"]) == (1, 1)
    assert report["blob_bytes_uploaded"] == beta["size"]
    assert report["bytes_sent"] == sum(sizes.values()), (report, sizes)
    # Again: nothing sent, nothing changed.
    report = json.loads(store.run("push", built["v2"], url, "--tag", "app", "--json", "-q").stdout)
    assert (report["bytes_sent"], report["blobs_uploaded"]) == (0, 0)
    assert store.objects() == after


# ---- faults and races ----

def test_kill_9_midway_then_again_while_a_reader_polls(store, tmp_path):
    n, size = 8, 64 * 1024
    m = make_env(tmp_path / "big", {f"pkg{i}": ("1.0", size) for i in range(n)}, "kill")
    url, ref = store.url, f"{store.url}/app:kill"
    keys = blob_keys(m)
    seen = {"complete": 0, "absent": 0, "bad": []}
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            p = store.run("show", ref, "--json", check=False, timeout=120)
            if p.returncode == 0:
                present = store.keys("blobs/")
                missing = [k for k in keys if present.get(k) != size]
                if missing or json.loads(p.stdout)["env_id"] != m["env_id"]:
                    seen["bad"].append(("unfinished environment visible", missing))
                seen["complete"] += 1
            elif p.returncode == 1 and (
                    p.stderr.startswith(f"sparkenv: error: no sparkenv store at '{url}'")
                    or p.stderr.startswith(f"sparkenv: error: no tag 'app:kill' in store '{url}'")):
                seen["absent"] += 1
            else:
                seen["bad"].append((p.returncode, p.stderr))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        slow = dict(store.env, SPARKENV_TEST_THROTTLE_BPS=str(128 * 1024))  # 0.5 s per blob
        push = store.popen("push", tmp_path / "big", url, "--tag", "app:kill", "-j", "1", env=slow)
        deadline = time.time() + 120
        while len(store.keys("blobs/")) < 3 and time.time() < deadline and push.poll() is None:
            time.sleep(0.05)
        push.send_signal(signal.SIGKILL)
        push.wait()
        assert push.returncode == -signal.SIGKILL, push.stderr.read()
        present = store.keys("blobs/")
        assert 3 <= len(present) < n, present
        assert all(present[k] == size for k in present)  # whole blobs only
        assert store.keys("envs/") == {} and store.keys("tags/") == {}
        time.sleep(1)  # the reader polls the unfinished store
        report = json.loads(store.run("push", tmp_path / "big", url, "--tag", "app:kill",
                                      "--json", "-q").stdout)
        assert (report["blobs_uploaded"], report["blobs_present"]) == (n - len(present),
                                                                       len(present))
        assert report["blob_bytes_uploaded"] == (n - len(present)) * size
        time.sleep(1)
    finally:
        stop.set()
        thread.join()
    assert seen["bad"] == [], seen["bad"]
    assert seen["absent"] > 0 and seen["complete"] > 0, seen
    check_blobs(store, m)
    store.run("pull", ref, tmp_path / "out", "-q")
    assert env_files(tmp_path / "out") == env_files(tmp_path / "big")


def test_two_pushes_racing_on_one_tag(store, tmp_path):
    ids = {}
    for name in ("a", "b"):
        packages = {f"{name}{i}": ("1.0", 32 * 1024) for i in range(3)}
        packages["shared"] = ("1.0", 32 * 1024)
        ids[make_env(tmp_path / name, packages, name)["env_id"]] = tmp_path / name
    env = dict(store.env, SPARKENV_TEST_THROTTLE_BPS=str(256 * 1024))
    for _ in range(2):
        pushes = [store.popen("push", tmp_path / name, store.url, "--tag", "app:race", "-q",
                              env=env) for name in ("a", "b")]
        for p in pushes:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
        shown = json.loads(store.run("show", f"{store.url}/app:race", "--json").stdout)
        assert shown["env_id"] in ids
        store.run("pull", f"{store.url}/app:race", tmp_path / "pulled", "-q")
        assert env_files(tmp_path / "pulled") == env_files(ids[shown["env_id"]])
    for m in (manifest_of(folder) for folder in ids.values()):
        check_blobs(store, m)
    assert store.keys("tmp/") == {}


def test_a_sentinel_secret_appears_nowhere(store, built, tmp_path):
    """The secret sparkenv is given (a wrong S3 secret key, an HDFS
    delegation token, AWS variables for a folder store) is in no output,
    whether the commands succeed or fail."""
    if store.kind == "s3":
        env = dict(store.env, AWS_SECRET_ACCESS_KEY=SENTINEL)
    elif store.kind == "hdfs":
        env = dict(store.env, SPARKENV_HDFS_DELEGATION_TOKEN=SENTINEL)
    else:
        env = dict(store.env, AWS_SECRET_ACCESS_KEY=SENTINEL, HADOOP_TOKEN=SENTINEL)
    outputs = []
    for args in (["push", built["v1"], store.url, "--tag", "app"], ["ls", store.url],
                 ["show", f"{store.url}/app"], ["pull", f"{store.url}/app", tmp_path / "out"],
                 ["gc", store.url, "--dry-run"], ["rm", f"{store.url}/app"]):
        p = store.run(*args, env=env, check=False, timeout=300)
        outputs.append((args, p.returncode, p.stdout + p.stderr))
    for args, rc, text in outputs:
        assert SENTINEL not in text, (args, text)
    if store.kind == "s3":
        # A wrong secret is a clear credentials error, not a crash.
        args, rc, text = outputs[0]
        assert rc in (1, 2) and "credentials" in text.lower(), text


# ---- the storage server restarted during a push ----

def restart_storage(store: Store, bed_env: dict):
    if store.kind == "hdfs":
        url = bed_env.get("BED_HADOOP_CONTROL_URL")
        if not url:
            pytest.skip("the bed publishes no BED_HADOOP_CONTROL_URL (restart hadoop with the "
                        "current tests/bed/hadoop)")
        r = requests.post(f"{url}/datanode/restart", params={"down_ms": 1500}, timeout=120)
        assert (r.status_code, r.text.strip()) == (200, "restarted"), r.text
    else:
        for args in (["down", "s3"], ["up", "s3"]):
            subprocess.run([str(BED), *args], check=True, timeout=300, capture_output=True)


@pytest.mark.parametrize("store", ["hdfs", "s3"], indirect=True)
def test_storage_restarted_during_a_push(store, bed_env, tmp_path):
    """A push of 4 x 24 MiB layers, one at a time; the DataNode (HDFS) or
    s3proxy (S3) restarts once the first blob is in. The push succeeds
    (retried) or fails with one clear error; either way the store holds only
    whole blobs, a second push completes, and pull verifies every byte."""
    size = 24 * 1024 * 1024
    m = make_env(tmp_path / "big", {f"big{i}": ("1.0", size) for i in range(4)}, "restart")
    push = store.popen("push", tmp_path / "big", store.url, "--tag", "app", "-j", "1")
    try:
        deadline = time.time() + 300
        while not store.keys("blobs/") and push.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert push.poll() is None, "the push ended before the restart"
        restart_storage(store, bed_env)
        out, err = push.communicate(timeout=600)
    finally:
        if push.poll() is None:
            push.kill()
        if store.kind == "s3":
            subprocess.run([str(BED), "up", "s3"], timeout=300, capture_output=True)
    err = err.decode(errors="replace")
    print(f"push after the restart: exit {push.returncode}\n{err}")
    if push.returncode != 0:
        lines = err.splitlines()
        assert push.returncode == 1 and len(lines) == 1 and lines[0].startswith(
            "sparkenv: error: "), err
        assert "tags/app/latest.json" not in store.keys()
    # Whatever the store holds is whole: each blob hashes to its name.
    for key, size_seen in store.keys("blobs/").items():
        data = store.read(key)
        assert hashlib.sha256(data).hexdigest() == key[len("blobs/"):-len(".tar.gz")], key
    store.run("push", tmp_path / "big", store.url, "--tag", "app", timeout=900)
    check_blobs(store, m)
    store.run("pull", f"{store.url}/app", tmp_path / "out", "-q", timeout=600)
    assert env_files(tmp_path / "out") == env_files(tmp_path / "big")
