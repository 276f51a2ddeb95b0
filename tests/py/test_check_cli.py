"""`sparkenv check`: every kind of bad input gets its own pinned message and
exit code 2; valid input prints the normalized form (and, with a target, how
it applies)."""
import pytest

TARGET = ["--python", "3.11", "--platform", "manylinux_2_28_x86_64"]

BAD = [
    (["version", "1.0.x"], "invalid version '1.0.x': expected a number after '.'"),
    (
        ["specifier", ">=1.0,~=1"],
        "invalid specifier '~=1': ~= needs a release with at least two numbers, "
        "such as '~=1.0' (PEP 440) (in '>=1.0,~=1')",
    ),
    (
        ["requirement", "pandas[pyarrow>=2"],
        "invalid requirement 'pandas[pyarrow>=2': expected ']' after the extras "
        "(to match the '[' at position 6) at position 14",
    ),
    (
        ["marker", 'python_version >> "3"'],
        "invalid marker 'python_version >> \"3\"': expected a marker variable or "
        "quoted string at position 16",
    ),
    (
        ["wheel", "numpy-2.1.0.whl"],
        "invalid wheel filename 'numpy-2.1.0.whl': expected "
        "NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl, which has 5 or 6 '-'-separated "
        "parts, not 2",
    ),
]


@pytest.mark.parametrize("args,message", BAD, ids=[b[0][0] for b in BAD])
def test_bad_input_is_named(run, args, message):
    r = run("check", *args)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr == f"sparkenv: error: {message}\n"


def test_bad_metadata_file_names_file_and_field(run, tmp_path):
    path = tmp_path / "METADATA"
    path.write_text("Metadata-Version: 2.1\nName: foo\nVersion: 1..0\n")
    r = run("check", "metadata", path)
    assert r.returncode == 2
    assert r.stderr == (
        f"sparkenv: error: {path}: invalid metadata: Version '1..0': "
        "invalid version '1..0': expected a number after '.'\n"
    )


def test_missing_metadata_file(run, tmp_path):
    r = run("check", "metadata", tmp_path / "nope")
    assert r.returncode == 2
    assert r.stderr == f"sparkenv: error: cannot read metadata file '{tmp_path / 'nope'}'\n"


def test_valid_values_are_normalized(run):
    r = run("check", "version", "v1.0RC1")
    assert (r.returncode, r.stdout) == (0, "version: 1.0rc1\npre-release: yes\n")
    r = run("check", "specifier", ">=1.0, !=1.3.*", "--version", "1.3.2")
    assert (r.returncode, r.stdout) == (1, "specifier: !=1.3.*,>=1.0\n1.3.2 does not match\n")


def test_metadata_fields(run, tmp_path):
    path = tmp_path / "METADATA"
    path.write_text(
        "Metadata-Version: 2.4\nName: Foo.Bar\nVersion: 2.0\nRequires-Python: >=3.9\n"
        "Provides-Extra: S3\nRequires-Dist: numpy>=1.26\n"
        'Requires-Dist: boto3; extra == "s3"\n\nA description.\n'
    )
    r = run("check", "metadata", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "name: Foo.Bar\nversion: 2.0\nmetadata-version: 2.4\nrequires-python: >=3.9\n"
        'extra: s3\nrequires: numpy>=1.26\nrequires: boto3; extra == "s3"\n'
    )


def test_marker_and_requirement_are_evaluated_for_the_target_not_the_host(run):
    # The host runs Python 3.11 on Linux; the target is macOS on 3.12.
    mac = ["--python", "3.12", "--platform", "macosx_11_0_arm64"]
    r = run("check", "marker", 'sys_platform == "darwin" and python_version >= "3.12"', *mac)
    assert r.returncode == 0, r.stderr
    assert r.stdout.endswith("value for the target: true\n")
    r = run("check", "requirement", 'pandas; platform_machine == "x86_64"', *mac)
    assert r.stdout.endswith("applies to the target: no\n")
    r = run("check", "marker", 'extra == "S3"', *TARGET, "--extra", "s3")
    assert r.stdout.endswith("value for the target: true\n")


def test_wheel_rank_against_target(run):
    wheel = "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    r = run("check", "wheel", wheel, *TARGET)
    assert r.returncode == 0
    assert "best tag is number 12 of 714 (cp311-cp311-manylinux_2_17_x86_64)" in r.stdout
    r = run("check", "wheel", wheel.replace("x86_64", "aarch64"), *TARGET)
    assert r.returncode == 1
    assert r.stdout.endswith("not compatible with the target\n")
