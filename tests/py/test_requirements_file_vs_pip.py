"""Differential test: sparkenv's requirements-file reader against pip's own.

For each case the same files are read by pip's parser
(pip._internal.req.req_file.parse_requirements, from the dev venv's pip) and
by tests/tools/reqfile_dump (sparkenv's reader). Requirements, their line
numbers and files, hashes, constraints and the index options must agree, and
files pip rejects must be rejected too. The cases where sparkenv is stricter
on purpose (docs/inputs.md) are checked separately.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

import pip._internal.req.req_file as pip_req_file  # noqa: E402
from packaging.requirements import InvalidRequirement, Requirement  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402
from pip._internal.index.collector import LinkCollector  # noqa: E402
from pip._internal.index.package_finder import PackageFinder  # noqa: E402
from pip._internal.models.search_scope import SearchScope  # noqa: E402
from pip._internal.models.selection_prefs import SelectionPreferences  # noqa: E402
from pip._internal.network.session import PipSession  # noqa: E402
from pip._internal.req.constructors import install_req_from_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TOOL = Path(os.environ.get("SPARKENV_BUILD_DIR", ROOT / "build")) / "reqfile_dump"
H1 = "a" * 64
H2 = "0123456789abcdef" * 4

CASES = {
    "basic": {
        "requirements.txt": (
            "# a comment line\n"
            "numpy>=1.26   # trailing comment\n"
            "\n"
            "pandas[performance] >= 2.0 ; python_version >= '3.9'\n"
            "requests==2.31.* \\\n"
            "    ; sys_platform == 'linux'\n"
            "https://e.example/six-1.16.0-py2.py3-none-any.whl#sha256=1  # '#' after a blank starts a comment\n"
            "attrs\t# tab before the comment\n"
            "six \\\n"
            "# a comment ends the continuation\n"
            "pyarrow${SUFFIX}\n"
            "--extra-index-url https://h.example/${UNSET_VARIABLE_X}/simple\n"
            "last-one \\"
        ),
    },
    "options": {
        "requirements.txt": (
            "-i https://${HOST}/simple\n"
            "--extra-index-url https://extra.example/simple\n"
            "--extra-index-url=https://extra2.example/simple\n"
            "-f wheels\n"
            "--find-links https://links.example/\n"
            "--pre\n"
            "--prefer-binary\n"
            "--trusted-host pypi.example\n"
            "six\n"
        ),
        "wheels/placeholder.txt": "",
    },
    "no-index": {
        "requirements.txt": "--no-index\n--find-links=/tmp\nsix\n",
    },
    "nested": {
        "requirements.txt": "a\n-r sub/mid.txt\nz\n",
        "sub/mid.txt": "b\n--requirement=deeper/leaf.txt\n-c ../c.txt\n",
        "sub/deeper/leaf.txt": "c>=1\n",
        "c.txt": "-r sub/deeper/leaf.txt\nd<2\n",
    },
    "hashes": {
        "requirements.txt": (
            f"requests==2.31.0 \\\n    --hash=sha256:{H1} \\\n    --hash sha256:{H2}\n"
            f"idna==3.6 --hash=sha256:{H2.upper()}\n"
            "certifi==2024.2.2\n"
        ),
    },
    "urls": {
        "requirements.txt": (
            "https://files.example/p/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.whl\n"
            "https://files.example/p/attrs-25.1.0.tar.gz\n"
            "https://files.example/p/src.zip#egg=other-pkg\n"
            "pip @ https://example.com/pip-24.0-py3-none-any.whl\n"
            "./dist/my_pkg-1.0-py3-none-any.whl\n"
        ),
        "dist/my_pkg-1.0-py3-none-any.whl": "",
    },
    "line-endings": {
        "requirements.txt": "\ufeffnumpy\r\npandas \\\r\n>=2\r\nsix\rattrs\n",
    },
}

ERROR_CASES = {
    "cycle": {"requirements.txt": "a\n-r b.txt\n", "b.txt": "-c requirements.txt\n"},
    "missing": {"requirements.txt": "a\n-r missing.txt\n"},
    "unknown-option": {"requirements.txt": "--frobnicate\n"},
    "unclosed-quote": {"requirements.txt": "--index-url 'https://x\n"},
    "missing-value": {"requirements.txt": "-r\n"},
}

ENV = {"HOST": "pypi.example", "SUFFIX": ">=14"}


def write(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))


def pip_read(tmp_path):
    session = PipSession()
    scope = SearchScope.create(find_links=[], index_urls=[], no_index=False)
    finder = PackageFinder.create(
        link_collector=LinkCollector(session=session, search_scope=scope),
        selection_prefs=SelectionPreferences(allow_yanked=True),
    )
    reqs = []
    for parsed in pip_req_file.parse_requirements("requirements.txt", session, finder=finder):
        kind, rest = parsed.comes_from.split(" ", 1)
        path, line = rest.rsplit(" (line ", 1)
        hashes = [
            f"{algo}:{digest}"
            for algo, digests in (parsed.options or {}).get("hashes", {}).items()
            for digest in digests
        ]
        reqs.append(
            {
                "text": parsed.requirement,
                "constraint": parsed.constraint,
                "file": os.path.normpath(os.path.join(tmp_path, path)),
                "line": int(line.rstrip(")")),
                "hashes": hashes,
            }
        )
    index = {
        "index_urls": list(finder.index_urls),
        "find_links": list(finder.find_links),
        "no_index": finder.search_scope.no_index,
        "pre": ":all:" in (finder.release_control.all_releases if finder.release_control else ()),
    }
    return reqs, index


def ours(tmp_path):
    if not TOOL.exists():
        pytest.fail(f"{TOOL} not found: run scripts/build first")
    proc = subprocess.run(
        [str(TOOL), "requirements.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **ENV},
    )
    return proc.returncode, json.loads(proc.stdout)


def same_requirement(pip_text, ours_entry):
    try:
        return str(Requirement(pip_text)) == ours_entry["requirement"]
    except InvalidRequirement:
        ireq = install_req_from_line(pip_text)
        # pip names an sdist URL only from #egg=; sparkenv also from the
        # file name (attrs-25.1.0.tar.gz -> attrs).
        name_ok = ireq.name is None or canonicalize_name(ireq.name) == ours_entry["name"]
        return name_ok and ireq.link.url == ours_entry["url"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_result_as_pip(case, tmp_path, monkeypatch):
    write(tmp_path, CASES[case])
    monkeypatch.chdir(tmp_path)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    pip_reqs, pip_index = pip_read(tmp_path)
    rc, got = ours(tmp_path)
    assert rc == 0, got
    ours_all = [dict(r, constraint=False) for r in got["requirements"]] + [
        dict(r, constraint=True) for r in got["constraints"]
    ]
    # pip yields in file order with constraints interleaved; compare per kind.
    for constraint in (False, True):
        p = [r for r in pip_reqs if r["constraint"] == constraint]
        o = [r for r in ours_all if r["constraint"] == constraint]
        assert len(p) == len(o), (p, o)
        for pr, orr in zip(p, o):
            assert same_requirement(pr["text"], orr), (pr, orr)
            assert pr["line"] == orr["line"], (pr, orr)
            assert pr["file"] == os.path.normpath(os.path.join(tmp_path, orr["file"])), (pr, orr)
            assert sorted(h.lower() for h in pr["hashes"]) == sorted(orr["hashes"]), (pr, orr)
    idx = got["index"]
    if idx["no_index"]:
        index_urls = []
    else:
        index_urls = ([idx["index_url"]] if idx["index_url"] else []) + idx["extra_index_urls"]
    assert index_urls == pip_index["index_urls"]
    assert [os.path.normpath(os.path.join(tmp_path, f)) if "://" not in f else f
            for f in idx["find_links"]] == pip_index["find_links"]
    assert idx["no_index"] == pip_index["no_index"]
    assert idx["pre"] == pip_index["pre"]


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_rejected_like_pip(case, tmp_path, monkeypatch):
    write(tmp_path, ERROR_CASES[case])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception):
        pip_read(tmp_path)
    rc, got = ours(tmp_path)
    assert rc == 1
    assert got["error"].startswith("requirements.txt:") or got["error"].startswith("b.txt:")


STRICTER = {
    # (requirements.txt, start of sparkenv's error); pip accepts these.
    "editable": ("-e ./project\n", "requirements.txt:1: editable requirement './project'"),
    "option-after-requirement": (
        "six --index-url https://x\n",
        "requirements.txt:1: option '--index-url' cannot follow a requirement",
    ),
    "hash-without-requirement": (
        f"--hash=sha256:{H1}\n",
        "requirements.txt:1: option '--hash' needs a requirement on the same line",
    ),
    "weak-hash": ("six --hash=md5:abc\n", "requirements.txt:1: invalid --hash 'md5:abc'"),
}


@pytest.mark.parametrize("case", sorted(STRICTER))
def test_stricter_than_pip_on_purpose(case, tmp_path):
    text, error = STRICTER[case]
    write(tmp_path, {"requirements.txt": text, "project/setup.py": ""})
    rc, got = ours(tmp_path)
    assert rc == 1
    assert got["error"].startswith(error), got
