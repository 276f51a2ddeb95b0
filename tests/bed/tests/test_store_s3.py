"""The s3:// store backend (src/store/s3_backend.cc) against the bed's real S3
server (s3proxy), through the dev tool build/s3_store; every object is
cross-checked with boto3 (same keys, same bytes).

Covers every Backend method, multipart uploads (small thresholds), parallel
and concurrent uploads, atomic overwrite, sha256 verification by the server,
the credential chain from ~/.aws files, distinct errors (wrong secret with a
sentinel that must appear nowhere, unknown key, missing bucket, missing key,
no credentials) and, last, s3proxy restarted during a multipart upload.

Needs `tests/bed/bed up s3` and `scripts/build` (for build/s3_store). The
fault tests stop and restart the s3 service (and only it) and leave it
healthy.
"""
import hashlib
import os
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

ROOT = Path(__file__).resolve().parents[3]
TOOL = ROOT / "build" / "s3_store"
BED = ROOT / "tests" / "bed" / "bed"
BED_HOME = Path(os.environ.get("SPARKENV_BED_HOME")
                or Path(os.environ.get("SPARKENV_DEV_CACHE",
                                       Path.home() / ".cache" / "sparkenv-dev")) / "bed")
MiB = 1024 * 1024
# Small enough to make a 12 MiB object three parts; 5 MiB is S3's minimum
# part size.
MULTIPART = ["--multipart-threshold", str(5 * MiB), "--part-size", str(5 * MiB)]
SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def s3(bed_env):
    keys = ["BED_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "BED_S3_BUCKET"]
    missing = [k for k in keys if k not in bed_env]
    assert not missing, f"the bed does not publish {missing}: is s3 up? (tests/bed/bed up s3)"
    if not TOOL.exists():
        pytest.fail(f"{TOOL} not found: run scripts/build first")
    return bed_env


def boto(bed_env):
    return boto3.client(
        "s3", endpoint_url=bed_env["BED_S3_ENDPOINT"],
        aws_access_key_id=bed_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=bed_env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 3}))


def tool_env(bed_env, home, **overrides):
    """The environment of one s3_store run: nothing from this machine's AWS
    setup, the bed's endpoint and keys, HOME in a temporary folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(home), AWS_ENDPOINT_URL=bed_env["BED_S3_ENDPOINT"],
               AWS_ACCESS_KEY_ID=bed_env["AWS_ACCESS_KEY_ID"],
               AWS_SECRET_ACCESS_KEY=bed_env["AWS_SECRET_ACCESS_KEY"])
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run(env, *args, stdin=b"", timeout=300):
    return subprocess.run([str(TOOL), *map(str, args)], input=stdin, env=env,
                          capture_output=True, timeout=timeout)


def error_line(proc) -> str:
    """The tool's error message (the line before the counters)."""
    lines = proc.stderr.decode().splitlines()
    errors = [l for l in lines if l.startswith("s3_store: error: ")]
    assert len(errors) == 1, proc.stderr.decode()
    return errors[0][len("s3_store: error: "):]


def counters(proc) -> dict:
    last = proc.stderr.decode().splitlines()[-1]
    return {k: int(v) for k, v in (p.split("=") for p in last.split())}


@pytest.fixture
def store(s3, tmp_path):
    """A fresh prefix in the bed's bucket: (store URL, prefix, tool env).
    Its objects and incomplete multipart uploads are removed afterwards."""
    prefix = f"storetest-{uuid.uuid4().hex[:12]}"
    url = f"s3://{s3['BED_S3_BUCKET']}/{prefix}"
    home = tmp_path / "home"
    home.mkdir()
    yield url, prefix, tool_env(s3, home)
    client = boto(s3)
    bucket = s3["BED_S3_BUCKET"]
    for obj in client.list_objects_v2(Bucket=bucket, Prefix=prefix + "/").get("Contents", []):
        client.delete_object(Bucket=bucket, Key=obj["Key"])
    uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix + "/")
    for u in uploads.get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])


def get(s3, key):
    return boto(s3).get_object(Bucket=s3["BED_S3_BUCKET"], Key=key)["Body"].read()


def head(s3, key):
    try:
        return boto(s3).head_object(Bucket=s3["BED_S3_BUCKET"], Key=key)
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return None
        raise


# ---- every method ----

def test_every_method_round_trips_and_agrees_with_boto3(s3, store, tmp_path):
    url, prefix, env = store
    data = b'{"env_id": "' + b"a" * 64 + b'"}\n'

    p = run(env, url, "write", "tags/app/latest.json", stdin=data)
    assert p.returncode == 0, p.stderr
    assert counters(p) == {"requests": 1, "sent": len(data), "received": 0}
    assert get(s3, f"{prefix}/tags/app/latest.json") == data

    p = run(env, url, "read", "tags/app/latest.json")
    assert p.returncode == 0 and p.stdout == data

    p = run(env, url, "stat", "tags/app/latest.json")
    assert p.returncode == 0, p.stderr
    size, mtime_ms = map(int, p.stdout.split())
    assert size == len(data)
    assert abs(mtime_ms / 1000 - time.time()) < 300

    # An object boto3 wrote reads back the same through the backend.
    other = os.urandom(70_000)
    boto(s3).put_object(Bucket=s3["BED_S3_BUCKET"], Key=f"{prefix}/blobs/b.tar.gz", Body=other)
    out = tmp_path / "b.out"
    p = run(env, url, "download", "blobs/b.tar.gz", out)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == other
    assert counters(p)["received"] == len(other)

    p = run(env, url, "list")
    assert p.returncode == 0, p.stderr
    listed = [line.split("\t")[:2] for line in p.stdout.decode().splitlines()]
    assert listed == [["blobs/b.tar.gz", str(len(other))],
                      ["tags/app/latest.json", str(len(data))]]
    p = run(env, url, "list", "tags/")
    assert [l.split("\t")[0] for l in p.stdout.decode().splitlines()] == ["tags/app/latest.json"]
    p = run(env, url, "list", "nothing/")
    assert p.returncode == 0 and p.stdout == b""

    assert run(env, url, "hadoop-url", "blobs/b.tar.gz").stdout.decode() == \
        f"s3a://{s3['BED_S3_BUCKET']}/{prefix}/blobs/b.tar.gz\n"
    assert run(env, url, "display-url").stdout.decode() == url + "\n"

    for key in ["blobs/b.tar.gz", "tags/app/latest.json", "tags/app/latest.json"]:
        p = run(env, url, "remove", key)  # the second removal of a key is OK too
        assert p.returncode == 0, p.stderr
    assert "Contents" not in boto(s3).list_objects_v2(Bucket=s3["BED_S3_BUCKET"],
                                                       Prefix=prefix + "/")
    p = run(env, url, "stat", "tags/app/latest.json")
    assert p.returncode == 0 and p.stdout == b"absent\n"


def test_missing_key(s3, store, tmp_path):
    url, prefix, env = store
    for args in (["read", "envs/nope.json"], ["download", "envs/nope.json", tmp_path / "x"]):
        p = run(env, url, *args)
        assert p.returncode == 1
        assert error_line(p) == f"{url}/envs/nope.json: no such object"
    assert not (tmp_path / "x").exists()


def test_list_pages_through_continuation_tokens(s3, store):
    url, prefix, env = store
    client = boto(s3)
    keys = sorted(f"blobs/{i:02d}.tar.gz" for i in range(7))
    for k in keys:
        client.put_object(Bucket=s3["BED_S3_BUCKET"], Key=f"{prefix}/{k}", Body=k.encode())
    p = run(env, "--list-page-size", 3, url, "list", "blobs/")
    assert p.returncode == 0, p.stderr
    assert [l.split("\t")[0] for l in p.stdout.decode().splitlines()] == keys
    assert counters(p)["requests"] == 3  # 3 + 3 + 1


# ---- uploads ----

def test_single_and_multipart_uploads_match_boto3(s3, store, tmp_path):
    url, prefix, env = store
    small = os.urandom(3 * MiB)
    big = os.urandom(12 * MiB + 12345)
    (tmp_path / "small").write_bytes(small)
    (tmp_path / "big").write_bytes(big)

    p = run(env, *MULTIPART, url, "upload", tmp_path / "small", "blobs/small.tar.gz",
            "--sha256", sha256(small))
    assert p.returncode == 0, p.stderr
    assert counters(p)["requests"] == 1

    p = run(env, *MULTIPART, url, "upload", tmp_path / "big", "blobs/big.tar.gz",
            "--sha256", sha256(big))
    assert p.returncode == 0, p.stderr
    # initiate + 3 parts + complete, and the object's bytes sent once.
    assert counters(p) == {"requests": 5, "sent": len(big), "received": counters(p)["received"]}

    assert sha256(get(s3, f"{prefix}/blobs/small.tar.gz")) == sha256(small)
    assert sha256(get(s3, f"{prefix}/blobs/big.tar.gz")) == sha256(big)
    h = head(s3, f"{prefix}/blobs/big.tar.gz")
    assert h["ContentLength"] == len(big)
    assert h["ETag"].strip('"').endswith("-3"), h["ETag"]
    # No multipart upload is left behind.
    uploads = boto(s3).list_multipart_uploads(Bucket=s3["BED_S3_BUCKET"], Prefix=prefix + "/")
    assert not uploads.get("Uploads")


def test_the_server_refuses_bytes_that_do_not_match_their_sha256(s3, store, tmp_path):
    url, prefix, env = store
    wrong = "0" * 64
    for size, key in [(100_000, "blobs/s.tar.gz"), (11 * MiB, "blobs/m.tar.gz")]:
        data = os.urandom(size)
        (tmp_path / "f").write_bytes(data)
        p = run(env, *MULTIPART, url, "upload", tmp_path / "f", key, "--sha256", wrong)
        assert p.returncode == 1
        if size < 5 * MiB:  # one PUT: the server compared the bytes with the signed hash
            assert error_line(p) == (
                f"{url}/{key}: the bytes of '{tmp_path / 'f'}' do not have sha256 {wrong}: the "
                "server refused them (XAmzContentSHA256Mismatch); nothing was written")
        else:  # multipart: the whole file's hash, before completing
            assert error_line(p) == (
                f"{url}/{key}: the bytes of '{tmp_path / 'f'}' do not have sha256 {wrong} "
                f"(they hash to {sha256(data)}); the multipart upload was aborted, nothing was "
                "written")
        assert head(s3, f"{prefix}/{key}") is None
    uploads = boto(s3).list_multipart_uploads(Bucket=s3["BED_S3_BUCKET"], Prefix=prefix + "/")
    assert not uploads.get("Uploads")


def test_parallel_uploads_from_threads(s3, store, tmp_path):
    url, prefix, env = store
    files = {}
    args = []
    for i, size in enumerate([11 * MiB, 6 * MiB + 1, 1000, 0, 13 * MiB]):
        data = os.urandom(size)
        path = tmp_path / f"f{i}"
        path.write_bytes(data)
        files[f"blobs/p{i}.tar.gz"] = data
        args += [path, f"blobs/p{i}.tar.gz"]
    p = run(env, *MULTIPART, "--max-parts-in-flight", 3, url, "upload-parallel", *args)
    assert p.returncode == 0, p.stderr
    for key, data in files.items():
        assert sha256(get(s3, f"{prefix}/{key}")) == sha256(data), key


def test_overwrite_is_atomic(s3, store, tmp_path):
    """Readers see the old object or the new one, whole, while a multipart
    upload replaces it; two uploads racing on one key leave one of the two."""
    url, prefix, env = store
    key = f"{prefix}/tags/app/latest.json"
    old = b"old version\n"
    assert run(env, url, "write", "tags/app/latest.json", stdin=old).returncode == 0
    new = os.urandom(40 * MiB)
    (tmp_path / "new").write_bytes(new)
    proc = subprocess.Popen([str(TOOL), *MULTIPART, "--max-parts-in-flight", "1", url, "upload",
                             str(tmp_path / "new"), "tags/app/latest.json"], env=env,
                            stderr=subprocess.PIPE)
    seen = []
    while proc.poll() is None:
        seen.append(sha256(get(s3, key)))
    assert proc.wait() == 0, proc.stderr.read()
    seen.append(sha256(get(s3, key)))
    assert set(seen) <= {sha256(old), sha256(new)}
    assert seen[0] == sha256(old) and seen[-1] == sha256(new)

    a, b = os.urandom(11 * MiB), os.urandom(11 * MiB)
    (tmp_path / "a").write_bytes(a)
    (tmp_path / "b").write_bytes(b)
    racers = [subprocess.Popen([str(TOOL), *MULTIPART, url, "upload", str(tmp_path / n),
                                "blobs/race.tar.gz"], env=env, stderr=subprocess.PIPE)
              for n in ("a", "b")]
    for r in racers:
        assert r.wait() == 0, r.stderr.read()
    assert sha256(get(s3, f"{prefix}/blobs/race.tar.gz")) in {sha256(a), sha256(b)}


# ---- configuration and errors ----

def test_credentials_from_a_profile_in_aws_files(s3, store, tmp_path):
    url, prefix, _ = store
    home = tmp_path / "profile-home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "credentials").write_text(
        f"[bed]\naws_access_key_id = {s3['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {s3['AWS_SECRET_ACCESS_KEY']}\n")
    (home / ".aws" / "config").write_text("[profile bed]\nregion = us-east-1\n")
    env = tool_env(s3, home, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                   AWS_ENDPOINT_URL=None, AWS_PROFILE="bed")
    p = run(env, "--endpoint", s3["BED_S3_ENDPOINT"], url, "write", "x.json", stdin=b"{}")
    assert p.returncode == 0, p.stderr
    assert get(s3, f"{prefix}/x.json") == b"{}"


def test_no_credentials_is_bad_input(s3, store, tmp_path):
    url, prefix, _ = store
    home = tmp_path / "empty-home"
    home.mkdir()
    env = tool_env(s3, home, AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    p = run(env, url, "stat", "x")
    assert p.returncode == 2
    assert error_line(p) == (
        f"no AWS credentials for {url}: looked in the environment (AWS_ACCESS_KEY_ID, "
        f"AWS_SECRET_ACCESS_KEY), profile 'default' in '{home}/.aws/credentials' and in "
        f"'{home}/.aws/config'; instance metadata, container, SSO and assume-role credentials "
        "are not supported")


def test_wrong_secret_gives_bad_credentials_and_the_secret_appears_nowhere(s3, store, tmp_path):
    url, prefix, _ = store
    sentinel = f"SENTINEL-{uuid.uuid4().hex}"
    env = tool_env(s3, tmp_path, AWS_SECRET_ACCESS_KEY=sentinel)
    big = tmp_path / "big"
    big.write_bytes(os.urandom(11 * MiB))
    small = tmp_path / "small"
    small.write_bytes(b"x" * 1000)
    keys = ("the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    commands = {
        "cannot stat": ["stat", "k"],
        "cannot read": ["read", "k"],
        "cannot download": ["download", "k", tmp_path / "out"],
        "cannot list": ["list", "blobs/"],
        "cannot write": ["upload", small, "k"],
        "cannot start a multipart upload": ["upload", big, "k"],
        "cannot remove": ["remove", "k"],
    }
    for what, args in commands.items():
        p = run(env, *MULTIPART, url, *args, stdin=b"{}")
        out = p.stdout + p.stderr
        assert sentinel.encode() not in out, args
        assert p.returncode == 1, (args, p.stderr)
        shown = f"{url}/blobs/" if args[0] == "list" else f"{url}/k"
        assert error_line(p) == (
            f"{shown}: {what}: bad credentials: {s3['BED_S3_ENDPOINT']} refused the keys from "
            f"{keys} (SignatureDoesNotMatch: {SIGNATURE_MESSAGE})"), args
    assert head(s3, f"{prefix}/k") is None
    # The secret never left the process: not in the server's log either.
    log = BED_HOME / "logs" / "s3.log"
    assert log.exists()
    assert sentinel not in log.read_text(errors="replace")


def test_unknown_access_key_gives_bad_credentials(s3, store, tmp_path):
    url, prefix, _ = store
    env = tool_env(s3, tmp_path, AWS_ACCESS_KEY_ID="AKIANOSUCHKEY0000000")
    p = run(env, url, "read", "k")
    assert p.returncode == 1
    assert error_line(p) == (
        f"{url}/k: cannot read: bad credentials: {s3['BED_S3_ENDPOINT']} refused the keys from "
        "the environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(InvalidAccessKeyId: Forbidden)")


def test_missing_bucket(s3, tmp_path):
    bucket = f"sparkenv-nosuch-{uuid.uuid4().hex[:10]}"
    url = f"s3://{bucket}/p"
    env = tool_env(s3, tmp_path)
    (tmp_path / "f").write_bytes(b"x")
    for args in (["stat", "k"], ["read", "k"], ["list"], ["write", "k"], ["upload", tmp_path / "f",
                 "k"], ["remove", "k"], ["download", "k", tmp_path / "out"]):
        p = run(env, url, *args, stdin=b"{}")
        assert p.returncode == 1, args
        assert error_line(p) == (f"s3://{bucket}: the bucket '{bucket}' does not exist at "
                                 f"{s3['BED_S3_ENDPOINT']} (endpoint from AWS_ENDPOINT_URL)"), args
    # Nothing created it.
    with pytest.raises(ClientError):
        boto(s3).head_bucket(Bucket=bucket)


# ---- faults: the S3 server restarted during an upload ----

def bed(*args):
    subprocess.run([str(BED), *args], check=True, timeout=180, capture_output=True)


@pytest.fixture
def restartable_s3(s3):
    """Yields; afterwards the s3 service is up and healthy again, whatever
    happened."""
    yield
    bed("up", "s3")
    status = subprocess.run([str(BED), "status"], capture_output=True, text=True, timeout=60)
    assert "s3: healthy" in status.stdout, status.stdout


def wait_for_first_part(s3, prefix, timeout=60):
    """Waits until a multipart upload under `prefix` holds a part."""
    client = boto(s3)
    bucket = s3["BED_S3_BUCKET"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        for u in client.list_multipart_uploads(Bucket=bucket, Prefix=prefix + "/").get(
                "Uploads", []):
            if client.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get(
                    "Parts"):
                return
        time.sleep(0.02)
    raise AssertionError("no part of the upload appeared")


PARTS = 40  # 200 MiB in 5 MiB parts, one at a time: long enough to be cut


def start_big_upload(env, url, path, key, *retry):
    return subprocess.Popen([str(TOOL), *MULTIPART, "--max-parts-in-flight", "1",
                             *map(str, retry), url,
                             "upload", str(path), key, "--sha256", sha256(path.read_bytes())],
                            env=env, stderr=subprocess.PIPE)


def test_restart_during_upload_is_retried(s3, store, tmp_path, restartable_s3):
    url, prefix, env = store
    data = os.urandom(PARTS * 5 * MiB)
    path = tmp_path / "blob"
    path.write_bytes(data)
    # Retries spread over 34-67 s: far longer than a restart of s3proxy
    # (3-10 s, more on a loaded machine).
    proc = start_big_upload(env, url, path, "blobs/fault-a.tar.gz", "--max-attempts", 20,
                            "--initial-backoff-ms", 500, "--max-backoff-ms", 4000)
    try:
        wait_for_first_part(s3, prefix)
        bed("down", "s3")
        bed("up", "s3")
        rc = proc.wait(timeout=300)
    finally:
        proc.kill()
    stderr = proc.stderr.read().decode()
    print(stderr)
    assert rc == 0, stderr
    c = {k: int(v) for k, v in (p.split("=") for p in stderr.splitlines()[-1].split())}
    # More HTTP requests than initiate + parts + complete: some were retried,
    # so the restart did cut into the upload.
    assert c["requests"] > PARTS + 2, (c, "the restart did not overlap the upload")
    got = get(s3, f"{prefix}/blobs/fault-a.tar.gz")
    assert len(got) == len(data) and sha256(got) == sha256(data)


def test_restart_beyond_the_retries_is_a_clear_error_and_no_corrupt_object(
        s3, store, tmp_path, restartable_s3):
    url, prefix, env = store
    data = os.urandom(PARTS * 5 * MiB)
    path = tmp_path / "blob"
    path.write_bytes(data)
    proc = start_big_upload(env, url, path, "blobs/fault-b.tar.gz", "--max-attempts", 2,
                            "--initial-backoff-ms", 100, "--max-backoff-ms", 200)
    try:
        wait_for_first_part(s3, prefix)
        bed("down", "s3")
        rc = proc.wait(timeout=300)
    finally:
        proc.kill()
        bed("up", "s3")
    stderr = proc.stderr.read().decode()
    print(stderr)
    errors = [l for l in stderr.splitlines() if l.startswith("s3_store: error: ")]
    if rc == 0:
        pytest.fail("the upload finished before s3proxy stopped: " + stderr)
    assert rc == 1 and len(errors) == 1, stderr
    assert re.fullmatch(
        rf"s3_store: error: {re.escape(url)}/blobs/fault-b\.tar\.gz: cannot "
        rf"(write part \d+ of {PARTS}|complete the multipart upload): (PUT|POST) "
        rf"http://127\.0\.0\.1:\d+/\S+: .+ \(after 2 attempts\); (the multipart upload was "
        rf"aborted, nothing was written|nothing was written, but aborting the multipart upload "
        rf"failed too \(its parts stay until a bucket lifecycle rule removes incomplete "
        rf"uploads\))", errors[0]), errors[0]
    # Never an object whose bytes do not match: none at all, or (if the
    # server completed it just before going down) the right bytes.
    h = head(s3, f"{prefix}/blobs/fault-b.tar.gz")
    if h is not None:
        assert sha256(get(s3, f"{prefix}/blobs/fault-b.tar.gz")) == sha256(data)
