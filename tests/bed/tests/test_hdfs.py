"""The bed's HDFS: bytes written through WebHDFS (plain HTTP, the two-step
CREATE) read back byte-identical through Hadoop's own client, and the reverse;
permissions are enforced."""
import os
import uuid

import pytest
import requests

from bed_hadoop import fs_shell, hdfs_user, webhdfs


def _payload(size: int) -> bytes:
    # Every byte value, then random bytes: catches text-mode and encoding slips.
    return bytes(range(256)) + os.urandom(size - 256)


@pytest.fixture
def hdfs_dir(bed_env):
    """A fresh folder under the bed user's home, removed afterwards."""
    user = hdfs_user(bed_env)
    path = f"/user/{user}/bedtest-{uuid.uuid4().hex[:12]}"
    r = requests.put(webhdfs(bed_env, path), params={"op": "MKDIRS", "user.name": user}, timeout=30)
    assert r.status_code == 200 and r.json() == {"boolean": True}, r.text
    yield path
    requests.delete(webhdfs(bed_env, path),
                    params={"op": "DELETE", "recursive": "true", "user.name": user}, timeout=30)


def test_webhdfs_write_reads_back_with_hadoop_client(bed_env, hdfs_dir):
    user = hdfs_user(bed_env)
    data = _payload(3 * 1024 * 1024 + 17)
    path = f"{hdfs_dir}/from-webhdfs.bin"

    # Step 1: the NameNode answers 307 with the DataNode to send the bytes to.
    r = requests.put(webhdfs(bed_env, path),
                     params={"op": "CREATE", "user.name": user, "overwrite": "false"},
                     allow_redirects=False, timeout=30)
    assert r.status_code == 307, (r.status_code, r.text)
    location = r.headers["Location"]
    assert location.startswith("http://127.0.0.1:"), location
    assert "op=CREATE" in location
    # Step 2: the body goes to the DataNode.
    r = requests.put(location, data=data, headers={"Content-Type": "application/octet-stream"},
                     timeout=60)
    assert r.status_code == 201, (r.status_code, r.text)

    got = fs_shell(bed_env, "-cat", path).stdout
    assert len(got) == len(data)
    assert got == data

    # The NameNode's view agrees: size, owner, a file.
    status = requests.get(webhdfs(bed_env, path),
                          params={"op": "GETFILESTATUS", "user.name": user}, timeout=30).json()
    fst = status["FileStatus"]
    assert (fst["type"], fst["length"], fst["owner"]) == ("FILE", len(data), user)


def test_hadoop_client_write_reads_back_with_webhdfs(bed_env, hdfs_dir, tmp_path):
    user = hdfs_user(bed_env)
    data = _payload(2 * 1024 * 1024 + 5)
    local = tmp_path / "local.bin"
    local.write_bytes(data)
    path = f"{hdfs_dir}/from-fsshell.bin"

    fs_shell(bed_env, "-put", local, path)

    # OPEN redirects to a DataNode too; requests follows the 307.
    r = requests.get(webhdfs(bed_env, path), params={"op": "OPEN", "user.name": user}, timeout=60)
    assert r.status_code == 200, (r.status_code, r.text[:500])
    assert r.history and r.history[0].status_code == 307
    assert r.content == data

    listing = requests.get(webhdfs(bed_env, hdfs_dir),
                           params={"op": "LISTSTATUS", "user.name": user}, timeout=30).json()
    names = [s["pathSuffix"] for s in listing["FileStatuses"]["FileStatus"]]
    assert names == ["from-fsshell.bin"]


def test_permissions_are_enforced(bed_env, hdfs_dir):
    # Another user may not create anything in the bed user's home folder...
    r = requests.put(webhdfs(bed_env, f"{hdfs_dir}/intruder"),
                     params={"op": "MKDIRS", "user.name": "bed-intruder"}, timeout=30)
    assert r.status_code == 403, (r.status_code, r.text)
    assert r.json()["RemoteException"]["exception"] == "AccessControlException"
    # ... and the Hadoop client is refused the same way.
    r = fs_shell(bed_env, "-mkdir", f"{hdfs_dir}/intruder", user="bed-intruder", check=False)
    assert r.returncode != 0
    assert b"Permission denied: user=bed-intruder" in r.stderr, r.stderr[-2000:]
    # /tmp is world-writable with the sticky bit, as on a real cluster.
    r = requests.get(webhdfs(bed_env, "/tmp"),
                     params={"op": "GETFILESTATUS", "user.name": "bed-intruder"}, timeout=30)
    assert r.json()["FileStatus"]["permission"] == "1777"
