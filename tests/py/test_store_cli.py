"""`sparkenv push`, `ls`, `show`, `diff`, `pull`, `rm` and `gc` on file://
stores: no test bed, seconds. The contract is docs/store.md and
docs/store-format.md; whole messages and outputs are pinned.

Environments come from two places: real ones built by `sparkenv build` from
tiny generated wheels (v1 = alpha 1.0 + beta 2.0, v2 = alpha 1.0 + beta 2.1:
one package apart), and folders written directly with made-up layers of any
size (store_env.make_env) for the fault tests.
"""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store_env import (changes, env_files, format_bytes, hostile_tag, make_env,  # noqa: E402
                       scrub, snapshot, table, DATE_SHAPE)
from test_lock_cli import make_wheel  # noqa: E402

TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]
SENTINEL = "SENTINEL-s3cr3t-7f3a9c"


def sparkenv(bin_path, *args, env=None, timeout=120):
    return subprocess.run([bin_path, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def ok(p):
    assert p.returncode == 0, f"rc={p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def built(tmp_path_factory, sparkenv_bin):
    """Two real environments one package apart: {"v1": Path, "v2": Path}."""
    work = tmp_path_factory.mktemp("built")
    links = work / "links"
    links.mkdir()
    make_wheel(links, "alpha", "1.0", [])
    make_wheel(links, "beta", "2.0", [])
    make_wheel(links, "beta", "2.1", [])
    out = {}
    for name, beta in (("v1", "beta==2.0"), ("v2", "beta==2.1")):
        lock = work / f"{name}.toml"
        ok(sparkenv(sparkenv_bin, "lock", "alpha", beta, "--no-index", "--find-links", links,
                    *TARGET, "--cache-dir", work / "cache", "-o", lock))
        ok(sparkenv(sparkenv_bin, "build", lock, "-o", work / name, "--cache-dir", work / "cache"))
        out[name] = work / name
    return out


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def layer_of(m: dict, package: str) -> dict:
    return next(l for l in m["layers"] if l["package"] == package)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def cli(sparkenv_bin):
    def _cli(*args, **kw):
        return sparkenv(sparkenv_bin, *args, **kw)
    return _cli


# ------------------------------------------------------------------ the round trip


def test_push_ls_show_pull(cli, built, store, tmp_path):
    m1 = manifest(built["v1"])
    id1, short = m1["env_id"], m1["env_id"][:12]
    url = f"file://{store}"
    size = sum(l["size"] for l in m1["layers"])
    p = ok(cli("push", built["v1"], url, "--tag", "app:v1", "--tag", "app"))
    assert p.stdout == f"{url}@{id1}\n"
    sent = p.stderr.split("  sent: ")[1].split("\n")[0]
    assert scrub(p.stderr) == (
        f"Pushed environment {short} (2 packages, {format_bytes(size)}) to {url} in <T>\n"
        f"  blobs: 2 uploaded ({format_bytes(size)}), 0 already in the store\n"
        "  manifest: written\n"
        f"  sent: {sent}\n"
        f"  tag app:v1 -> {short} (new)\n"
        f"  tag app:latest -> {short} (new)\n")
    # Everything the store holds, and nothing else.
    assert sorted(str(p.relative_to(store)) for p in store.rglob("*") if p.is_file()) == sorted(
        ["sparkenv-store.json", f"envs/{id1}.json", "tags/app/v1.json", "tags/app/latest.json"]
        + [f"blobs/{l['sha256']}.tar.gz" for l in m1["layers"]])
    assert (store / f"envs/{id1}.json").read_bytes() == (built["v1"] / "manifest.json").read_bytes()
    assert json.loads((store / "sparkenv-store.json").read_text()) == {"format": "sparkenv-store/1"}
    tag = json.loads((store / "tags/app/v1.json").read_text())
    assert sorted(tag) == ["env_id", "format", "name", "tag", "updated"]
    assert (tag["env_id"], tag["format"], tag["name"], tag["tag"]) == (id1, "sparkenv-tag/1", "app", "v1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", tag["updated"])

    p = ok(cli("ls", url))
    assert p.stderr == ""
    python, D = m1["target"]["markers"]["python_full_version"], DATE_SHAPE
    assert scrub(p.stdout) == (
        table([["TAG", "ENVIRONMENT", "UPDATED (UTC)"], ["app:latest", short, D],
               ["app:v1", short, D]]) + "\n"
        + table([["ENVIRONMENT", "PUSHED (UTC)", "PYTHON", "PACKAGES", "SIZE", "TAGS"],
                 [short, D, python, "2", format_bytes(size), "app:latest app:v1"]])
        + "\n"
        + f"1 environment, 2 tags; 2 blobs ({format_bytes(size)}) in {url}\n")
    listing = json.loads(ok(cli("ls", url, "--json")).stdout)
    assert [(t["name"], t["tag"], t["env_id"], t["env_present"]) for t in listing["tags"]] == [
        ("app", "latest", id1, True), ("app", "v1", id1, True)]
    (env,) = listing["environments"]
    assert (env["env_id"], env["packages"], env["size"], env["tags"]) == (
        id1, 2, size, ["app:latest", "app:v1"])
    assert listing["blobs"] == {"count": 2, "bytes": size}

    p = ok(cli("show", f"{url}/app:v1"))
    alpha, beta = layer_of(m1, "alpha"), layer_of(m1, "beta")
    installed = sum(l["installed_bytes"] for l in m1["layers"])
    files = sum(l["files"] for l in m1["layers"])
    markers = m1["target"]["markers"]
    rows = [["PACKAGE", "VERSION", "SIZE", "INSTALLED", "LAYER"]] + [
        [l["package"], l["version"], format_bytes(l["size"]), format_bytes(l["installed_bytes"]),
         l["sha256"][:12]] for l in (alpha, beta)]
    assert p.stdout == (
        f"Environment  {id1}\n"
        f"Reference    {url}/app:v1\n"
        f"Target       CPython {markers['python_full_version']} on linux x86_64 "
        f"(tags {m1['target']['tags_sha256'][:12]})\n"
        f"Lock         sha256 {m1['lock_sha256']}\n"
        f"Created by   {m1['created_by']}\n"
        f"Size         {format_bytes(size)} in 2 layers; {format_bytes(installed)} installed, "
        f"{files} files\n"
        "\n" + table(rows))
    shown = json.loads(ok(cli("show", f"{url}@{id1[:8]}", "--json")).stdout)
    assert shown["env_id"] == id1 and shown["reference"] == f"{url}@{id1[:8]}"
    assert [(l["package"], l["url"]) for l in shown["layers"]] == [
        (l["package"], f"file://{store}/blobs/{l['sha256']}.tar.gz") for l in m1["layers"]]
    # show reads a build folder the same way.
    assert json.loads(ok(cli("show", built["v1"], "--json")).stdout)["env_id"] == id1

    out = tmp_path / "pulled"
    p = ok(cli("pull", f"{url}/app", out))
    assert scrub(p.stderr) == (
        f"Pulled environment {short} (2 layers, {format_bytes(size)}) into {out} in <T>\n")
    assert env_files(out) == env_files(built["v1"])  # byte-identical
    # Pulling again replaces the folder whole.
    ok(cli("pull", f"{url}@{id1}", out, "-q"))
    assert env_files(out) == env_files(built["v1"])


def test_incremental_push_sends_only_the_new_package(cli, built, store):
    m2 = manifest(built["v2"])
    url = f"file://{store}"
    ok(cli("push", built["v1"], url, "--tag", "app"))
    before = snapshot(store)
    report = json.loads(ok(cli("push", built["v2"], url, "--tag", "app", "--json", "-q")).stdout)
    after = snapshot(store)
    beta = layer_of(m2, "beta")
    tag_size = (store / "tags/app/latest.json").stat().st_size
    manifest_size = (built["v2"] / "manifest.json").stat().st_size
    assert (report["blobs"], report["blobs_uploaded"], report["blobs_present"]) == (2, 1, 1)
    assert report["blob_bytes_uploaded"] == beta["size"]
    assert report["bytes_sent"] == beta["size"] + manifest_size + tag_size
    assert report["manifest_written"] is True and report["store_created"] is False
    assert report["tags"] == [{"name": "app", "tag": "latest", "moved": True,
                               "previous_env_id": manifest(built["v1"])["env_id"]}]
    # Independently of the report: exactly these files were created or changed.
    assert changes(before, after) == {
        "created": sorted([f"blobs/{beta['sha256']}.tar.gz", f"envs/{m2['env_id']}.json"]),
        "changed": ["tags/app/latest.json"],
        "removed": [],
    }
    # Pushing it again sends nothing and changes nothing.
    report = json.loads(ok(cli("push", built["v2"], url, "--tag", "app", "--json", "-q")).stdout)
    assert (report["blobs_uploaded"], report["bytes_sent"], report["manifest_written"]) == (0, 0, False)
    assert report["tags"][0]["moved"] is False
    assert snapshot(store) == after


def test_moving_a_tag_diff_rm_and_gc(cli, built, store, tmp_path):
    m1, m2 = manifest(built["v1"]), manifest(built["v2"])
    s1, s2 = m1["env_id"][:12], m2["env_id"][:12]
    url = f"file://{store}"
    ok(cli("push", built["v1"], url, "--tag", "app:prod", "--tag", "app:v1"))
    p = ok(cli("push", built["v2"], url, "--tag", "app:prod"))
    assert p.stderr.endswith(f"  tag app:prod -> {s2} (was {s1})\n")
    assert json.loads(ok(cli("show", f"{url}/app:prod", "--json")).stdout)["env_id"] == m2["env_id"]

    b1, b2 = layer_of(m1, "beta"), layer_of(m2, "beta")
    p = ok(cli("diff", f"{url}/app:v1", f"{url}/app:prod"))
    assert p.stdout == (
        f"--- {url}/app:v1 ({s1})\n"
        f"+++ {url}/app:prod ({s2})\n"
        "~  beta  2.0 -> 2.1\n"
        f"0 added, 0 removed, 1 changed, 1 unchanged; {format_bytes(b2['size'])} of layers not "
        f"in {s1}\n")
    d = json.loads(ok(cli("diff", built["v1"], f"{url}/app:prod", "--json")).stdout)
    assert d["changed"] == [{"package": "beta",
                             "from": {"version": "2.0", "sha256": b1["sha256"], "size": b1["size"]},
                             "to": {"version": "2.1", "sha256": b2["sha256"], "size": b2["size"]}}]
    assert (d["added"], d["removed"], d["unchanged"], d["same"]) == ([], [], 1, False)
    p = ok(cli("diff", f"{url}/app:prod", built["v2"]))
    assert p.stdout.endswith("No differences (2 packages)\n")

    # rm: an environment a tag names is refused, then its tag goes, then it.
    p = cli("rm", f"{url}@{m1['env_id'][:8]}")
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == (f"sparkenv: error: environment {s1} in store '{url}' is named by the tag "
                        "app:v1: remove it first, or use --force to remove it with the environment\n")
    p = ok(cli("rm", f"{url}/app:v1"))
    assert p.stdout == f"Removed tag app:v1 from {url} (it named {s1})\n"
    p = ok(cli("rm", f"{url}@{m1['env_id'][:8]}"))
    assert p.stdout == (f"Removed environment {s1} from {url}; its blobs go with the next "
                        "'sparkenv gc'\n")
    p = cli("show", f"{url}/app:v1")
    assert (p.returncode, p.stderr) == (
        1, f"sparkenv: error: no tag 'app:v1' in store '{url}'; 'app' has the tags prod\n")

    # gc: beta 2.0 is unreferenced but young: kept by the default grace.
    old_blob = f"blobs/{b1['sha256']}.tar.gz"
    p = ok(cli("gc", url))
    assert p.stdout == (f"Removed 0 blobs and 0 temporary objects (0 B) from {url}; kept 2 blobs "
                        "used by 1 environment, and 1 unused blob and 0 temporary objects younger "
                        "than the grace period (24h)\n")
    # A temporary object left by a killed push, two days old.
    stale = store / "tmp" / "x.tar.gz.0123456789abcdef.tmp"
    stale.write_bytes(b"partial")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    p = ok(cli("gc", url, "--grace", "0", "--dry-run"))
    assert scrub(p.stdout) == (
        f"would remove {old_blob}  {format_bytes(b1['size'])}  0 seconds old\n"
        f"would remove tmp/{stale.name}  7 B  2 days old\n"
        f"Would remove 1 blob and 1 temporary object ({format_bytes(b1['size'] + 7)}) from {url}; "
        "kept 2 blobs used by 1 environment, and 0 unused blobs and 0 temporary objects younger "
        "than the grace period (0)\n")
    assert (store / old_blob).exists() and stale.exists()
    before = snapshot(store)
    p = ok(cli("gc", url, "--grace", "0"))
    assert p.stdout.splitlines()[-1].startswith("Removed 1 blob and 1 temporary object")
    assert changes(before, snapshot(store)) == {"created": [], "changed": [],
                                                "removed": sorted([old_blob, f"tmp/{stale.name}"])}
    ok(cli("pull", f"{url}/app:prod", tmp_path / "prod", "-q"))
    assert env_files(tmp_path / "prod") == env_files(built["v2"])
    p = ok(cli("ls", url))
    assert p.stdout.endswith(f"1 environment, 1 tag; 2 blobs "
                             f"({format_bytes(sum(l['size'] for l in m2['layers']))}) in {url}\n")


# ------------------------------------------------------------------ faults and races


def test_a_push_killed_midway_completes_when_run_again(cli, sparkenv_bin, store, tmp_path):
    """kill -9 during a throttled push (SPARKENV_TEST_THROTTLE_BPS, test-only),
    while a reader polls `show`: the reader never sees the environment before
    all its blobs are there; the second push uploads only what was missing."""
    packages = {f"pkg{i}": ("1.0", 64 * 1024) for i in range(8)}
    m = make_env(tmp_path / "big", packages, "kill")
    url = f"file://{store}"
    ref = f"{url}/app:kill"
    seen = {"complete": 0, "absent": 0, "bad": []}
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            p = sparkenv(sparkenv_bin, "show", ref, "--json")
            if p.returncode == 0:
                shown = json.loads(p.stdout)
                missing = [l["sha256"] for l in shown["layers"]
                           if not (store / "blobs" / f"{l['sha256']}.tar.gz").is_file()
                           or (store / "blobs" / f"{l['sha256']}.tar.gz").stat().st_size != l["size"]]
                if missing or shown["env_id"] != m["env_id"]:
                    seen["bad"].append(("incomplete", missing))
                seen["complete"] += 1
            elif p.returncode == 1 and (
                    p.stderr == f"sparkenv: error: no sparkenv store at '{url}' (it has no "
                                "sparkenv-store.json)\n"
                    or p.stderr.startswith(f"sparkenv: error: no tag 'app:kill' in store '{url}'")):
                seen["absent"] += 1
            else:
                seen["bad"].append((p.returncode, p.stderr))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        env = dict(os.environ, SPARKENV_TEST_THROTTLE_BPS=str(256 * 1024))  # 0.25 s per blob
        push = subprocess.Popen([sparkenv_bin, "push", tmp_path / "big", url, "--tag", "app:kill",
                                 "-j", "1"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while time.time() < deadline:
            if len(list((store / "blobs").glob("*.tar.gz"))) >= 3 if (store / "blobs").is_dir() else False:
                break
            time.sleep(0.02)
        push.send_signal(signal.SIGKILL)
        push.wait()
        assert push.returncode == -signal.SIGKILL
        present = len(list((store / "blobs").glob("*.tar.gz")))
        assert 3 <= present < 8
        assert not (store / "envs").exists() or not list((store / "envs").iterdir())
        assert not (store / "tags").exists() or not list((store / "tags").rglob("*.json"))
        time.sleep(0.3)  # the reader keeps polling the unfinished store
        report = json.loads(ok(cli("push", tmp_path / "big", url, "--tag", "app:kill", "--json",
                                   "-q")).stdout)
        assert (report["blobs_uploaded"], report["blobs_present"]) == (8 - present, present)
        assert report["blob_bytes_uploaded"] == (8 - present) * 64 * 1024
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
    assert seen["bad"] == []
    assert seen["absent"] > 0 and seen["complete"] > 0, seen
    out = tmp_path / "out"
    ok(cli("pull", ref, out, "-q"))
    assert env_files(out) == env_files(tmp_path / "big")
    # Nothing is left in flight.
    assert list((store / "tmp").iterdir()) == []


def test_two_pushes_racing_on_one_tag(cli, sparkenv_bin, store, tmp_path):
    url = f"file://{store}"
    ids = []
    for name in ("a", "b"):
        packages = {f"{name}{i}": ("1.0", 32 * 1024) for i in range(4)}
        packages["shared"] = ("1.0", 32 * 1024)
        ids.append(make_env(tmp_path / name, packages, name)["env_id"])
    env = dict(os.environ, SPARKENV_TEST_THROTTLE_BPS=str(512 * 1024))
    for _ in range(3):
        pushes = [subprocess.Popen([sparkenv_bin, "push", tmp_path / name, url, "--tag", "app:race",
                                    "-q"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                  for name in ("a", "b")]
        for p in pushes:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
        shown = json.loads(ok(cli("show", f"{url}/app:race", "--json")).stdout)
        assert shown["env_id"] in ids
        folder = tmp_path / ("a" if shown["env_id"] == ids[0] else "b")
        ok(cli("pull", f"{url}/app:race", tmp_path / "pulled", "-q"))
        assert env_files(tmp_path / "pulled") == env_files(folder)
    assert list((store / "tmp").iterdir()) == []


# ------------------------------------------------------------------ permissions


def modes(store: Path) -> set:
    return {(str(p.relative_to(store)) if p != store else ".", stat.S_IMODE(p.stat().st_mode))
            for p in [store, *store.rglob("*")]}


def test_published_objects_are_world_readable_unless_private(cli, built, tmp_path):
    old = os.umask(0o077)
    try:
        ok(cli("push", built["v1"], tmp_path / "public", "--tag", "app", "-q"))
        ok(cli("push", built["v1"], tmp_path / "private", "--tag", "app", "--private", "-q"))
    finally:
        os.umask(old)
    for name, file_mode, dir_mode in (("public", 0o644, 0o755), ("private", 0o600, 0o700)):
        got = modes(tmp_path / name)
        assert {m for p, m in got if (tmp_path / name / p).is_file()} == {file_mode}, got
        assert {m for p, m in got if (tmp_path / name / p).is_dir()} == {dir_mode}, got
    # The ancestors of a public store are traversable by others (YARN PUBLIC).
    assert stat.S_IMODE(tmp_path.stat().st_mode) & 0o011 == 0o011


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
def test_permission_denied_is_a_clear_error(sparkenv_bin, tmp_path_factory):
    base = Path(f"/tmp/sparkenv-perm-{os.getpid()}")
    base.mkdir(mode=0o755)
    try:
        make_env(base / "env", {"alpha": ("1.0", 100)}, "perm")
        for p in [base / "env", *(base / "env").rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        (base / "store").mkdir(mode=0o755)  # owned by root: nobody may not write
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            sparkenv_bin, "push", base / "env", base / "store"],
                           capture_output=True, text=True, timeout=60)
        if "sparkenv" in p.stderr and "Permission denied" in p.stderr and "exec" in p.stderr:
            pytest.skip("the binary is not executable by nobody")
        assert p.returncode == 1, p.stderr
        assert p.stderr == (f"sparkenv: error: cannot create the folder '{base}/store/tmp': "
                            "permission denied\n")
        assert list((base / "store").iterdir()) == []
    finally:
        subprocess.run(["rm", "-rf", str(base)])


# ------------------------------------------------------------------ bad input and hostile stores


def error_cases(tmp_path, built):
    store = tmp_path / "store"
    url = f"file://{store}"
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    not_env = tmp_path / "not-env"
    (not_env / "x").mkdir(parents=True)
    future = tmp_path / "future"
    future.mkdir()
    (future / "sparkenv-store.json").write_text('{"format": "sparkenv-store/2"}')
    return [
        (["push", tmp_path / "none", url], 2,
         f"environment folder '{tmp_path}/none' does not exist (build one with 'sparkenv build "
         "LOCK -o DIR')"),
        (["push", not_env, url], 2,
         f"'{not_env}' is not an environment folder: it has no manifest.json (build one with "
         "'sparkenv build LOCK -o DIR')"),
        (["push", built["v1"], url, "--tag", "my app"], 2,
         "invalid tag 'my app': the name 'my app' must be 1-128 of A-Z a-z 0-9 . _ - starting "
         "with a letter or digit"),
        (["push", built["v1"], a_file], 2, f"store '{a_file}' is not a folder: '{a_file}' is a file"),
        (["push", built["v1"], "ftp://host/envs"], 2,
         "unsupported store URL 'ftp://host/envs': expected file://, hdfs://, webhdfs://, "
         "httpfs://, s3:// or a local path"),
        (["push", built["v1"], "file://host/envs"], 2,
         "invalid store URL 'file://host/envs': a file URL names an absolute path without a host, "
         "as in file:///srv/envs"),
        (["push", built["v1"], future], 2,
         f"store '{future}' has format 'sparkenv-store/2', which this sparkenv does not read (it "
         "reads sparkenv-store/1): upgrade sparkenv"),
        (["ls", url], 1, f"no sparkenv store at '{url}' (it has no sparkenv-store.json)"),
        (["show", f"{url}/app"], 1, f"no sparkenv store at '{url}' (it has no sparkenv-store.json)"),
        (["show", f"{url}@0123"], 2,
         f"invalid environment reference '{url}@0123': an environment id is 8 to 64 lowercase hex "
         "digits"),
        (["show", "nothing-here"], 2,
         "invalid environment reference 'nothing-here': expected STORE/NAME[:TAG], STORE@ENVID or "
         "a folder written by 'sparkenv build'"),
        (["pull", built["v1"], tmp_path / "out"], 2,
         f"'{built['v1']}' is a local environment folder: pull copies from a store "
         "(STORE/NAME[:TAG] or STORE@ENVID)"),
        (["rm", built["v1"]], 2,
         f"'{built['v1']}' is a local environment folder: rm removes a tag (STORE/NAME:TAG) or an "
         "environment (STORE@ENVID) from a store"),
        (["gc", url, "--grace", "1 day"], 2,
         "invalid --grace '1 day': expected a duration such as 30m, 24h, 7d or 1h30m (units s, m, "
         "h, d, w)"),
        (["gc", url], 1, f"no sparkenv store at '{url}' (it has no sparkenv-store.json)"),
    ]


def test_errors_name_the_input_and_write_nothing(cli, built, tmp_path):
    for args, code, message in error_cases(tmp_path, built):
        p = cli(*args)
        assert (p.returncode, p.stderr, p.stdout) == (code, f"sparkenv: error: {message}\n", ""), args
    assert not (tmp_path / "store").exists()
    assert not (tmp_path / "out").exists()


def test_store_errors_after_a_push(cli, built, store, tmp_path):
    url = f"file://{store}"
    ok(cli("push", built["v1"], url, "--tag", "app:prod", "-q"))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    for args, code, message in [
        (["show", f"{url}/web"], 1,
         f"no tag 'web:latest' in store '{url}'; it has no environment named 'web'"),
        (["show", f"{url}@{'0' * 8}"], 1, f"no environment 00000000 in store '{url}'"),
        (["rm", f"{url}/app:dev"], 1, f"no tag 'app:dev' in store '{url}'"),
        (["pull", f"{url}/app:prod", tmp_path / "mine"], 2,
         f"output folder '{tmp_path}/mine' exists and is not a sparkenv environment: remove it or "
         "choose another"),
    ]:
        p = cli(*args)
        assert (p.returncode, p.stderr) == (code, f"sparkenv: error: {message}\n"), args
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


def test_a_hostile_store_cannot_name_paths(cli, built, store, tmp_path):
    url = f"file://{store}"
    m1 = manifest(built["v1"])
    ok(cli("push", built["v1"], url, "--tag", "app", "-q"))
    (store / "tags/app/evil.json").write_text(hostile_tag("../../../../etc/passwd", tag="evil"))
    p = cli("show", f"{url}/app:evil")
    assert (p.returncode, p.stderr) == (
        2, f"sparkenv: error: {url}/tags/app/evil.json: env_id must be 64 lowercase hex digits "
           "(not a tag written by sparkenv)\n")
    p = cli("pull", f"{url}/app:evil", tmp_path / "out")
    assert p.returncode == 2 and not (tmp_path / "out").exists()
    # A manifest whose layer names a path.
    text = (store / f"envs/{m1['env_id']}.json").read_text()
    (store / f"envs/{m1['env_id']}.json").write_text(
        text.replace(m1["layers"][0]["sha256"], "../../../../../../../etc/passwd", 1))
    p = cli("pull", f"{url}/app", tmp_path / "out")
    assert (p.returncode, p.stderr) == (
        2, f"sparkenv: error: {url}/envs/{m1['env_id']}.json: layers[0]: sha256 and wheel_sha256 "
           "must be 64 lowercase hex digits\n")
    assert not (tmp_path / "out").exists()
    # ls reports what it skips and lists the rest.
    p = ok(cli("ls", url))
    assert p.stderr == (
        f"sparkenv: warning: skipped an environment: {url}/envs/{m1['env_id']}.json: layers[0]: "
        "sha256 and wheel_sha256 must be 64 lowercase hex digits\n"
        f"sparkenv: warning: skipped a tag: {url}/tags/app/evil.json: env_id must be 64 lowercase "
        "hex digits (not a tag written by sparkenv)\n")
    # gc refuses to guess what an unreadable manifest references.
    p = cli("gc", url, "--grace", "0")
    assert p.returncode == 2 and p.stderr.startswith(
        "sparkenv: error: gc removes nothing while a manifest cannot be read")
    # A link inside the store is never followed.
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "prod.json").write_text(hostile_tag(m1["env_id"], tag="prod"))
    (store / "tags" / "web").symlink_to(tmp_path / "outside")
    p = cli("show", f"{url}/web:prod")
    assert (p.returncode, p.stderr) == (
        1, f"sparkenv: error: refusing to follow the symbolic link '{store}/tags/web' inside the "
           f"store '{url}'\n")


def test_credentials_never_appear_in_output(cli, built, tmp_path):
    """A sentinel secret in every place sparkenv could read one from: none of
    the commands, failing or not, prints it."""
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "credentials").write_text(
        f"[default]\naws_access_key_id = AKIASENTINEL\naws_secret_access_key = {SENTINEL}\n")
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIASENTINEL", AWS_SECRET_ACCESS_KEY=SENTINEL,
               AWS_SESSION_TOKEN=SENTINEL, AWS_SHARED_CREDENTIALS_FILE=str(aws / "credentials"),
               AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_DEFAULT_REGION="us-east-1",
               HADOOP_TOKEN_FILE_LOCATION=str(aws / "credentials"))
    store = tmp_path / "store"
    runs = [
        ["push", built["v1"], store, "--tag", "app"],
        ["ls", store, "--json"], ["show", f"{store}/app"], ["gc", store, "--dry-run"],
        ["push", built["v1"], f"file://user:{SENTINEL}@host/x"],
        ["ls", f"s3://AKIASENTINEL:{SENTINEL}@bucket/envs"],
        ["ls", "s3://sparkenv-no-such-bucket/envs", "--endpoint", "http://127.0.0.1:9"],
        ["show", f"hdfs://user:{SENTINEL}@127.0.0.1:9/envs/app"],
    ]
    for args in runs:
        p = cli(*args, env=env, timeout=120)
        assert SENTINEL not in p.stdout + p.stderr, (args, p.stdout, p.stderr)
    p = cli("ls", f"s3://AKIASENTINEL:{SENTINEL}@bucket/envs", env=env)
    assert (p.returncode, p.stderr) == (
        2, "sparkenv: error: invalid store URL 's3://AKIASENTINEL:***@bucket/envs': a store URL "
           "carries no password; credentials come from the environment (see docs/store.md)\n")


def test_help_reads_well(cli):
    for command in ("push", "ls", "show", "diff", "pull", "rm", "gc"):
        p = ok(cli("help", command))
        assert "Examples:\n  sparkenv " + command in p.stdout, p.stdout
        assert "docs/store.md" in p.stdout
    p = ok(cli("help"))
    for command in ("push", "ls", "show", "diff", "pull", "rm", "gc"):
        assert re.search(rf"^  {command} ", p.stdout, re.M), p.stdout
