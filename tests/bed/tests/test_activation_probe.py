"""`sparkenv target probe`: the executors' interpreter, probed on the
standalone cluster and on YARN, gives a target file that `sparkenv lock
--target` turns into exactly the lock of the equivalent `--python X.Y.Z
--platform manylinux_2_<glibc>_x86_64` -- with X.Y.Z and glibc read from the
workers' Python here, independently. A cluster whose executors run two
different interpreters is refused with a report of each."""
import json
import os
import subprocess

import pytest

from bed_activation import spark_conf, sparkenv
from bed_hadoop import yarn_conf, yarn_env, yarn_spark
from bed_spark import BedSpark


def declared_options(python):
    out = subprocess.run([str(python), "-c", "import os, platform, json; print(json.dumps("
                          "[platform.python_version(), os.confstr('CS_GNU_LIBC_VERSION'), "
                          "platform.machine()]))"], capture_output=True, text=True, check=True)
    version, glibc, machine = json.loads(out.stdout)
    major, minor = glibc.split()[1].split(".")[:2]
    return ["--python", version, "--platform", f"manylinux_{major}_{minor}_{machine}"]


@pytest.mark.parametrize("line,where", [("4", "standalone"), ("3.5", "yarn")])
def test_probed_target_locks_like_the_declared_options(bed_env, tmp_path, line, where):
    if where == "yarn":
        spark = yarn_spark(bed_env, line)
        extra = {**yarn_conf(spark, "client")}
        extra.pop("spark.submit.deployMode")
        env = spark.env(yarn_env(bed_env, spark))
        master = "yarn"
    else:
        spark = BedSpark.of(bed_env, line)
        extra, env, master = {}, spark.env(), spark.master
    target = tmp_path / "target.json"
    p = sparkenv("target", "probe", "--master", master, "-o", target, "--cache-dir",
                 tmp_path / "cache", "--", *spark_conf(extra), env=env, timeout=600)
    declared = declared_options(spark.python)
    assert (f"Target: {' '.join(declared)} (" in p.stderr), p.stderr[-2000:]
    assert "Probed " in p.stderr and f"({spark.python})" in p.stderr
    shown = json.loads(sparkenv("target", "show", *declared, "--json").stdout)
    assert json.loads(target.read_text()) == shown

    locks = []
    for args in (["--target", target], declared):
        lock = tmp_path / f"lock{len(locks)}.toml"
        sparkenv("lock", "numpy", "pandas", "--index-url", bed_env["BED_PYPI_URL"], *args,
                 "--cache-dir", tmp_path / "cache", "-o", lock)
        locks.append(lock.read_bytes())
    assert locks[0] == locks[1]


@pytest.mark.skipif(not os.access("/usr/bin/python3.11", os.X_OK),
                    reason="needs a second CPython 3.11 (/usr/bin/python3.11)")
def test_a_mixed_cluster_is_refused(bed_env, tmp_path):
    spark = BedSpark.of(bed_env, "4")
    # Executor 0 runs the system's Python 3.11, the others the bed's: the same
    # X.Y (Spark accepts it), two interpreters (the probe must not).
    wrapper = tmp_path / "mixed-python"
    wrapper.write_text(f"#!/bin/sh\nif [ \"$(basename \"$PWD\")\" = 0 ]; then exec "
                       f"/usr/bin/python3.11 \"$@\"; fi\nexec {spark.python} \"$@\"\n")
    wrapper.chmod(0o755)
    p = sparkenv("target", "probe", "--master", spark.master, "-o", tmp_path / "t.json",
                 "--cache-dir", tmp_path / "cache", "--",
                 *spark_conf({"spark.pyspark.python": str(wrapper),
                              "spark.pyspark.driver.python": str(spark.python)}),
                 env=spark.env({"PYSPARK_PYTHON": str(wrapper)}), check=False, timeout=600)
    assert p.returncode == 1, p.stderr[-3000:]
    system = subprocess.run(["/usr/bin/python3.11", "-c", "import platform; "
                             "print(platform.python_version())"], capture_output=True,
                            text=True, check=True).stdout.strip()
    bed = subprocess.run([str(spark.python), "-c", "import platform; "
                          "print(platform.python_version())"], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert system != bed
    error = p.stderr[p.stderr.index("sparkenv: error: "):]
    lines = error.splitlines()
    assert lines[0] == ("sparkenv: error: the executors run 2 different Python interpreters, and a "
                        "target describes one:")
    described = sorted(lines[1:3])
    assert described[0].startswith(f"  CPython {min(system, bed)} on linux x86_64 with glibc 2.")
    assert "executor 0 on " in "".join(lines[1:3]) and "executor 1 on " in "".join(lines[1:3])
    assert lines[3] == ("Run every executor with the same Python (spark.pyspark.python), or probe "
                        "and lock for each group separately.")
    assert not (tmp_path / "t.json").exists()
