"""`sparkenv target show`: both target file formats, the human output, and the
whole error message + exit code for bad input."""
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "targets"
PEX_SAMPLE = FIXTURES / "pex-inspect-cp311-linux-x86_64.json"
OWN_SAMPLE = FIXTURES / "cp311-manylinux_2_28_x86_64.json"


def show_json(run, *args):
    proc = run("target", "show", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


# --- accepted inputs -------------------------------------------------------


def test_pex_inspect_output_is_a_target_file(run):
    """A real `pex3 interpreter inspect --markers --tags --indent 2` of /usr/bin/python3.11."""
    sample = json.loads(PEX_SAMPLE.read_text())
    target = show_json(run, "--target", PEX_SAMPLE)
    assert target["tags"] == sample["compatible_tags"]
    assert target["markers"] == sample["marker_environment"]


def test_declared_target_equals_a_real_interpreter(run):
    """pex computed the sample's tags on a real CPython 3.11.2 with glibc 2.36:
    declaring the same interpreter gives the same list, in the same order."""
    sample = json.loads(PEX_SAMPLE.read_text())
    declared = show_json(run, "--python", "3.11.2", "--platform", "manylinux_2_36_x86_64")
    assert declared["tags"] == sample["compatible_tags"]
    expected_markers = dict(sample["marker_environment"], platform_release="", platform_version="")
    assert declared["markers"] == expected_markers


def test_own_format_round_trips(run, tmp_path):
    target = show_json(run, "--target", OWN_SAMPLE)
    assert target == json.loads(OWN_SAMPLE.read_text())
    assert target == show_json(run, "--python", "3.11.9", "--platform", "manylinux_2_28_x86_64")
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps(target))
    assert show_json(run, "--target", copy) == target


def test_human_output(run):
    proc = run("target", "show", "--python", "3.12", "--platform", "musllinux_1_1_aarch64")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Marker environment:"
    assert '  platform_machine               = "aarch64"' in lines
    assert '  python_full_version            = "3.12.0"' in lines
    tags_at = lines.index("Tags, best first (96):")
    assert lines[tags_at + 1] == "   1  cp312-cp312-musllinux_1_1_aarch64"
    assert lines[tags_at + 2] == "   2  cp312-cp312-musllinux_1_0_aarch64"
    assert lines[tags_at + 3] == "   3  cp312-cp312-linux_aarch64"
    assert lines[-1] == "  96  py30-none-any"


def test_platforms_concatenate_in_order_with_linux_last(run):
    tags = show_json(run, "--python", "3.11", "--platform", "manylinux_2_28_x86_64",
                     "--platform", "musllinux_1_1_x86_64")["tags"]
    first_block = [t.split("-", 2)[2] for t in tags if t.startswith("cp311-cp311-")]
    assert first_block[0] == "manylinux_2_28_x86_64"
    assert first_block[-3:] == ["musllinux_1_1_x86_64", "musllinux_1_0_x86_64", "linux_x86_64"]


def test_legacy_alias_and_free_threaded_abi(run):
    tags = show_json(run, "--python", "3.13", "--abi", "cp313t", "--platform", "manylinux2014_x86_64")["tags"]
    assert tags[0] == "cp313-cp313t-manylinux_2_17_x86_64"
    assert tags[1] == "cp313-cp313t-manylinux2014_x86_64"
    assert "cp313-abi3t-manylinux_2_17_x86_64" in tags
    assert not any("-abi3-" in t for t in tags)


def test_help_target_shows_examples(run):
    proc = run("help", "target")
    assert proc.returncode == 0
    assert "sparkenv target show --python 3.11 --platform manylinux_2_28_x86_64" in proc.stdout
    proc = run("target", "show", "--help")
    assert proc.returncode == 0
    assert "--platform" in proc.stdout and "--target" in proc.stdout and "Examples:" in proc.stdout


# --- bad input: whole message and exit code --------------------------------

FORMS = ("expected sparkenv's format {\"markers\": {...}, \"tags\": [...]} (as 'sparkenv target show "
         "--json' prints) or the output of 'pex3 interpreter inspect --markers --tags'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--python", "3", "--platform", "manylinux_2_17_x86_64"],
         "invalid Python version '3': expected MAJOR.MINOR or MAJOR.MINOR.MICRO, e.g. '3.11' or '3.11.9'"),
        (["--python", "3.x", "--platform", "manylinux_2_17_x86_64"],
         "invalid Python version '3.x': expected MAJOR.MINOR or MAJOR.MINOR.MICRO, e.g. '3.11' or '3.11.9'"),
        (["--python", "2.7", "--platform", "manylinux_2_17_x86_64"],
         "unsupported Python version '2.7': sparkenv targets CPython 3.7 and later"),
        (["--python", "3.11", "--platform", "windows_x86_64"],
         "unknown platform tag 'windows_x86_64': expected manylinux_2_<glibc minor>_<arch>, "
         "musllinux_1_<musl minor>_<arch>, linux_<arch> or macosx_<major>_<minor>_<arch>, "
         "e.g. 'manylinux_2_28_x86_64'"),
        (["--python", "3.11", "--platform", "manylinux_2_17_sparc"],
         "unknown architecture 'sparc' in platform tag 'manylinux_2_17_sparc': expected one of "
         "x86_64, i686, aarch64, armv7l, ppc64, ppc64le, s390x, riscv64, loongarch64"),
        (["--python", "3.11", "--platform", "manylinux_2_12_aarch64"],
         "platform tag 'manylinux_2_12_aarch64' is older than manylinux supports on aarch64: "
         "the oldest is manylinux_2_17_aarch64"),
        (["--python", "3.11", "--platform", "macosx_10_15_arm64"],
         "platform tag 'macosx_10_15_arm64' does not exist: macOS on arm64 starts at 11.0 "
         "(macosx_11_0_arm64)"),
        (["--python", "3.11", "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux_2_28_aarch64"],
         "platform 'manylinux_2_28_aarch64' conflicts with 'manylinux_2_17_x86_64': every --platform "
         "must describe the same machine (Linux x86_64 vs Linux aarch64)"),
        (["--python", "3.11"],
         "--platform is required to declare a target: name the cluster's platform, e.g. "
         "--platform manylinux_2_28_x86_64"),
        ([],
         "--python is required to declare a target: give the cluster's Python version, e.g. --python 3.11"),
        (["--python", "3.11", "--platform", "manylinux_2_17_x86_64", "--implementation", "pp"],
         "implementation 'pp' is not supported yet: --implementation accepts only 'cp' (CPython); "
         "describe other interpreters with --target FILE.json (e.g. the output of 'pex3 interpreter "
         "inspect --markers --tags')"),
        (["--python", "3.11", "--platform", "manylinux_2_17_x86_64", "--abi", "cp311m"],
         "invalid ABI 'cp311m' for Python 3.11: expected one of cp311, cp311d"),
        (["--target", "x.json", "--python", "3.11"],
         "--target cannot be combined with --python: the target file 'x.json' already describes "
         "the interpreter"),
    ],
)
def test_bad_options(run, args, message):
    proc = run("target", "show", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"sparkenv: error: {message}\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"markers": {', "is not valid JSON: parse error at line 1, column 14: syntax error while "
                          "parsing object key - unexpected end of input; expected string literal"),
        ("", "is not valid JSON: parse error at line 1, column 1: syntax error while parsing value - "
             "unexpected end of input; expected '[', '{', or a literal"),
        ("[]", "must hold a JSON object, not array: " + FORMS),
        ('{"markers": {}}', 'has no "tags": ' + FORMS),
        ('{"path": "/usr/bin/python3"}', 'has no "tags": ' + FORMS),
        ('{"marker_environment": {}}', 'has no "compatible_tags": ' + FORMS),
        ('{"tags": ["py3-none-any"]}', 'has no "markers": ' + FORMS),
        ('{"tags": "py3-none-any", "markers": {}}', 'has a non-list "tags": ' + FORMS),
        ('{"tags": ["py3-none-any"], "markers": {"os_name": 1}}',
         ': "markers".os_name must be a string, not number'),
        ('{"tags": ["py3-none-any"], "markers": {"os_name": "posix"}}',
         ": \"markers\" has no 'implementation_name': every PEP 508 marker variable must be given "
         "(use \"\" when unknown)"),
        ('{"a": 1} {"b": 2}', " holds more than one JSON value: a target file describes one interpreter "
                              "('pex3 interpreter inspect' prints one object per interpreter)"),
    ],
)
def test_bad_target_files(run, tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(content)
    proc = run("target", "show", "--target", path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    sep = "" if message.startswith((":", " ")) else " "
    assert proc.stderr == f"sparkenv: error: target file '{path}'{sep}{message}\n"


def test_bad_tag_in_target_file(run, tmp_path):
    target = json.loads(OWN_SAMPLE.read_text())
    target["tags"][3] = "cp311-cp311"
    path = tmp_path / "t.json"
    path.write_text(json.dumps(target))
    proc = run("target", "show", "--target", path)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"sparkenv: error: target file '{path}': \"tags\"[3]: invalid tag 'cp311-cp311': expected "
        "INTERPRETER-ABI-PLATFORM, e.g. 'cp311-cp311-manylinux_2_17_x86_64' (it has 2 '-'-separated parts)\n"
    )


def test_missing_target_file(run, tmp_path):
    path = tmp_path / "missing.json"
    proc = run("target", "show", "--target", path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"sparkenv: error: cannot read target file '{path}': No such file or directory\n"


def test_target_file_is_a_directory(run, tmp_path):
    proc = run("target", "show", "--target", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == f"sparkenv: error: cannot read target file '{tmp_path}': it is a directory\n"
