"""The pure-Python package (python/sparkenv) without Spark: manifests and what
they require, the interpreter check and its message, environment references
and reading a file:// store, and the bootstrap (sitecustomize) in a real
Python process -- under this interpreter and, when installed, Python 3.8,
the oldest the package supports."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

from sparkenv import _bootfiles, _interp, _manifest, _store  # noqa: E402

HOST = {
    "implementation_name": sys.implementation.name,
    "python_version": "%d.%d" % sys.version_info[:2],
    "sys_platform": sys.platform,
    "platform_machine": os.uname().machine,
}


def _python38():
    """A working Python 3.8 (the oldest the package supports), or None."""
    candidates = [shutil.which("python3.8")] + sorted(
        str(p) for p in Path.home().glob(".pyenv/versions/3.8*/bin/python3.8"))
    for candidate in filter(None, candidates):
        try:
            r = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0 and r.stdout.strip() == "(3, 8)":
            return candidate
    return None


PYTHON38 = _python38()
# This interpreter and, when there is one, Python 3.8.
PYTHONS = [sys.executable] + [p for p in [PYTHON38] if p]


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def make_manifest(markers=None, wheels=("demo-1.0-py3-none-any.whl",), packages=None):
    markers = dict(markers or HOST)
    lock = sha("lock")
    tags = sha("tags")
    layers = []
    for i, wheel in enumerate(wheels):
        package = (packages or [])[i] if packages else wheel.split("-")[0].replace("_", "-")
        layers.append({"files": 1, "installed_bytes": 10, "package": package,
                       "sha256": sha("layer%d" % i), "size": 100, "version": "1.0",
                       "wheel": wheel, "wheel_sha256": sha("wheel%d" % i)})
    return {
        "created_by": "sparkenv 0.1.0",
        "env_id": _manifest.environment_id(lock, markers, tags),
        "format": "sparkenv-env/1",
        "layers": layers,
        "lock_sha256": lock,
        "target": {"markers": markers, "tags_sha256": tags},
    }


# --- manifests --------------------------------------------------------------


def test_manifest_is_read_and_its_id_matches_the_tool():
    data = make_manifest()
    m = _manifest.parse_manifest(json.dumps(data))
    assert m.env_id == data["env_id"]
    assert [l.alias for l in m.layers] == ["sparkenv-" + sha("layer0")[:16]]


def test_environment_id_agrees_with_sparkenv_build():
    """A manifest written by `sparkenv build` (src/env/manifest.cc) validates."""
    markers = {"python_version": "3.11", "sys_platform": "linux"}
    # EnvironmentId("aa..", markers, "bb..") as computed by the C++ side.
    text = "sparkenv-env/1\nlock " + "a" * 64 + "\nmarker python_version=3.11\n" \
        "marker sys_platform=linux\ntags " + "b" * 64 + "\n"
    assert _manifest.environment_id("a" * 64, markers, "b" * 64) == sha(text)


def broken(**changes):
    data = make_manifest()
    for path, value in changes.items():
        obj = data
        keys = path.split("__")
        for key in keys[:-1]:
            obj = obj[int(key)] if isinstance(obj, list) else obj[key]
        if value is KeyError:
            del obj[keys[-1]]
        else:
            obj[keys[-1]] = value
    return json.dumps(data)


@pytest.mark.parametrize("text,message", [
    ("[1]", "m.json: not a JSON object"),
    (broken(format="sparkenv-env/2"),
     "m.json: format 'sparkenv-env/2' is not 'sparkenv-env/1' (written by a newer sparkenv?)"),
    (broken(env_id="../x"), "m.json: env_id must be 64 lowercase hex digits"),
    (broken(target=KeyError), "m.json: target must be an object"),
    (broken(target__markers__python_version=3), "m.json: target.markers.python_version must be a string"),
    (broken(layers__0__sha256="../../etc/passwd"),
     "m.json: layers[0]: sha256 and wheel_sha256 must be 64 lowercase hex digits"),
    (broken(layers__0__package="Not_Normal"),
     "m.json: layers[0]: package 'Not_Normal' is not a normalized project name"),
    (broken(layers__0__size=-1), "m.json: layers[0].size must be a non-negative integer"),
    (broken(layers__0__size=True), "m.json: layers[0].size must be a non-negative integer"),
    (broken(lock_sha256="c" * 64), None),  # id no longer matches
])
def test_bad_manifests_are_refused_with_the_rule(text, message):
    with pytest.raises(_manifest.ManifestError) as e:
        _manifest.parse_manifest(text, "m.json")
    if message is None:
        assert str(e.value).startswith("m.json: env_id ") and "does not match its lock and target" \
            in str(e.value)
    else:
        assert str(e.value) == message


@pytest.mark.parametrize("wheels,libc,free_threaded", [
    (["a-1-py3-none-any.whl"], None, None),
    (["numpy-2.4.6-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl"],
     ["glibc", [2, 27]], False),
    (["a-1-cp311-cp311-manylinux2014_x86_64.whl", "b-1-cp311-abi3-manylinux1_x86_64.whl"],
     ["glibc", [2, 17]], False),
    (["a-1-cp311-cp311-manylinux_2_17_x86_64.whl", "b-2-1-cp311-cp311-manylinux_2_28_x86_64.whl",
      "c-1-py3-none-any.whl"], ["glibc", [2, 28]], False),
    (["a-1-cp312-cp312-musllinux_1_2_x86_64.whl"], ["musl", [1, 2]], False),
    (["a-1-cp313-cp313t-manylinux_2_17_x86_64.whl"], ["glibc", [2, 17]], True),
    (["a-1-cp311-cp311-linux_x86_64.whl"], None, False),
])
def test_requirements_come_from_markers_and_wheel_tags(wheels, libc, free_threaded):
    m = _manifest.parse_manifest(json.dumps(make_manifest(wheels=wheels,
                                                          packages=["p%d" % i for i in range(len(wheels))])))
    req = _manifest.requirements(m)
    assert req["libc"] == libc
    assert req["free_threaded"] is free_threaded
    assert req["python_version"] == HOST["python_version"]


# --- the interpreter check ----------------------------------------------------

FACTS = {
    "implementation_name": "cpython", "python_full_version": "3.11.7", "python_version": "3.11",
    "sys_platform": "linux", "platform_machine": "x86_64", "free_threaded": False,
    "libc": ["glibc", [2, 36]], "executable": "/usr/bin/python3.11", "host": "node7",
}
REQ = {"implementation_name": "cpython", "python_version": "3.11", "sys_platform": "linux",
       "platform_machine": "x86_64", "libc": ["glibc", [2, 28]],
       "libc_wheel": "numpy-2-cp311-cp311-manylinux_2_28_x86_64.whl", "free_threaded": False}


@pytest.mark.parametrize("req,facts,problems", [
    ({}, {}, []),
    ({"python_version": "3.12"}, {}, ["Python 3.12 vs 3.11"]),
    ({"implementation_name": "pypy"}, {}, ["implementation pypy vs cpython"]),
    ({"platform_machine": "aarch64"}, {}, ["machine aarch64 vs x86_64"]),
    ({}, {"libc": ["glibc", [2, 17]]},
     ["glibc >= 2.28 (by numpy-2-cp311-cp311-manylinux_2_28_x86_64.whl) vs glibc 2.17"]),
    ({"libc": ["musl", [1, 2]]}, {}, ["musl >= 1.2 needed, this interpreter has glibc 2.36"]),
    ({}, {"libc": None}, ["glibc >= 2.28 needed, this interpreter has neither"]),
    ({"free_threaded": True}, {}, ["free-threaded build required vs no"]),
    ({"free_threaded": None}, {"free_threaded": True}, []),
    ({"python_version": "3.12", "platform_machine": "aarch64"}, {},
     ["Python 3.12 vs 3.11", "machine aarch64 vs x86_64"]),
])
def test_mismatches_name_what_differs(req, facts, problems):
    assert _interp.mismatches(dict(REQ, **req), dict(FACTS, **facts)) == problems


def test_mismatch_message_names_both_interpreters():
    req = dict(REQ, python_version="3.12")
    problems = _interp.mismatches(req, FACTS)
    assert _interp.mismatch_message("0123456789abcdef" * 4, req, FACTS, problems) == (
        "sparkenv: environment 0123456789ab was built for CPython 3.12 on linux x86_64, wheels "
        "need glibc >= 2.28, but this Python worker is CPython 3.11.7 on linux x86_64 with glibc "
        "2.36 (/usr/bin/python3.11 on host node7): Python 3.12 vs 3.11. Build the environment "
        "for this interpreter ('sparkenv target probe', then 'sparkenv lock --target') or run "
        "Spark with a matching Python (spark.pyspark.python).")


def test_facts_of_this_interpreter_are_a_marker_environment():
    f = _interp.facts()
    assert f["python_version"] == "%d.%d" % sys.version_info[:2]
    assert f["python_full_version"].startswith(f["python_version"] + ".")
    assert f["implementation_name"] == sys.implementation.name
    if sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION"):
        glibc = os.confstr("CS_GNU_LIBC_VERSION").split()[1]
        assert f["libc"] == ["glibc", [int(x) for x in glibc.split(".")[:2]]]
    assert _interp.mismatches(HOST, f) == []


# --- references and stores ----------------------------------------------------


@pytest.mark.parametrize("text,kind,fields", [
    ("hdfs:///user/alice/envs/myapp:prod", "tag",
     {"store_url": "hdfs:///user/alice/envs", "name": "myapp", "tag": "prod"}),
    ("s3://bucket/envs/app", "tag", {"store_url": "s3://bucket/envs", "name": "app", "tag": "latest"}),
    ("hdfs://nn:8020/envs@0123abcd", "id", {"store_url": "hdfs://nn:8020/envs", "env_id": "0123abcd"}),
])
def test_references_are_parsed(text, kind, fields):
    ref = _store.parse_env_ref(text)
    assert ref.kind == kind
    for key, value in fields.items():
        assert getattr(ref, key) == value


@pytest.mark.parametrize("text,message", [
    ("", "invalid environment reference '': expected STORE/NAME[:TAG], STORE@ENVID or a folder "
         "written by 'sparkenv build'"),
    ("@0123abcd", "invalid environment reference '@0123abcd': the store before '@' is missing"),
    ("s3://b/envs@XYZ", "invalid environment reference 's3://b/envs@XYZ': an environment id is 8 "
                        "to 64 lowercase hex digits"),
    ("app", "invalid environment reference 'app': expected STORE/NAME[:TAG], STORE@ENVID or a "
            "folder written by 'sparkenv build'"),
    ("hdfs:///app:prod", "invalid environment reference 'hdfs:///app:prod': the store before "
                         "'/app:prod' is missing"),
    ("/envs/-app", "invalid environment reference '/envs/-app': the name '-app' must be 1-128 of "
                   "A-Z a-z 0-9 . _ - starting with a letter or digit"),
])
def test_bad_references_are_refused_like_the_tool_does(text, message):
    with pytest.raises(ValueError) as e:
        _store.parse_env_ref(text)
    if message:
        assert str(e.value) == message


def test_hadoop_urls():
    assert _store.hadoop_url("s3://b/envs/") == "s3a://b/envs"
    assert _store.hadoop_url("httpfs://h:14000/e") == "webhdfs://h:14000/e"
    assert _store.hadoop_url("hdfs:///e") == "hdfs:///e"
    assert _store.hadoop_url("/abs/envs") == "file:///abs/envs"


def write_store(root, manifests, tags):
    (root / "envs").mkdir(parents=True)
    (root / "sparkenv-store.json").write_text('{"format": "sparkenv-store/1"}')
    for data in manifests:
        (root / "envs" / (data["env_id"] + ".json")).write_text(json.dumps(data))
    for (name, tag), env_id in tags.items():
        (root / "tags" / name).mkdir(parents=True, exist_ok=True)
        (root / "tags" / name / (tag + ".json")).write_text(json.dumps(
            {"env_id": env_id, "format": "sparkenv-tag/1", "name": name, "tag": tag}))


def test_a_file_store_resolves_tags_and_ids(tmp_path):
    a, b = make_manifest(), make_manifest(markers=dict(HOST, python_version="3.99"))
    write_store(tmp_path / "s", [a, b], {("app", "prod"): a["env_id"]})
    fs = _store.LocalFileSystem()
    r = _store.resolve("%s/app:prod" % (tmp_path / "s"), fs)
    assert r.manifest.env_id == a["env_id"]
    assert r.layer_urls == ["file://%s/s/blobs/%s.tar.gz" % (tmp_path, a["layers"][0]["sha256"])]
    assert _store.resolve("%s@%s" % (tmp_path / "s", b["env_id"][:10]), fs).manifest.env_id == \
        b["env_id"]
    with pytest.raises(_store.StoreError, match="^no tag app:latest in "):
        _store.resolve("%s/app" % (tmp_path / "s"), fs)
    with pytest.raises(_store.StoreError, match="^no sparkenv store at "):
        _store.resolve("%s/app:prod" % tmp_path, fs)
    with pytest.raises(_store.StoreError, match="^no environment 00000000 in "):
        _store.resolve("%s@00000000" % (tmp_path / "s"), fs)


def test_a_local_build_folder_resolves_to_its_layer_files(tmp_path):
    data = make_manifest()
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    r = _store.resolve(str(tmp_path), None)
    assert r.layer_urls == ["file://%s/layers/%s.tar.gz" % (tmp_path, data["layers"][0]["sha256"])]


# --- the bootstrap in a real Python process -----------------------------------


def make_activated(tmp_path, markers):
    """A boot folder plus one layer providing `demo` (and a .pth), laid out as
    Spark unpacks them; returns (PYTHONPATH, manifest)."""
    data = make_manifest(markers=markers)
    manifest = _manifest.parse_manifest(json.dumps(data))
    files = _bootfiles.boot_files(manifest)
    boot = tmp_path / _bootfiles.boot_name(files)
    _bootfiles.write_dir(files, str(boot))
    site = tmp_path / manifest.layers[0].alias / "site-packages"
    (site / "demo").mkdir(parents=True)
    (site / "demo" / "__init__.py").write_text("__version__ = '1.0'\n")
    (site / "extra").mkdir()
    (site / "extra" / "extra_mod.py").write_text("X = 1\n")
    (site / "demo.pth").write_text("# a comment\nextra\nimport os; os.environ['DEMO_PTH'] = '1'\n")
    return "%s:%s" % (boot, site), manifest


def run_python(python, pythonpath, code, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONPATH"] = pythonpath
    return subprocess.run([python, "-c", code], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=60)


def host_markers(python):
    out = subprocess.run([python, "-c", "import sys, os, json; print(json.dumps([sys.implementation"
                          ".name, '%d.%d' % sys.version_info[:2], sys.platform, os.uname().machine]))"],
                         capture_output=True, text=True, check=True).stdout
    impl, version, plat, machine = json.loads(out)
    return {"implementation_name": impl, "python_version": version, "sys_platform": plat,
            "platform_machine": machine}


@pytest.mark.parametrize("python", PYTHONS)
def test_boot_on_a_matching_interpreter_runs_pth_files(python, tmp_path):
    pythonpath, manifest = make_activated(tmp_path, host_markers(python))
    r = run_python(python, pythonpath, (
        "import os, sys, demo, extra_mod; from sparkenv import _boot; s = _boot.status(); "
        "print(s['ok'], s['env_id'] == %r, demo.__version__, os.environ.get('DEMO_PTH'))"
        % manifest.env_id), tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "True", "1.0", "1"]
    assert r.stderr == ""


@pytest.mark.parametrize("python", PYTHONS)
def test_boot_on_another_python_refuses_the_environment_with_the_message(python, tmp_path):
    host = host_markers(python)
    markers = dict(host, python_version="3.99")
    pythonpath, manifest = make_activated(tmp_path, markers)
    code = ("import sys, importlib.util\n"
            "assert importlib.util.find_spec('demo') is None  # a probe is answered, not refused\n"
            "try:\n"
            "    import demo\n"
            "except ImportError as e:\n"
            "    print('IMPORTERROR', e)\n"
            "except RuntimeError as e:\n"
            "    print(type(e).__name__, '|', e)\n"
            "print(any(%r in p for p in sys.path))\n" % manifest.layers[0].alias)
    r = run_python(python, pythonpath, code, tmp_path)
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.splitlines()
    name, message = first.split(" | ", 1)
    assert name == "EnvironmentMismatch"
    assert message.startswith("sparkenv: environment %s was built for CPython 3.99 on "
                              % manifest.short_id)
    assert ", but this Python worker is CPython " in message
    assert message.endswith("): Python 3.99 vs %s. Build the environment for this interpreter "
                            "('sparkenv target probe', then 'sparkenv lock --target') or run Spark "
                            "with a matching Python (spark.pyspark.python)."
                            % host["python_version"])
    assert second == "False"  # the layer is off sys.path
    assert r.stderr.strip() == message  # said once, at start-up, on stderr


def test_boot_runs_the_sitecustomize_it_hides(tmp_path):
    pythonpath, _ = make_activated(tmp_path, host_markers(sys.executable))
    other = tmp_path / "other"
    other.mkdir()
    (other / "sitecustomize.py").write_text("import builtins; builtins.OTHER_SITECUSTOMIZE = 1\n")
    r = run_python(sys.executable, pythonpath + ":" + str(other),
                   "import builtins; print(getattr(builtins, 'OTHER_SITECUSTOMIZE', 0))", tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr


def test_boot_archive_is_deterministic(tmp_path):
    manifest = _manifest.parse_manifest(json.dumps(make_manifest()))
    files = _bootfiles.boot_files(manifest)
    assert sorted(files)[:3] == ["sitecustomize.py", "sparkenv-boot.json", "sparkenv/__init__.py"]
    a = _bootfiles.write_zip(files, str(tmp_path / "a.zip"))
    b = _bootfiles.write_zip(_bootfiles.boot_files(manifest), str(tmp_path / "b.zip"))
    assert Path(a).read_bytes() == Path(b).read_bytes()
    with zipfile.ZipFile(a) as z:
        assert json.loads(z.read("sparkenv-boot.json"))["manifest"]["env_id"] == manifest.env_id
    other = _manifest.parse_manifest(json.dumps(make_manifest(markers=dict(HOST, python_version="3.9"))))
    assert _bootfiles.boot_name(_bootfiles.boot_files(other)) != _bootfiles.boot_name(files)


@pytest.mark.skipif(PYTHON38 is None, reason="no Python 3.8 here")
def test_every_module_compiles_on_python_3_8(tmp_path):
    sources = sorted(str(p) for p in (ROOT / "python" / "sparkenv").glob("*.py"))
    r = subprocess.run([PYTHON38, "-m", "py_compile", *sources],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_the_bootstrap_is_the_same_from_a_zip(tmp_path):
    """activate() writes the bootstrap from the package it runs from, which is
    a zip with --py-files sparkenv.zip."""
    with zipfile.ZipFile(tmp_path / "sparkenv.zip", "w") as z:
        for f in sorted((ROOT / "python" / "sparkenv").glob("*.py")):
            z.write(f, "sparkenv/" + f.name)
    code = ("import json, hashlib, sparkenv._bootfiles as b; print(json.dumps({k: "
            "hashlib.sha256(v).hexdigest() for k, v in b.package_sources().items()}))")
    out = {}
    for path in (tmp_path / "sparkenv.zip", ROOT / "python"):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(path)})
        assert r.returncode == 0, r.stderr
        out[str(path)] = json.loads(r.stdout)
    a, b = out.values()
    assert a == b
    assert sorted(a) == sorted("sparkenv/" + f.name
                               for f in (ROOT / "python" / "sparkenv").glob("*.py"))


# --- the node cache -------------------------------------------------------------


def layer_tar(path, module):
    """A layer archive providing `module`; returns {"sha256", "size", "url"}."""
    import tarfile
    with tarfile.open(path, "w:gz") as tar:
        for folder in ("site-packages", "site-packages/" + module):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        data = b"VALUE = 42\n"
        info = tarfile.TarInfo("site-packages/%s/__init__.py" % module)
        info.size = len(data)
        tar.addfile(info, __import__("io").BytesIO(data))
    data = Path(path).read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "url": "file://%s" % path}


def test_node_cache_unpacks_each_layer_once_under_concurrency(tmp_path):
    from sparkenv import _nodecache
    layer = layer_tar(tmp_path / "layer.tar.gz", "cached")
    cache = tmp_path / "node"
    # A process killed midway left this behind.
    (cache).mkdir()
    (cache / (layer["sha256"] + ".tmp.1.dead")).mkdir()
    code = ("import sys, json; sys.path.insert(0, %r); from sparkenv import _nodecache; "
            "print(_nodecache.ensure_layer(%r, json.loads(sys.argv[1])))"
            % (str(ROOT / "python"), str(cache)))
    procs = [subprocess.Popen([sys.executable, "-c", code, json.dumps(layer)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert {o.strip() for o, _ in outs} == {str(cache / layer["sha256"])}
    assert (cache / layer["sha256"] / "site-packages" / "cached" / "__init__.py").is_file()
    assert sorted(p.name for p in cache.iterdir()) == [".locks", layer["sha256"]]
    inode = (cache / layer["sha256"]).stat().st_ino
    assert _nodecache.ensure_layer(str(cache), layer) == str(cache / layer["sha256"])
    assert (cache / layer["sha256"]).stat().st_ino == inode  # not unpacked again


def test_node_cache_refuses_a_layer_that_is_not_what_the_manifest_says(tmp_path):
    from sparkenv import _nodecache
    layer = layer_tar(tmp_path / "layer.tar.gz", "cached")
    bad = dict(layer, sha256="0" * 64)
    with pytest.raises(_nodecache.NodeCacheError) as e:
        _nodecache.ensure_layer(str(tmp_path / "node"), bad)
    assert str(e.value) == (
        "layer 0000000000000000 from %s: expected %d bytes with sha256 %s, got %d bytes with "
        "sha256 %s" % (layer["url"], layer["size"], "0" * 64, layer["size"], layer["sha256"]))
    assert sorted(p.name for p in (tmp_path / "node").iterdir()) == [".locks"]
    with pytest.raises(_nodecache.NodeCacheError, match="reads file://, http:// and https://"):
        _nodecache.ensure_layer(str(tmp_path / "node"), dict(layer, url="s3a://b/k"))


def test_boot_takes_layers_from_the_node_cache(tmp_path):
    layer = layer_tar(tmp_path / "layer.tar.gz", "demo")
    data = make_manifest(markers=host_markers(sys.executable))
    data["layers"][0]["sha256"] = layer["sha256"]
    data["env_id"] = data["env_id"]  # the id covers lock and target, not the layers
    manifest = _manifest.parse_manifest(json.dumps(data))
    files = _bootfiles.boot_files(manifest, {"dir": str(tmp_path / "node"), "layers": [layer]})
    boot = tmp_path / _bootfiles.boot_name(files)
    _bootfiles.write_dir(files, str(boot))
    r = run_python(sys.executable, str(boot), "import demo, sparkenv._boot as b; "
                   "print(demo.__file__, b.status()['ok'])", tmp_path)
    assert r.returncode == 0, r.stderr
    path, ok = r.stdout.split()
    assert path == str(tmp_path / "node" / layer["sha256"] / "site-packages" / "demo" /
                       "__init__.py") and ok == "True"
    # A node cache that cannot get the layer says why, on import.
    (tmp_path / "layer.tar.gz").unlink()
    files = _bootfiles.boot_files(manifest, {"dir": str(tmp_path / "node2"), "layers": [layer]})
    boot2 = tmp_path / _bootfiles.boot_name(files)
    _bootfiles.write_dir(files, str(boot2))
    r = run_python(sys.executable, str(boot2), "import demo", tmp_path)
    assert r.returncode != 0
    assert ("sparkenv.EnvironmentMismatch: sparkenv: the environment %s is not available on this "
            "node: " % manifest.short_id) in r.stderr
    assert "ModuleNotFoundError" not in r.stderr


def test_yarn_layer_files_are_unpacked_in_the_working_folder(tmp_path, monkeypatch):
    """On YARN the NodeManager puts each layer as a file in the container's
    folder; the bootstrap unpacks it there (no node cache)."""
    from sparkenv import _nodecache
    layers = [layer_tar(tmp_path / ("sparkenv-%d.tar.gz" % i), "mod%d" % i) for i in range(3)]
    for i, layer in enumerate(layers):
        layer["url"] = "file:sparkenv-%d.tar.gz" % i
    monkeypatch.chdir(tmp_path)
    folders = _nodecache.ensure_layers("", layers)
    assert folders == [str(tmp_path / l["sha256"]) for l in layers]
    assert (tmp_path / layers[2]["sha256"] / "site-packages" / "mod2" / "__init__.py").is_file()
    # Read in place: no copy of the archive was made.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tar.gz")) == [
        "sparkenv-0.tar.gz", "sparkenv-1.tar.gz", "sparkenv-2.tar.gz"]


def test_yarn_containers_share_the_layers_beside_the_nodemanagers_caches(tmp_path):
    """In a YARN container (CONTAINER_ID, LOCAL_DIRS) without --node-cache,
    the layers go to <local dir>/usercache/<user>/sparkenv-layers-v1: a
    second container (of another application) finds them unpacked."""
    from sparkenv import _boot
    usercache = tmp_path / "nm-local" / "usercache" / "alice"
    assert _boot.default_node_cache({
        "CONTAINER_ID": "container_1_0001_01_000002",
        "LOCAL_DIRS": "%s/appcache/application_1_0001,/other/usercache/alice/appcache/a" % usercache,
    }) == str(usercache / "sparkenv-layers-v1")
    assert _boot.default_node_cache({"LOCAL_DIRS": str(usercache / "appcache" / "x")}) == ""
    assert _boot.default_node_cache({"CONTAINER_ID": "c", "LOCAL_DIRS": "/tmp/odd"}) == ""
    assert _boot.default_node_cache({}) == ""

    layer = layer_tar(tmp_path / "sparkenv-0.tar.gz", "demo")
    data = make_manifest(markers=host_markers(sys.executable))
    data["layers"][0]["sha256"] = layer["sha256"]
    manifest = _manifest.parse_manifest(json.dumps(data))
    served = dict(layer, url="file:sparkenv-0.tar.gz")  # as YARN puts it, in the container folder
    files = _bootfiles.boot_files(manifest, {"dir": "", "layers": [served]})
    boot = tmp_path / _bootfiles.boot_name(files)
    _bootfiles.write_dir(files, str(boot))
    for app in ("application_1_0001", "application_1_0002"):
        container = tmp_path / app
        container.mkdir()
        (usercache / "appcache" / app).mkdir(parents=True)
        if app.endswith("1"):
            shutil.copy(tmp_path / "sparkenv-0.tar.gz", container / "sparkenv-0.tar.gz")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        env.update(PYTHONPATH=str(boot), CONTAINER_ID="container_" + app,
                   LOCAL_DIRS=str(usercache / "appcache" / app))
        r = subprocess.run([sys.executable, "-c", "import demo; print(demo.__file__)"],
                           capture_output=True, text=True, env=env, cwd=container, timeout=60)
        assert r.returncode == 0, r.stderr
        # The second application has no layer file at all: it finds the layer unpacked.
        assert r.stdout.strip() == str(usercache / "sparkenv-layers-v1" / layer["sha256"] /
                                       "site-packages" / "demo" / "__init__.py")
    assert not [p for p in (tmp_path / "application_1_0002").iterdir()]
