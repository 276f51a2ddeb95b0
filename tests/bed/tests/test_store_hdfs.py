"""The HDFS store backend (src/store/webhdfs_backend.cc) against the bed's real
HDFS, through the dev tool build/hdfs_store_tool (every Backend method):
round trips checked with Hadoop's own client, atomic replacement, permissions
for YARN's PUBLIC visibility, --private, a full quota, permission denied, a
missing root, HA failover from a hand-written configuration, delegation tokens
that are never printed, and a DataNode restarted in the middle of an upload.

Needs `tests/bed/bed up hadoop` and `scripts/build` (for build/hdfs_store_tool).
"""
import hashlib
import os
import re
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from bed_hadoop import ROOT, fs_shell, hdfs_user, webhdfs, dfs_admin, hadoop_java

TOOL = ROOT / "build" / "hdfs_store_tool"
CLEAN_ENV = ("HADOOP_USER_NAME", "HADOOP_TOKEN", "HADOOP_TOKEN_FILE_LOCATION",
             "SPARKENV_HDFS_DELEGATION_TOKEN", "HADOOP_CONF_DIR", "HADOOP_HOME")


@pytest.fixture(scope="module", autouse=True)
def _tool():
    if not TOOL.exists():
        pytest.fail(f"{TOOL} not found: run scripts/build first")


def tool(bed_env, *args, env=None, check=True, timeout=300):
    """Runs hdfs_store_tool with the bed's HADOOP_CONF_DIR (and `env` on top)."""
    e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    e["HADOOP_CONF_DIR"] = bed_env["HADOOP_CONF_DIR"]
    e.update(env or {})
    r = subprocess.run([str(TOOL), *map(str, args)], capture_output=True, env=e, timeout=timeout)
    if check:
        assert r.returncode == 0, (args, r.returncode, r.stderr.decode(errors="replace"))
    return r


def error_of(r) -> str:
    lines = [l for l in r.stderr.decode().splitlines() if l.startswith("hdfs_store_tool: error: ")]
    assert len(lines) == 1, r.stderr.decode()
    return lines[0][len("hdfs_store_tool: error: "):]


def status(bed_env, path, user=None):
    r = requests.get(webhdfs(bed_env, path),
                     params={"op": "GETFILESTATUS", "user.name": user or hdfs_user(bed_env)},
                     timeout=30)
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return r.json()["FileStatus"]


def put(bed_env, path, op, **params):
    r = requests.put(webhdfs(bed_env, path),
                     params={"op": op, "user.name": hdfs_user(bed_env), **params}, timeout=30)
    assert r.status_code == 200, (op, path, r.text)


def open_sha256(bed_env, path) -> str:
    h = hashlib.sha256()
    with requests.get(webhdfs(bed_env, path), params={"op": "OPEN", "user.name": hdfs_user(bed_env)},
                      stream=True, timeout=120) as r:
        assert r.status_code == 200, r.text[:300]
        for chunk in r.iter_content(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def random_file(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def base(bed_env):
    """A fresh folder under the bed user's home (the store roots go below it),
    removed afterwards, quotas included."""
    path = f"/user/{hdfs_user(bed_env)}/storetest-{uuid.uuid4().hex[:12]}"
    put(bed_env, path, "MKDIRS", permission="755")
    yield path
    requests.delete(webhdfs(bed_env, path),
                    params={"op": "DELETE", "recursive": "true", "user.name": hdfs_user(bed_env)},
                    timeout=60)


def listing(bed_env, url, prefix=""):
    out = tool(bed_env, url, "list", prefix).stdout.decode().splitlines()
    return {line.split("\t")[0]: int(line.split("\t")[1]) for line in out}


# ---- every method, checked with Hadoop's own client ----

def test_every_backend_method_round_trips(bed_env, base, tmp_path):
    url = f"{bed_env['BED_HDFS_URL']}{base}/envs"
    blob = tmp_path / "layer.tar.gz"
    sha = random_file(blob, 3 * 1024 * 1024 + 17)
    key = f"blobs/{sha}.tar.gz"

    r = tool(bed_env, url, "upload", blob, key, "--sha256", sha)
    counters = r.stderr.decode().strip().splitlines()[-1]
    m = re.fullmatch(r"requests=(\d+) sent=(\d+) received=(\d+)", counters)
    assert m and int(m.group(2)) == blob.stat().st_size, counters

    # Stat, and HDFS agrees; Spark's URL reads the same bytes with FsShell.
    line = tool(bed_env, url, "stat", key).stdout.decode().strip().split("\t")
    assert line[:2] == [key, str(blob.stat().st_size)]
    assert abs(int(line[2]) / 1000 - time.time()) < 300
    hadoop_url = tool(bed_env, url, "hadoop-url", key).stdout.decode().strip()
    assert hadoop_url == f"{bed_env['BED_HDFS_URL']}{base}/envs/{key}"
    assert fs_shell(bed_env, "-cat", hadoop_url).stdout == blob.read_bytes()

    # Write / Read of small objects, replaced in place.
    tool(bed_env, url, "write", "tags/app/latest.json", '{"v": 1}')
    tool(bed_env, url, "write", "tags/app/latest.json", '{"v": 2, "longer": true}')
    tool(bed_env, url, "write", "tags/other/prod.json", "{}")
    assert tool(bed_env, url, "read", "tags/app/latest.json").stdout == b'{"v": 2, "longer": true}'
    assert fs_shell(bed_env, "-cat", f"{base}/envs/tags/app/latest.json").stdout == \
        b'{"v": 2, "longer": true}'

    # Download.
    out = tmp_path / "down.bin"
    tool(bed_env, url, "download", key, out)
    assert out.read_bytes() == blob.read_bytes()

    # List: recursive, by prefix, nothing left in tmp/.
    assert listing(bed_env, url) == {key: blob.stat().st_size, "tags/app/latest.json": 24,
                                     "tags/other/prod.json": 2}
    assert set(listing(bed_env, url, "tags/")) == {"tags/app/latest.json", "tags/other/prod.json"}
    assert set(listing(bed_env, url, "tags/ap")) == {"tags/app/latest.json"}
    assert listing(bed_env, url, "envs/") == {}
    assert listing(bed_env, url, "tmp/") == {}

    # Remove (twice: a missing key is fine); then absent everywhere.
    tool(bed_env, url, "remove", key)
    tool(bed_env, url, "remove", key)
    assert tool(bed_env, url, "stat", key).stdout.decode().strip() == "absent"
    r = tool(bed_env, url, "read", key, check=False)
    assert r.returncode == 1
    assert error_of(r) == f"no such object on HDFS: {url}/{key}"
    assert fs_shell(bed_env, "-test", "-e", hadoop_url, check=False).returncode != 0


def test_default_fs_url_and_webhdfs_url(bed_env, base):
    # hdfs:///path resolves through fs.defaultFS and names it in the Hadoop
    # URL; webhdfs://host:port is the HTTP address itself, a URL Hadoop
    # reads too.
    default_fs = f"hdfs://{base}/s"  # hdfs:///user/...
    tool(bed_env, default_fs, "write", "envs/a.json", "A")
    assert tool(bed_env, default_fs, "hadoop-url", "envs/a.json").stdout.decode().strip() == \
        f"{bed_env['BED_HDFS_URL']}{base}/s/envs/a.json"
    web = bed_env["BED_WEBHDFS_URL"].replace("http://", "webhdfs://") + f"{base}/s"
    assert tool(bed_env, web, "read", "envs/a.json").stdout == b"A"
    web_url = tool(bed_env, web, "hadoop-url", "envs/a.json").stdout.decode().strip()
    assert web_url == f"{web}/envs/a.json"
    assert fs_shell(bed_env, "-cat", web_url).stdout == b"A"


# ---- atomic replacement and concurrent writers ----

def test_overwrite_is_atomic_for_readers_and_racing_writers(bed_env, base):
    url = f"{bed_env['BED_HDFS_URL']}{base}/envs"
    versions = [(f'{{"version": {i}, "pad": "' + "x" * (i * 997) + '"}').encode() for i in range(8)]
    tool(bed_env, url, "write", "tags/app/latest.json", versions[0].decode())
    seen, bad, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            r = requests.get(webhdfs(bed_env, f"{base}/envs/tags/app/latest.json"),
                             params={"op": "OPEN", "user.name": hdfs_user(bed_env)}, timeout=30)
            if r.status_code != 200 or r.content not in versions:
                bad.append((r.status_code, r.content[:80]))
            seen.append(r.content)

    t = threading.Thread(target=reader)
    t.start()
    try:
        # Rounds of 7 writers racing to replace the same tag.
        e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
        e["HADOOP_CONF_DIR"] = bed_env["HADOOP_CONF_DIR"]
        for _ in range(3):
            procs = [subprocess.Popen([str(TOOL), url, "write", "tags/app/latest.json",
                                       versions[i].decode()], env=e,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                     for i in range(1, 8)]
            for p in procs:
                assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    finally:
        stop.set()
        t.join()
    assert not bad, bad[:3]
    # The reader ran while the tag changed: it saw several versions.
    assert len(set(seen)) >= 3, [v[:20] for v in set(seen)]
    final = tool(bed_env, url, "read", "tags/app/latest.json").stdout
    assert final in versions[1:]
    assert listing(bed_env, url, "tmp/") == {}


# ---- permissions ----

def perm_ls(bed_env, path) -> str:
    """Permissions and owner as Hadoop's own client reports them."""
    return fs_shell(bed_env, "-stat", "%a %u", path).stdout.decode().strip()


def test_world_readable_by_default_for_yarn_public(bed_env, base, tmp_path):
    user = hdfs_user(bed_env)
    # A parent the user owns but others cannot traverse, and one below it
    # that belongs to someone else: the first is opened (g+x, o+x), the
    # second left alone.
    put(bed_env, f"{base}/mine", "MKDIRS", permission="700")
    put(bed_env, f"{base}/mine/theirs", "MKDIRS", permission="750")
    put(bed_env, f"{base}/mine/theirs", "SETOWNER", owner="bed-other")
    blob = tmp_path / "b.tar.gz"
    sha = random_file(blob, 100_000)
    for store in ("mine/envs", "mine/theirs/envs"):
        url = f"{bed_env['BED_HDFS_URL']}{base}/{store}"
        tool(bed_env, url, "upload", blob, f"blobs/{sha}.tar.gz")
        tool(bed_env, url, "write", "tags/app/latest.json", "{}")
        st = status(bed_env, f"{base}/{store}/blobs/{sha}.tar.gz")
        assert (st["permission"], st["owner"]) == ("644", user)
        for folder in ("", "/blobs", "/tags", "/tags/app", "/tmp"):
            assert status(bed_env, f"{base}/{store}{folder}")["permission"] == "755", folder
    assert status(bed_env, f"{base}/mine")["permission"] == "711"
    assert status(bed_env, f"{base}/mine/theirs")["permission"] == "750"
    # The same through Hadoop's client.
    assert perm_ls(bed_env, f"{base}/mine/envs/blobs/{sha}.tar.gz") == f"644 {user}"
    assert perm_ls(bed_env, f"{base}/mine/envs/blobs") == f"755 {user}"
    assert perm_ls(bed_env, f"{base}/mine") == f"711 {user}"
    assert perm_ls(bed_env, f"{base}/mine/theirs") == "750 bed-other"
    # Any other user reads the blob, as YARN's NodeManager localizing a
    # PUBLIC resource does; below the folder that is not ours, nobody can.
    r = fs_shell(bed_env, "-cat", f"{base}/mine/envs/blobs/{sha}.tar.gz", user="yarn-nm")
    assert r.stdout == blob.read_bytes()
    r = fs_shell(bed_env, "-cat", f"{base}/mine/theirs/envs/blobs/{sha}.tar.gz", user="yarn-nm",
                 check=False)
    assert r.returncode != 0 and b"Permission denied" in r.stderr


def test_private_keeps_everything_to_the_owner(bed_env, base, tmp_path):
    url = f"{bed_env['BED_HDFS_URL']}{base}/envs"
    blob = tmp_path / "b.tar.gz"
    sha = random_file(blob, 50_000)
    tool(bed_env, url, "upload", blob, f"blobs/{sha}.tar.gz", "--private")
    tool(bed_env, url, "write", "envs/e.json", "{}", "--private")
    assert status(bed_env, f"{base}/envs/blobs/{sha}.tar.gz")["permission"] == "600"
    assert status(bed_env, f"{base}/envs/envs/e.json")["permission"] == "600"
    for folder in ("", "/blobs", "/envs", "/tmp"):
        assert status(bed_env, f"{base}/envs{folder}")["permission"] == "700", folder
    assert perm_ls(bed_env, f"{base}/envs/blobs/{sha}.tar.gz").startswith("600 ")
    r = fs_shell(bed_env, "-cat", f"{base}/envs/blobs/{sha}.tar.gz", user="yarn-nm", check=False)
    assert r.returncode != 0 and b"Permission denied" in r.stderr


# ---- errors ----

def test_quota_exceeded_is_its_own_error(bed_env, base, tmp_path):
    put(bed_env, f"{base}/quota", "MKDIRS", permission="755")
    dfs_admin(bed_env, "-setSpaceQuota", "1m", f"{base}/quota")
    url = f"{bed_env['BED_HDFS_URL']}{base}/quota"
    blob = tmp_path / "b.tar.gz"
    sha = random_file(blob, 2 * 1024 * 1024)
    r = tool(bed_env, url, "upload", blob, f"blobs/{sha}.tar.gz", check=False)
    assert r.returncode == 1
    assert re.fullmatch(
        re.escape(f"cannot write {url}/blobs/{sha}.tar.gz: HDFS quota exceeded: The DiskSpace "
                  f"quota of {base}/quota is exceeded: quota = 1048576 B = 1 MB but diskspace "
                  "consumed = ") + r"\d+ B = .*",
        error_of(r)), error_of(r)
    assert tool(bed_env, url, "stat", f"blobs/{sha}.tar.gz").stdout.decode().strip() == "absent"
    assert listing(bed_env, url, "tmp/") == {}
    dfs_admin(bed_env, "-clrSpaceQuota", f"{base}/quota")


def test_permission_denied_names_the_user(bed_env, base):
    put(bed_env, f"{base}/locked", "MKDIRS", permission="700")
    put(bed_env, f"{base}/locked", "SETOWNER", owner="bed-other")
    url = f"{bed_env['BED_HDFS_URL']}{base}/locked/envs"
    env = {"HADOOP_USER_NAME": "bed-alice"}
    r = tool(bed_env, url, "write", "envs/e.json", "{}", env=env, check=False)
    assert r.returncode == 1
    assert error_of(r) == (
        f"cannot write {url}/envs/e.json: permission denied for HDFS user 'bed-alice': "
        f"AccessControlException: Permission denied: user=bed-alice, access=EXECUTE, "
        f"inode=\"{base}/locked\":bed-other:supergroup:drwx------")
    r = tool(bed_env, url, "stat", "envs/e.json", env=env, check=False)
    assert r.returncode == 1
    assert error_of(r).startswith(f"cannot stat {url}/envs/e.json: permission denied for HDFS "
                                  "user 'bed-alice': ")


def test_missing_root_and_missing_key(bed_env, base):
    url = f"{bed_env['BED_HDFS_URL']}{base}/nothing"
    for args in (("read", "sparkenv-store.json"), ("stat", "blobs/x.tar.gz"), ("list", "blobs/")):
        r = tool(bed_env, url, *args, check=False)
        assert r.returncode == 1, args
        assert error_of(r) == f"no such folder on HDFS: {url}", args
    tool(bed_env, url, "write", "sparkenv-store.json", "{}")
    r = tool(bed_env, url, "read", "envs/none.json", check=False)
    assert (r.returncode, error_of(r)) == (1, f"no such object on HDFS: {url}/envs/none.json")
    # Bad input is exit 2 and names the rule.
    r = tool(bed_env, f"{bed_env['BED_HDFS_URL']}{base}/a/../b", "stat", "x", check=False)
    assert (r.returncode, error_of(r)) == (
        2, f"store URL '{bed_env['BED_HDFS_URL']}{base}/a/../b': the path may not contain '.' "
           "or '..' segments")


# ---- HA ----

def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def site(props: dict) -> str:
    body = "".join(f"  <property><name>{k}</name><value>{v}</value></property>\n"
                   for k, v in props.items())
    return f"<?xml version=\"1.0\"?>\n<configuration>\n{body}</configuration>\n"


def test_ha_nameservice_fails_over_to_the_live_namenode(bed_env, base, tmp_path):
    dead_rpc, dead_http = free_port(), free_port()
    nn_rpc = bed_env["BED_HDFS_URL"].removeprefix("hdfs://")
    nn_http = bed_env["BED_WEBHDFS_URL"].removeprefix("http://")
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "core-site.xml").write_text(site({"fs.defaultFS": "hdfs://bedha"}))
    (conf / "hdfs-site.xml").write_text(site({
        "dfs.nameservices": "bedha",
        "dfs.ha.namenodes.bedha": "nn1,nn2",
        "dfs.namenode.rpc-address.bedha.nn1": f"127.0.0.1:{dead_rpc}",
        "dfs.namenode.rpc-address.bedha.nn2": nn_rpc,
        "dfs.namenode.http-address.bedha.nn1": f"127.0.0.1:{dead_http}",
        "dfs.namenode.http-address.bedha.nn2": nn_http,
    }))
    env = {"HADOOP_CONF_DIR": str(conf)}
    for url, path in ((f"hdfs://bedha{base}/ha", f"{base}/ha"), (f"hdfs://{base}/ha2", f"{base}/ha2")):
        t0 = time.time()
        tool(bed_env, url, "write", "envs/e.json", '{"ha": true}', env=env)
        assert tool(bed_env, url, "read", "envs/e.json", env=env).stdout == b'{"ha": true}'
        assert time.time() - t0 < 30
        assert tool(bed_env, url, "hadoop-url", "envs/e.json", env=env).stdout.decode().strip() \
            == f"hdfs://bedha{path}/envs/e.json"
    assert fs_shell(bed_env, "-cat", f"{base}/ha/envs/e.json").stdout == b'{"ha": true}'
    assert fs_shell(bed_env, "-cat", f"{base}/ha2/envs/e.json").stdout == b'{"ha": true}'


# ---- delegation tokens ----

SENTINEL_ID = "sentinel-identifier-7c1f"
SENTINEL_PW = "sentinel-password-9d2e"


@pytest.fixture(scope="module")
def token_file(bed_env, tmp_path_factory):
    """A Credentials file written by Hadoop's own classes, with a sentinel
    HDFS delegation token for the bed's NameNode; and its URL-safe form."""
    path = tmp_path_factory.mktemp("tokens") / "creds"
    service = bed_env["BED_HDFS_URL"].removeprefix("hdfs://")
    r = hadoop_java(bed_env, str(ROOT / "tests" / "bed" / "hadoop" / "WriteTokenFile.java"),
                    str(path), "protobuf",
                    f"t=HDFS_DELEGATION_TOKEN@{service}:{SENTINEL_ID}:{SENTINEL_PW}")
    encoded = r.stdout.decode().strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", encoded), encoded
    return path, encoded


def test_delegation_token_is_used_and_never_printed(bed_env, base, token_file, tmp_path):
    path, encoded = token_file
    # The bed runs without Kerberos, so the NameNode ignores the token and
    # acts as its default web user (dr.who): files the backend writes with a
    # token, and no user.name, belong to dr.who. /tmp lets anyone write.
    store = f"/tmp/storetest-{uuid.uuid4().hex[:12]}"
    url = f"{bed_env['BED_HDFS_URL']}{store}"
    put(bed_env, f"{base}/locked", "MKDIRS", permission="700")
    secrets = [encoded, SENTINEL_PW, SENTINEL_ID]
    outputs = []
    try:
        for env in ({"HADOOP_TOKEN_FILE_LOCATION": str(path)}, {"HADOOP_TOKEN": encoded},
                    {"SPARKENV_HDFS_DELEGATION_TOKEN": encoded}):
            env["HADOOP_USER_NAME"] = hdfs_user(bed_env)  # must lose to the token
            key = f"envs/{list(env)[0].lower()}.json"
            r = tool(bed_env, url, "write", key, "{}", env=env)
            outputs.append(r)
            assert status(bed_env, f"{store}/{key}")["owner"] == "dr.who", env
            r = tool(bed_env, url, "read", "envs/missing.json", env=env, check=False)
            outputs.append(r)
            assert error_of(r) == f"no such object on HDFS: {url}/envs/missing.json"
            r = tool(bed_env, f"{bed_env['BED_HDFS_URL']}{base}/locked", "write", "x.json", "{}",
                     env=env, check=False)
            outputs.append(r)
            assert "permission denied for the delegation token's user: " in error_of(r)
            # A transport error shows the request URL: its token is redacted.
            r = tool(bed_env, f"webhdfs://127.0.0.1:{free_port()}/x", "stat", "k",
                     env={**env, "HADOOP_CONF_DIR": str(tmp_path)}, check=False)
            outputs.append(r)
            if "SPARKENV_HDFS_DELEGATION_TOKEN" in env:
                # Sent to any store, as the user asked...
                assert "&delegation=***:" in error_of(r), error_of(r)
            else:
                # ... while Hadoop's tokens go only to their service.
                assert f"&user.name={hdfs_user(bed_env)}:" in error_of(r), error_of(r)
        for r in outputs:
            text = r.stdout + r.stderr
            for s in secrets:
                assert s.encode() not in text, (s, text[-500:])
    finally:
        requests.delete(webhdfs(bed_env, store), params={"op": "DELETE", "recursive": "true",
                                                         "user.name": hdfs_user(bed_env)},
                        timeout=60)


# ---- faults ----

def control(bed_env, what, **params):
    url = bed_env.get("BED_HADOOP_CONTROL_URL")
    assert url, "the bed publishes no BED_HADOOP_CONTROL_URL: restart hadoop with the current " \
                "tests/bed/hadoop/BedCluster.java (tests/bed/bed down hadoop && tests/bed/bed up hadoop)"
    return requests.post(f"{url}/datanode/{what}", params=params, timeout=120)


def test_datanode_restarted_during_an_upload(bed_env, base, tmp_path):
    url = f"{bed_env['BED_HDFS_URL']}{base}/envs"
    blob = tmp_path / "big.tar.gz"
    size = 192 * 1024 * 1024
    sha = random_file(blob, size)
    key = f"blobs/{sha}.tar.gz"
    e = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV}
    e["HADOOP_CONF_DIR"] = bed_env["HADOOP_CONF_DIR"]
    # Create the folders first, so the upload starts at once.
    tool(bed_env, url, "write", "sparkenv-store.json", "{}")
    proc = subprocess.Popen([str(TOOL), url, "upload", str(blob), key, "--sha256", sha,
                             "--progress"], env=e, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    restarted_at = None
    try:
        sent = 0
        for line in proc.stderr:
            m = re.match(rb"progress (\d+)", line)
            if m:
                sent = int(m.group(1))
            if sent > size // 10:
                break
        assert proc.poll() is None, "the upload ended before the DataNode could be restarted"
        r = control(bed_env, "restart", down_ms=1500)
        assert (r.status_code, r.text.strip()) == (200, "restarted"), r.text
        restarted_at = sent
        rest = proc.stderr.read()
        rc = proc.wait(timeout=600)
    finally:
        if restarted_at is None:
            proc.kill()
        control(bed_env, "start")  # 409 when it runs: fine
    assert restarted_at < size
    err = rest.decode(errors="replace")
    print(f"DataNode restarted after {restarted_at} of {size} bytes; exit {rc}; "
          + err.strip().splitlines()[-1])
    if rc == 0:
        # Retried (the body went again, at least in part: the restart did
        # hit the upload), and the object is whole with the file's bytes.
        m = re.search(r"requests=\d+ sent=(\d+)", err)
        assert m and int(m.group(1)) > size, err
        st = status(bed_env, f"{base}/envs/{key}")
        assert st["length"] == size
        assert open_sha256(bed_env, f"{base}/envs/{key}") == sha
    else:
        # Or a clear error, and nothing under the key.
        assert "cannot write" in err and url in err, err
        assert status(bed_env, f"{base}/envs/{key}") is None
    assert listing(bed_env, url, "tmp/") == {}
    # HDFS is healthy again for everyone.
    assert subprocess.run([str(ROOT / "tests" / "bed" / "bed"), "status", "hadoop"],
                          capture_output=True).returncode == 0
