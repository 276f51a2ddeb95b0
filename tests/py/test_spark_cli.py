"""`sparkenv spark-conf`, `sparkenv submit --dry-run` and `sparkenv
python-package` without Spark: the settings per master and deploy mode, how
they merge with the user's own, the driver's local copy in client mode, and
the whole error message + exit code for bad input."""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from sparkenv import _manifest  # noqa: E402


def sha(data):
    return hashlib.sha256(data).hexdigest()


def layer_archive(name):
    """A layer providing the module `name`, as a tar.gz (site-packages/name/)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for folder in ("site-packages/", "site-packages/%s/" % name):
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for path, data in [("site-packages/%s/__init__.py" % name, ("NAME = %r\n" % name).encode())]:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    """A build folder (manifest.json + layers/) with two small layers."""
    return make_env(tmp_path_factory.mktemp("env"))


def make_env(root, python_version="3.11"):
    (root / "layers").mkdir(parents=True)
    layers = []
    for name in ("alpha", "beta"):
        data = layer_archive(name)
        h = sha(data)
        (root / "layers" / (h + ".tar.gz")).write_bytes(data)
        layers.append({"files": 1, "installed_bytes": 10, "package": name, "sha256": h,
                       "size": len(data), "version": "1.0", "wheel": name + "-1.0-py3-none-any.whl",
                       "wheel_sha256": sha(name.encode())})
    markers = {"implementation_name": "cpython", "python_version": python_version,
               "sys_platform": "linux", "platform_machine": "x86_64"}
    lock, tags = sha(b"lock"), sha(b"tags")
    manifest = {"created_by": "sparkenv 0.1.0",
                "env_id": _manifest.environment_id(lock, markers, tags),
                "format": "sparkenv-env/1", "layers": layers, "lock_sha256": lock,
                "target": {"markers": markers, "tags_sha256": tags}}
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return root, manifest


def conf_lines(stdout):
    out = {}
    for line in stdout.splitlines():
        assert line.startswith("--conf "), line
        key, _, value = line[len("--conf "):].partition("=")
        out[key] = value
    return out


def archives_for(env, manifest, boot):
    return ",".join(["file://%s/layers/%s.tar.gz#sparkenv-%s" % (env, l["sha256"], l["sha256"][:16])
                     for l in manifest["layers"]] + ["file://%s.tar.gz#%s" % (boot, Path(boot).name)])


def layer_files(env, manifest):
    return ",".join("file://%s/layers/%s.tar.gz#sparkenv-%s.tar.gz" % (env, l["sha256"], l["sha256"][:16])
                    for l in manifest["layers"])


def relative_path(manifest, boot_name):
    return ":".join([boot_name] + ["sparkenv-%s/site-packages" % l["sha256"][:16]
                                   for l in manifest["layers"]])


def boot_of(cache):
    (boot,) = [p for p in (cache / "spark-v1" / "boot").iterdir() if p.is_dir()]
    return boot


def test_yarn_cluster_mode_settings(run, env_dir, tmp_path):
    env, manifest = env_dir
    p = run("spark-conf", env, "--master", "yarn", "--deploy-mode", "cluster",
            "--cache-dir", tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    boot = boot_of(tmp_path)
    # YARN: the layers as files (the bootstrap unpacks them), the bootstrap as an archive.
    assert conf_lines(p.stdout) == {
        "spark.yarn.dist.archives": "file://%s.tar.gz#%s" % (boot, boot.name),
        "spark.yarn.dist.files": layer_files(env, manifest),
        "spark.executorEnv.PYTHONPATH": boot.name,
        "spark.yarn.appMasterEnv.PYTHONPATH": boot.name,
        "spark.yarn.appMasterEnv.SPARKENV_ROLE": "driver",
    }
    # Cluster mode unpacks nothing here; the bootstrap holds the manifest and
    # the files to unpack in the container's folder.
    assert not (tmp_path / "spark-v1" / "layers").exists()
    config = json.loads((boot / "sparkenv-boot.json").read_text())
    assert config == {"format": "sparkenv-boot/1", "manifest": manifest, "node_cache": {
        "dir": "", "layers": [{"sha256": l["sha256"], "size": l["size"],
                               "url": "file:sparkenv-%s.tar.gz" % l["sha256"][:16]}
                              for l in manifest["layers"]]}}
    with tarfile.open("%s.tar.gz" % boot) as tar:
        assert "sitecustomize.py" in tar.getnames()


def test_client_mode_unpacks_the_layers_for_the_driver(run, env_dir, tmp_path):
    env, manifest = env_dir
    p = run("spark-conf", env, "--master", "spark://127.0.0.1:7077", "--format", "json",
            "--cache-dir", tmp_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    boot = boot_of(tmp_path)
    sites = [str(tmp_path / "spark-v1" / "layers" / l["sha256"] / "site-packages")
             for l in manifest["layers"]]
    assert out["conf"] == {"spark.archives": archives_for(env, manifest, boot),
                           "spark.executorEnv.PYTHONPATH": relative_path(manifest, boot.name)}
    assert out["driver_env"] == {"PYTHONPATH": ":".join([str(boot)] + sites),
                                 "SPARKENV_ROLE": "driver"}
    assert (Path(sites[1]) / "beta" / "__init__.py").read_text() == "NAME = 'beta'\n"
    # The text formats say what the driver needs on stderr.
    p = run("spark-conf", env, "--master", "spark://127.0.0.1:7077", "--format", "properties",
            "--cache-dir", tmp_path)
    assert p.returncode == 0
    assert p.stdout.splitlines()[0].startswith("spark.archives=file://")
    assert p.stderr == "sparkenv: client mode: run the driver with PYTHONPATH=%s SPARKENV_ROLE=driver\n" \
        % ":".join([str(boot)] + sites)


def test_local_master_needs_no_archives(run, env_dir, tmp_path):
    env, manifest = env_dir
    p = run("spark-conf", env, "--master", "local[2]", "--cache-dir", tmp_path)
    assert p.returncode == 0, p.stderr
    boot = boot_of(tmp_path)
    local = ":".join([str(boot)] + [str(tmp_path / "spark-v1" / "layers" / l["sha256"] /
                                        "site-packages") for l in manifest["layers"]])
    assert conf_lines(p.stdout) == {"spark.executorEnv.PYTHONPATH": local}


def test_kubernetes_settings(run, env_dir, tmp_path):
    env, manifest = env_dir
    p = run("spark-conf", env, "--master", "k8s://https://api:6443", "--deploy-mode", "cluster",
            "--conf", "spark.kubernetes.file.upload.path=s3a://b/up", "--python", "/usr/bin/python3",
            "--cache-dir", tmp_path)
    assert p.returncode == 0, p.stderr
    boot = boot_of(tmp_path)
    rel = relative_path(manifest, boot.name)
    assert conf_lines(p.stdout) == {
        "spark.archives": archives_for(env, manifest, boot),
        "spark.executorEnv.PYTHONPATH": rel,
        "spark.kubernetes.driverEnv.PYTHONPATH": rel,
        "spark.kubernetes.driverEnv.SPARKENV_ROLE": "driver",
        "spark.pyspark.python": "/usr/bin/python3",
    }


@pytest.mark.parametrize("args,message", [
    (["--master", "mesos://h:5050"],
     "unknown Spark master 'mesos://h:5050': expected local, local[N], local-cluster[N,C,M], "
     "spark://HOST:PORT, yarn or k8s://URL"),
    (["--master", "yarn", "--deploy-mode", "server"],
     "unknown deploy mode 'server': expected client or cluster"),
    (["--master", "spark://h:7077", "--deploy-mode", "cluster"],
     "deploy mode cluster on the standalone cluster 'spark://h:7077': spark-submit refuses a "
     "Python application there, so no settings can do it; 'sparkenv submit' runs it through a "
     "launcher (docs/spark.md)"),
    (["--master", "yarn", "--format", "yaml"], "unknown format 'yaml': expected conf, properties or json"),
    (["--master", "k8s://h", "--deploy-mode", "cluster"], None),
])
def test_bad_input(run, env_dir, tmp_path, args, message):
    env, _ = env_dir
    p = run("spark-conf", env, *args, "--cache-dir", tmp_path)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    if message is None:
        assert p.stderr.startswith("sparkenv: error: Kubernetes cluster mode cannot read the local "
                                   "file 'file://"), p.stderr
    else:
        assert p.stderr == "sparkenv: error: %s\n" % message


def test_bad_references(run, tmp_path):
    p = run("spark-conf", "noslash", "--master", "yarn", "--cache-dir", tmp_path)
    assert p.returncode == 2
    assert p.stderr == ("sparkenv: error: invalid environment reference 'noslash': expected "
                        "STORE/NAME[:TAG], STORE@ENVID or a folder written by 'sparkenv build'\n")
    assert not (tmp_path / "spark-v1").exists()


def fake_spark_home(tmp_path):
    home = tmp_path / "spark"
    (home / "bin").mkdir(parents=True, exist_ok=True)
    (home / "bin" / "spark-submit").write_text("#!/bin/sh\necho \"$@\"\n")
    (home / "bin" / "spark-submit").chmod(0o755)
    return home


def test_submit_dry_run_merges_with_the_users_settings(run, env_dir, tmp_path):
    env, manifest = env_dir
    home = fake_spark_home(tmp_path)
    p = run("submit", "--env", env, "--cache-dir", tmp_path / "c", "--dry-run", "--",
            "--master", "yarn", "--deploy-mode", "cluster", "--archives", "mine.zip#m",
            "--conf", "spark.executorEnv.PYTHONPATH=/opt/lib", "app.py", "--conf", "x",
            env={**os.environ, "SPARK_HOME": str(home)})
    assert p.returncode == 0, p.stderr
    boot = boot_of(tmp_path / "c")
    assert p.stdout.split() == [
        str(home / "bin" / "spark-submit"), "--master", "yarn", "--deploy-mode", "cluster",
        "--archives", "mine.zip#m,file://%s.tar.gz#%s" % (boot, boot.name),
        "--conf", "spark.executorEnv.PYTHONPATH=%s:/opt/lib" % boot.name,
        "--conf", "spark.yarn.dist.files=" + layer_files(env, manifest),
        "--conf", "spark.yarn.appMasterEnv.PYTHONPATH=" + boot.name,
        "--conf", "spark.yarn.appMasterEnv.SPARKENV_ROLE=driver", "app.py", "--conf", "x"]


def test_submit_runs_spark_submit_with_the_drivers_environment(run, env_dir, tmp_path):
    env, manifest = env_dir
    home = tmp_path / "spark"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "spark-submit").write_text(
        "#!/bin/sh\necho \"PYTHONPATH=$PYTHONPATH\"\necho \"ROLE=$SPARKENV_ROLE\"\nexit 7\n")
    (home / "bin" / "spark-submit").chmod(0o755)
    p = run("submit", "--env", env, "--cache-dir", tmp_path / "c", "--",
            "--master", "local[2]", "app.py",
            env={**os.environ, "SPARK_HOME": str(home), "PYTHONPATH": "/mine"})
    assert p.returncode == 7  # spark-submit's own exit code
    boot = boot_of(tmp_path / "c")
    sites = [str(tmp_path / "c" / "spark-v1" / "layers" / l["sha256"] / "site-packages")
             for l in manifest["layers"]]
    assert p.stdout.splitlines() == ["PYTHONPATH=%s:/mine" % ":".join([str(boot)] + sites),
                                     "ROLE=driver"]
    assert p.stderr == "sparkenv: environment %s (2 layers) on local[2], client mode; unpacked 2 " \
                       "layers for the driver\n" % manifest["env_id"][:12]


@pytest.mark.parametrize("args,code,message", [
    (["--", "--master", "local[2]", "--deploy-mode", "cluster", "app.py"], 2,
     "deploy mode cluster is not possible with master 'local[2]': a local master runs the driver "
     "here (use --deploy-mode client)"),
    (["--", "--master", "spark://h:1", "--deploy-mode", "cluster", "--py-files", "lib.zip",
      "app.py"], 2,
     "deploy mode cluster on a standalone cluster: --py-files cannot reach the driver on its "
     "worker; build your own code into the environment with 'sparkenv build --app PATH' "
     "instead"),
    (["--", "--master", "spark://h:1", "--deploy-mode", "cluster", "hdfs:///apps/app.py"], 2,
     "deploy mode cluster on a standalone cluster: the application 'hdfs:///apps/app.py' must be "
     "a local file (sparkenv puts it into the driver's launcher)"),
    (["--", "--master", "yarn"], 2,
     "the spark-submit arguments name no application: expected options, then the Python file "
     "(e.g. -- --master yarn app.py ARGS)"),
    (["--", "--master", "yarn", "--conf", "oops", "app.py"], 2,
     "spark-submit option --conf 'oops': expected KEY=VALUE"),
    (["--", "app.py"], 1,
     "cannot find spark-submit: set SPARK_HOME, pass --spark-home, or put spark-submit on PATH"),
])
def test_submit_refusals(run, env_dir, tmp_path, args, code, message):
    env, _ = env_dir
    clean = {k: v for k, v in os.environ.items() if k not in ("SPARK_HOME", "MASTER")}
    clean["PATH"] = "/usr/bin:/bin"
    p = run("submit", "--env", env, "--cache-dir", tmp_path, *args, env=clean)
    assert p.returncode == code, p.stderr
    assert p.stderr == "sparkenv: error: %s\n" % message
    assert p.stdout == ""
    assert not (tmp_path / "spark-v1" / "launch").exists()


def launcher_of(cache):
    (jar,) = (cache / "spark-v1" / "launch").glob("*.jar")
    return jar


APP = """import os, sys
import alpha, beta
print("ARGS", sys.argv[1:])
print("ALPHA", alpha.__file__)
print("ROLE", os.environ.get("SPARKENV_ROLE"))
print("PATH0", sys.path[0])
sys.exit(3)
"""


def standalone_cluster_dry_run(run, env, tmp_path):
    home = fake_spark_home(tmp_path)
    app = tmp_path / "job.py"
    app.write_text(APP)
    p = run("submit", "--env", env, "--cache-dir", tmp_path / "c", "--dry-run", "--",
            "--master", "spark://h:7077", "--deploy-mode", "cluster", app, "a", "b c",
            env={**os.environ, "SPARK_HOME": str(home)})
    assert p.returncode == 0, p.stderr
    return home, app, p


def test_submit_standalone_cluster_mode_goes_through_the_launcher(run, env_dir, tmp_path):
    env, manifest = env_dir
    home, app, p = standalone_cluster_dry_run(run, env, tmp_path)
    jar = launcher_of(tmp_path / "c")
    name = jar.stem
    assert name.startswith("sparkenv-boot-")
    # spark-submit gets a JVM application: Spark's PythonRunner, the launcher
    # as its jar, then PythonRunner's arguments (the file in the driver's
    # folder, no --py-files, the application's).
    assert p.stdout == " ".join([
        str(home / "bin" / "spark-submit"), "--master", "spark://h:7077", "--deploy-mode",
        "cluster", "--name", "job.py", "--class", "org.apache.spark.deploy.PythonRunner",
        "--conf", "spark.archives=file://%s#%s" % (jar, name),
        "--conf", "spark.executorEnv.PYTHONPATH=" + name,
        "file://%s" % jar, jar.name, "''", "a", "'b c'"]) + "\n"
    with zipfile.ZipFile(jar) as z:
        names = set(z.namelist())
        for member in ("__main__.py", "sitecustomize.py", "sparkenv/_launch.py",
                       "sparkenv-launch.json", "sparkenv-boot.json", "sparkenv-app/job.py"):
            assert member in names, member
        assert z.read("sparkenv-app/job.py") == app.read_bytes()
        assert z.read("__main__.py") == (ROOT / "python" / "sparkenv" / "_launch_main.py").read_bytes()
        assert json.loads(z.read("sparkenv-launch.json")) == {
            "format": "sparkenv-launch/1", "app": "sparkenv-app/job.py"}
        config = json.loads(z.read("sparkenv-boot.json"))
    # The driver and the executors fetch the layers themselves, into their
    # working folders.
    assert config["node_cache"] == {"dir": "", "layers": [
        {"sha256": l["sha256"], "size": l["size"],
         "url": "file://%s/layers/%s.tar.gz" % (env, l["sha256"])} for l in manifest["layers"]]}
    # The same application and environment give the same launcher.
    standalone_cluster_dry_run(run, env, tmp_path)
    assert launcher_of(tmp_path / "c") == jar


def run_launcher(jar, tmp_path, *args):
    """Runs the launcher as Spark's PythonRunner does: `python NAME.jar ARGS`
    in the driver's folder, which holds the downloaded jar."""
    driver = tmp_path / "driver"
    driver.mkdir()
    shutil.copy(jar, driver / jar.name)
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPARKENV_ROLE")}
    return driver, subprocess.run([sys.executable, jar.name, *args], cwd=driver, env=clean,
                                  capture_output=True, text=True, timeout=120)


def test_the_launcher_runs_the_application_in_the_environment(run, env_dir, tmp_path):
    env, manifest = env_dir
    standalone_cluster_dry_run(run, env, tmp_path)
    jar = launcher_of(tmp_path / "c")
    driver, r = run_launcher(jar, tmp_path, "x", "y z")
    assert r.returncode == 3, r.stderr  # the application's own exit code
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    assert out["ARGS"] == "['x', 'y z']"
    alpha = [l for l in manifest["layers"] if l["package"] == "alpha"][0]
    # Imported from the layer the launcher fetched and unpacked in the driver's folder.
    assert out["ALPHA"] == str(driver / alpha["sha256"] / "site-packages" / "alpha" / "__init__.py")
    assert out["ROLE"] == "driver"
    assert out["PATH0"] == str(driver / jar.stem / "sparkenv-app")
    assert (driver / jar.stem / "sparkenv-boot.json").is_file()
    assert not [p for p in driver.iterdir() if ".tmp." in p.name]


def test_the_launcher_stops_a_driver_whose_python_does_not_fit(run, tmp_path):
    env, manifest = make_env(tmp_path / "env39", python_version="3.9")
    standalone_cluster_dry_run(run, env, tmp_path)
    jar = launcher_of(tmp_path / "c")
    _, r = run_launcher(jar, tmp_path, "x")
    assert r.returncode == 1
    assert "ARGS" not in r.stdout  # the application never started
    assert ("sparkenv: environment %s was built for" % manifest["env_id"][:12]) in r.stderr, r.stderr
    assert "Python 3.9" in r.stderr and "the driver's Python" in r.stderr, r.stderr
    assert r.stderr.rstrip().endswith("sparkenv: the application was not started"), r.stderr


def test_python_package_is_importable_from_its_folder_and_zip(run, tmp_path):
    p = run("python-package", "-o", tmp_path / "pkg")
    assert p.returncode == 0, p.stderr
    src = ROOT / "python" / "sparkenv"
    for f in src.glob("*.py"):
        assert (tmp_path / "pkg" / "sparkenv" / f.name).read_bytes() == f.read_bytes()
    with zipfile.ZipFile(tmp_path / "pkg" / "sparkenv.zip") as z:
        assert sorted(z.namelist()) == sorted(["sparkenv/"] + ["sparkenv/" + f.name
                                                                for f in src.glob("*.py")])
    for path in (tmp_path / "pkg", tmp_path / "pkg" / "sparkenv.zip"):
        r = subprocess.run([sys.executable, "-c", "import sparkenv; print(sparkenv.__version__)"],
                           env={**os.environ, "PYTHONPATH": str(path)}, capture_output=True,
                           text=True)
        assert r.stdout.strip() == "0.1.0", r.stderr
    r = subprocess.run([sys.executable, str(tmp_path / "pkg" / "activate_env.py")],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == "usage: activate_env.py ENV package.module[:function] [args...]\n"


def test_node_cache_ships_only_the_bootstrap(run, env_dir, tmp_path):
    env, manifest = env_dir
    p = run("spark-conf", env, "--master", "spark://h:7077", "--node-cache", "/var/cache/nc",
            "--format", "json", "--cache-dir", tmp_path)
    assert p.returncode == 0, p.stderr
    boot = boot_of(tmp_path)
    assert json.loads(p.stdout)["conf"] == {
        "spark.archives": "file://%s.tar.gz#%s" % (boot, boot.name),
        "spark.executorEnv.PYTHONPATH": boot.name}
    config = json.loads((boot / "sparkenv-boot.json").read_text())
    assert config["node_cache"] == {"dir": "/var/cache/nc", "layers": [
        {"sha256": l["sha256"], "size": l["size"],
         "url": "file://%s/layers/%s.tar.gz" % (env, l["sha256"])} for l in manifest["layers"]]}
    p = run("spark-conf", env, "--master", "local[2]", "--node-cache", "/var/cache/nc",
            "--cache-dir", tmp_path)
    assert p.returncode == 2
    assert p.stderr == ("sparkenv: error: --node-cache is for standalone and YARN clusters, not "
                        "'local[2]': a local master uses the driver's own copy\n")
    p = run("spark-conf", env, "--master", "yarn", "--node-cache", "var/nc", "--cache-dir", tmp_path)
    assert p.returncode == 2
    assert p.stderr == ("sparkenv: error: --node-cache 'var/nc': expected an absolute folder, the "
                        "same path on every node\n")


FACTS = {"implementation_name": "cpython", "implementation_version": "3.11.7", "os_name": "posix",
         "platform_machine": "x86_64", "platform_python_implementation": "CPython",
         "platform_release": "6.1.0", "platform_system": "Linux", "platform_version": "#1 SMP",
         "python_full_version": "3.11.7", "python_version": "3.11", "sys_platform": "linux",
         "abiflags": "", "free_threaded": False, "libc": ["glibc", [2, 36]],
         "executable": "/usr/bin/python3", "host": "node1"}


def fake_probe_spark(tmp_path, output, code=0):
    """A spark-submit that prints `output` (what the probe application would)."""
    home = tmp_path / "spark"
    (home / "bin").mkdir(parents=True)
    (tmp_path / "out.txt").write_text(output)
    (home / "bin" / "spark-submit").write_text(
        "#!/bin/sh\necho \"$@\" > %s/args.txt\ncat %s/out.txt\nexit %d\n" % (tmp_path, tmp_path, code))
    (home / "bin" / "spark-submit").chmod(0o755)
    return home


def test_probe_writes_the_declared_target(run, tmp_path):
    tasks = [dict(FACTS, executor_id=e, host="node" + e) for e in ("1", "2")]
    home = fake_probe_spark(tmp_path, "log\nSPARKENV-PROBE " + json.dumps(
        {"driver": FACTS, "tasks": tasks, "master": "yarn", "spark_version": "4.3.0"}) + "\n")
    p = run("target", "probe", "--master", "yarn", "-o", tmp_path / "t.json", "--cache-dir",
            tmp_path / "c", "--", "--conf", "spark.x=1",
            env={**os.environ, "SPARK_HOME": str(home)})
    assert p.returncode == 0, p.stderr
    declared = run("target", "show", "--python", "3.11.7", "--platform", "manylinux_2_36_x86_64",
                   "--json")
    assert json.loads((tmp_path / "t.json").read_text()) == json.loads(declared.stdout)
    assert "Target: --python 3.11.7 --platform manylinux_2_36_x86_64 (" in p.stderr
    args = (tmp_path / "args.txt").read_text().split()
    assert args[:6] == ["--master", "yarn", "--deploy-mode", "client", "--name", "sparkenv"]
    assert args[-3:-1] == ["--conf", "spark.x=1"] and args[-1].endswith("/sparkenv/_probe.py")


@pytest.mark.parametrize("args,output,code,message", [
    (["--master", "yarn", "--", "--deploy-mode", "cluster"], "", 0,
     "give the master with --master, not after '--': the probe always runs its driver here "
     "(client mode)"),
    (["--master", "yarn"], "no result\n", 0,
     "the probe application printed no result (no line starting with 'SPARKENV-PROBE')"),
    (["--master", "yarn"], "", 3,
     "the probe application failed: spark-submit exited 3 (its output is above)"),
])
def test_probe_errors(run, tmp_path, args, output, code, message):
    home = fake_probe_spark(tmp_path, output, code)
    p = run("target", "probe", *args, "--cache-dir", tmp_path / "c",
            env={**os.environ, "SPARK_HOME": str(home)})
    assert p.returncode in (1, 2)
    assert p.stderr.splitlines()[-1] == "sparkenv: error: " + message
