"""The bed's S3 server (s3proxy): objects put with boto3 (SigV4, path-style)
list and read back; requests signed with a wrong secret or an unknown access
key, and unsigned requests, are refused."""
import io
import os
import uuid

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError


def _need(bed_env):
    keys = ["BED_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
            "BED_S3_BUCKET"]
    missing = [k for k in keys if k not in bed_env]
    assert not missing, f"the bed does not publish {missing}: is s3 up? (tests/bed/bed up s3)"


def s3_client(bed_env, *, access_key=None, secret_key=None):
    _need(bed_env)
    return boto3.client(
        "s3",
        endpoint_url=bed_env["BED_S3_ENDPOINT"],
        aws_access_key_id=access_key or bed_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=secret_key or bed_env["AWS_SECRET_ACCESS_KEY"],
        region_name=bed_env["AWS_DEFAULT_REGION"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 1}))


@pytest.fixture
def prefix(bed_env):
    """A fresh key prefix in the bed's bucket; its objects are deleted afterwards."""
    p = f"bedtest-{uuid.uuid4().hex[:12]}/"
    yield p
    s3 = s3_client(bed_env)
    bucket = bed_env["BED_S3_BUCKET"]
    for obj in s3.list_objects_v2(Bucket=bucket, Prefix=p).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=obj["Key"])


def test_put_list_get(bed_env, prefix):
    s3 = s3_client(bed_env)
    bucket = bed_env["BED_S3_BUCKET"]
    data = bytes(range(256)) + os.urandom(100_000)
    key = prefix + "dir/object.bin"

    put = s3.put_object(Bucket=bucket, Key=key, Body=data)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200

    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    assert [(o["Key"], o["Size"]) for o in listed["Contents"]] == [(key, len(data))]
    # Delimiter listing: the "folder" appears as a common prefix.
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, Delimiter="/")
    assert [p["Prefix"] for p in listed.get("CommonPrefixes", [])] == [prefix + "dir/"]

    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["ContentLength"] == len(data)
    assert got["Body"].read() == data

    ranged = s3.get_object(Bucket=bucket, Key=key, Range="bytes=10-19")
    assert ranged["Body"].read() == data[10:20]


def test_multipart_upload_reads_back(bed_env, prefix):
    s3 = s3_client(bed_env)
    bucket = bed_env["BED_S3_BUCKET"]
    data = os.urandom(11 * 1024 * 1024)
    key = prefix + "multipart.bin"
    # boto3's transfer manager switches to multipart above 8 MiB.
    s3.upload_fileobj(io.BytesIO(data), bucket, key)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2"), head["ETag"]  # 2 parts
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data


def test_wrong_secret_is_refused(bed_env, prefix):
    bad = s3_client(bed_env, secret_key=bed_env["AWS_SECRET_ACCESS_KEY"] + "-wrong")
    with pytest.raises(ClientError) as e:
        bad.put_object(Bucket=bed_env["BED_S3_BUCKET"], Key=prefix + "x", Body=b"x")
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Code"] == "SignatureDoesNotMatch"
    # Nothing was written.
    good = s3_client(bed_env)
    assert "Contents" not in good.list_objects_v2(Bucket=bed_env["BED_S3_BUCKET"], Prefix=prefix)


def test_unknown_access_key_is_refused(bed_env):
    bad = s3_client(bed_env, access_key="AKIANOSUCHKEY0000000")
    with pytest.raises(ClientError) as e:
        bad.list_objects_v2(Bucket=bed_env["BED_S3_BUCKET"])
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert err["Error"]["Code"] == "InvalidAccessKeyId"


def test_unsigned_request_is_refused(bed_env):
    _need(bed_env)
    r = requests.get(f"{bed_env['BED_S3_ENDPOINT']}/{bed_env['BED_S3_BUCKET']}", timeout=10)
    assert r.status_code == 403, (r.status_code, r.text)
    assert "<Code>AccessDenied</Code>" in r.text
