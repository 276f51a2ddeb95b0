"""Shared pieces of the activation tests (test_activation_*.py).

- `make_wheel`: the user's own package (tests/bed/activation/bedapp) as a
  pure-Python wheel, written by hand (no build backend needed).
- `lock_and_build`: `sparkenv lock` (bed mirror + that wheel through
  --find-links) and `sparkenv build`, for a target.
- `other_python`: a "system Python" for the workers that has OTHER versions
  of numpy and pandas (numpy<2, pandas<2.2 from the mirror's 2023 set) and no
  bedapp, kept under $SPARKENV_DEV_CACHE: the environment must win over it.
- `check_report`: every task (and the driver) imported numpy, pandas and
  bedapp from the environment's layers, at the locked versions.
"""
import base64
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tomllib
import uuid
import zipfile
from pathlib import Path

from bed_spark import FRUGAL_CONF

ROOT = Path(__file__).resolve().parents[3]
SPARKENV = Path(os.environ.get("SPARKENV_BIN", ROOT / "build" / "sparkenv"))
ACTIVATION = ROOT / "tests" / "bed" / "activation"
ENVREPORT = ACTIVATION / "envreport.py"
LIVE_SESSION = ACTIVATION / "live_session.py"
BEDAPP_VERSION = "0.3.0"
DEV_CACHE = Path(os.environ.get("SPARKENV_DEV_CACHE", Path.home() / ".cache" / "sparkenv-dev"))
TARGET_311 = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]


def sparkenv(*args, env=None, timeout=600, check=True):
    p = subprocess.run([str(SPARKENV), *map(str, args)], capture_output=True, text=True,
                       env=env, timeout=timeout)
    if check:
        assert p.returncode == 0, (f"sparkenv {' '.join(map(str, args))} exited {p.returncode}\n"
                                   f"--- stdout\n{p.stdout[-3000:]}\n--- stderr\n{p.stderr[-8000:]}")
    return p


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(out_dir: Path) -> Path:
    """bedapp-0.3.0-py3-none-any.whl from tests/bed/activation/bedapp."""
    src = ACTIVATION / "bedapp" / "bedapp"
    files = {f"bedapp/{p.name}": p.read_bytes() for p in sorted(src.glob("*.py"))}
    info = f"bedapp-{BEDAPP_VERSION}.dist-info"
    files[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: bedapp\nVersion: {BEDAPP_VERSION}\n"
                                 "Requires-Dist: numpy\nRequires-Dist: pandas\n").encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: sparkenv-bed-tests\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"bedapp-{BEDAPP_VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return wheel


def lock_and_build(bed_env, work: Path, requirements, target=TARGET_311):
    """Locks `requirements` (+ bedapp) for `target` and builds; returns
    (environment folder, {package: version}, manifest). The download and
    layer caches are shared by every activation test (and kept), so only the
    first build of a run installs anything."""
    wheels = work / "wheels"
    make_wheel(wheels)
    lock = work / "pylock.toml"
    cache = DEV_CACHE / "bed-activation" / "sparkenv-cache"
    sparkenv("lock", *requirements, "--index-url", bed_env["BED_PYPI_URL"], "--find-links", wheels,
             *target, "--cache-dir", cache, "-o", lock)
    env = work / "env"
    sparkenv("build", lock, "-o", env, "--cache-dir", cache)
    versions = {p["name"]: p["version"] for p in tomllib.loads(lock.read_text())["packages"]}
    manifest = json.loads((env / "manifest.json").read_text())
    return env, versions, manifest


def other_python(bed_env) -> Path:
    """A Python 3.11 venv (the bed's interpreter) with numpy<2 and pandas<2.2 --
    not the environment's versions -- and nothing else, made once under
    $SPARKENV_DEV_CACHE (a lock file keeps concurrent test runs apart)."""
    venv = DEV_CACHE / "bed-activation" / "other-python-v1"
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "other-python.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / "complete").is_file():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        uv = shutil.which("uv") or str(DEV_CACHE / "venv-dev" / "bin" / "uv")
        base = os.path.realpath(bed_env["BED_SPARK4_PYTHON"])
        env = {**os.environ, "UV_CACHE_DIR": str(DEV_CACHE / "uv")}
        env.pop("VIRTUAL_ENV", None)
        subprocess.run([uv, "venv", "-q", "--python", base, str(venv)], check=True, env=env)
        subprocess.run([uv, "pip", "install", "-q", "--python", str(python), "--index-url",
                        bed_env["BED_PYPI_URL"], "--only-binary", ":all:", "numpy<2", "pandas<2.2"],
                       check=True, env=env)
        (venv / "complete").write_text("numpy<2 pandas<2.2\n")
    return python


def python_versions(python: Path) -> dict:
    """What `python` itself imports: {module: version or None}."""
    code = ("import json, importlib\nout = {}\nfor m in ('numpy', 'pandas', 'bedapp'):\n"
            "    try:\n        out[m] = importlib.import_module(m).__version__\n"
            "    except ImportError:\n        out[m] = None\nprint(json.dumps(out))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return json.loads(subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                                     check=True, env=env).stdout)


def layer_dirs(manifest) -> dict:
    """{package: (alias folder, sha256 folder)}: where a layer's files may be."""
    return {l["package"]: ("sparkenv-" + l["sha256"][:16], l["sha256"]) for l in manifest["layers"]}


def _in_layer(path: str, names) -> bool:
    return any(f"/{name}/site-packages/" in path for name in names)


def check_imports(where, seen, versions, manifest):
    layers = layer_dirs(manifest)
    for module, package in (("numpy", "numpy"), ("pandas", "pandas"), ("bedapp", "bedapp")):
        got = seen["modules"][module]
        assert "error" not in got, (where, module, got)
        assert got["version"] == versions[package], (where, module, got, versions[package])
        assert _in_layer(got["file"], layers[package]), (where, module, got["file"])
    # importlib.metadata sees every locked distribution, at the locked version,
    # in the environment.
    for package, version in versions.items():
        dist = seen["dists"].get(package)
        assert dist is not None, (where, package, sorted(seen["dists"]))
        assert dist["version"] == version, (where, package, dist)
        assert _in_layer(dist["location"] + "/", layers[package]), (where, package, dist)


YARN_LAYERS = "/sparkenv-layers-v1/"  # <nm local dir>/usercache/<user>/sparkenv-layers-v1/<sha256>


def check_report(report, versions, manifest, *, python, executors=2, cluster=True, yarn=False):
    """The checks the acceptance asks for, on bedapp.report's JSON. On YARN
    (sparkenv submit) the layers are unpacked once per node and user, beside
    the NodeManager's own caches."""
    tasks = report["udf"] + report["rdd"]
    assert len(report["udf"]) == len(report["rdd"]) == 4
    for t in tasks:
        where = f"executor {t['executor_id']} (pid {t['pid']})"
        check_imports(where, t, versions, manifest)
        assert t["value"] == sum(i * i for i in range(t["n"])), t
        assert t["python"] == str(python), (where, t["python"])
        assert t["boot"].get("ok") is True, (where, t["boot"])
        assert t["boot"]["env_id"] == manifest["env_id"]
        if yarn:
            f = t["modules"]["pandas"]["file"]
            assert "/usercache/" in f and YARN_LAYERS in f, (where, f)
        elif cluster:
            # Imported from the executor's own working folder (its SparkFiles root).
            assert t["modules"]["pandas"]["file"].startswith(t["cwd"] + "/"), (where, t)
    ids = {t["executor_id"] for t in tasks}
    if cluster:
        assert len(ids) == executors and None not in ids, ids
    check_imports("the driver", report["driver"], versions, manifest)
    assert report["driver"]["value"] == 285


def python_package(work: Path) -> Path:
    """`sparkenv python-package -o work/pkg`: sparkenv.zip and activate_env.py."""
    sparkenv("python-package", "-o", work / "pkg")
    return work / "pkg"


def spark_submit(spark, args, *, env=None, timeout=600, check=True):
    """spark-submit ARGS with the bed's environment for `spark` (+ env)."""
    p = subprocess.run([str(spark.home / "bin" / "spark-submit"), *map(str, args)],
                       env=spark.env(env), capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, (f"spark-submit exited {p.returncode}\n--- stdout\n"
                                   f"{p.stdout[-3000:]}\n--- stderr\n{p.stderr[-8000:]}")
    return p


# ---- stores on the bed's HDFS and S3 ----

def store_env(bed_env) -> dict:
    """What sparkenv needs to reach the bed's stores (HADOOP_CONF_DIR, AWS_*)."""
    keys = ("HADOOP_CONF_DIR", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION")
    return {k: bed_env[k] for k in keys if k in bed_env}


def push(bed_env, env_dir, kind, tag="app:test"):
    """Pushes the build folder to a fresh store on the bed's HDFS or S3;
    returns (environment reference, store URL, cleanup())."""
    import requests
    from bed_hadoop import hdfs_user, webhdfs
    run = uuid.uuid4().hex[:12]
    env = {**os.environ, **store_env(bed_env)}
    if kind == "hdfs":
        user = hdfs_user(bed_env)
        path = f"/user/{user}/bed-tests/activation-{run}"
        store = f"{bed_env['BED_HDFS_URL']}{path}/envs"

        def cleanup():
            requests.delete(webhdfs(bed_env, path), params={"op": "DELETE", "recursive": "true",
                                                            "user.name": user}, timeout=60)
    else:
        import boto3
        from botocore.config import Config
        bucket, prefix = bed_env["BED_S3_BUCKET"], f"activation-{run}"
        store = f"s3://{bucket}/{prefix}/envs"
        client = boto3.client("s3", endpoint_url=bed_env["BED_S3_ENDPOINT"],
                              aws_access_key_id=bed_env["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=bed_env["AWS_SECRET_ACCESS_KEY"],
                              region_name="us-east-1",
                              config=Config(signature_version="s3v4",
                                            s3={"addressing_style": "path"}))

        def cleanup():
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                          Prefix=prefix + "/"):
                for o in page.get("Contents", []):
                    client.delete_object(Bucket=bucket, Key=o["Key"])
    sparkenv("push", env_dir, store, "--tag", tag, env=env)
    return f"{store}/{tag}", store, cleanup


def s3a_jars(spark) -> str:
    """hadoop-aws and the AWS SDK for this Spark's Hadoop client
    (scripts/setup.d/40-bed-maven.sh), as a classpath."""
    (api,) = sorted((spark.home / "jars").glob("hadoop-client-api-*.jar"))
    version = api.name[len("hadoop-client-api-"):-len(".jar")]
    folder = DEV_CACHE / "bed-jars" / f"s3a-hadoop-{version}"
    assert (folder / ".pom.sha256").is_file(), f"no {folder}: run scripts/setup.d/40-bed-maven.sh"
    return f"{folder}/*"


def s3a_conf(bed_env, spark) -> dict:
    """Spark settings that read s3a:// from the bed's S3 (s3proxy)."""
    jars = s3a_jars(spark)
    return {
        "spark.driver.extraClassPath": jars, "spark.executor.extraClassPath": jars,
        "spark.hadoop.fs.s3a.endpoint": bed_env["BED_S3_ENDPOINT"],
        "spark.hadoop.fs.s3a.endpoint.region": bed_env.get("AWS_DEFAULT_REGION", "us-east-1"),
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.access.key": bed_env["AWS_ACCESS_KEY_ID"],
        "spark.hadoop.fs.s3a.secret.key": bed_env["AWS_SECRET_ACCESS_KEY"],
    }


def spark_conf(extra=None) -> list:
    """FRUGAL_CONF (+ extra) as spark-submit --conf arguments."""
    out = []
    for k, v in {**FRUGAL_CONF, **(extra or {})}.items():
        out += ["--conf", f"{k}={v}"]
    return out
