"""Lighthouse 12.2.3 on four kinds of page of the shipped site (home, an article, a topic, a
provider), served on 127.0.0.1: performance, accessibility, best practices and SEO must
each score 100 with Lighthouse's defaults (mobile, simulated throttling).

scripts/test.sh installs Lighthouse into ROOT/node_modules with npm; without it these tests
skip, except under CI=true where they fail. The four pages are audited one after another by
one Node process (`tests/tools/lighthouse.mjs`: Lighthouse's Node API with the CLI's
defaults, a fresh Chrome for each page, as the CLI launches), which spares loading
Lighthouse for each page.

NEWSGEN_LIGHTHOUSE_CORPUS=1000 adds that many generated seeds (benchmarks/corpus.py) to the
site first, to check the same pages on a large site.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from benchmarks.corpus import write_corpus
from tests.e2e.helpers import CHROMIUM, ServedSite, missing_tool, require_chromium
from tests.helpers import ROOT

REPORTS = ROOT / "test-artifacts" / "lighthouse"
"""Each page's JSON report, kept for a look (git-ignored)."""
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
RUNNER = ROOT / "tests" / "tools" / "lighthouse.mjs"
VERSION = "12.2.3"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGES = {
    "home": "",
    "article": ("2023/08/08/"
                "china-proposes-stricter-regulations-on-facial-recognition-to-protect-privacy/"),
    "topic": "topics/ai/",
    "provider": "providers/coinspeaker-com/",
}
CORPUS = int(os.environ.get("NEWSGEN_LIGHTHOUSE_CORPUS", "0") or 0)


def require_lighthouse(path: Path = LIGHTHOUSE, env: Mapping[str, str] | None = None) -> Path:
    """The locally installed Lighthouse CLI, or a skip; under CI=true, a failure."""
    env = os.environ if env is None else env
    manifest = path.parent.parent / "lighthouse" / "package.json"
    if path.is_file() and os.access(path, os.X_OK) and manifest.is_file():
        installed = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        assert installed == VERSION, f"node_modules has Lighthouse {installed}, not {VERSION}"
        return path
    reason = (f"{path} not found: scripts/test.sh installs it "
              f"(npm install --no-save --prefix . lighthouse@{VERSION})")
    missing_tool(reason, env)


@pytest.fixture(scope="module")
def site_folder(site_folder: Path) -> Path:
    """The conftest's shipped site; with NEWSGEN_LIGHTHOUSE_CORPUS, that many seeds more."""
    if CORPUS:
        write_corpus(site_folder / "seeds", CORPUS)
    return site_folder


@pytest.fixture(scope="module")
def lighthouse() -> Path:
    require_chromium()
    return require_lighthouse()


def run_lighthouse(binary: Path, pages: dict[Path, str]) -> dict[Path, dict[str, Any]]:
    """Each page's report (by the file it is written to → its URL), from Lighthouse run on
    them one after another by one Node process, each in a fresh Chrome."""
    node = shutil.which("node")
    assert node is not None, "node is not on the PATH (Lighthouse runs in it)"
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    for report in pages:
        report.unlink(missing_ok=True)
    done = subprocess.run(
        [node, str(RUNNER), (binary.parent.parent / "lighthouse").as_uri(),
         ",".join(CATEGORIES),
         *(str(part) for pair in pages.items() for part in pair)],
        env=env, capture_output=True, text=True, timeout=120 * len(pages), check=False)
    assert done.returncode == 0 and all(report.is_file() for report in pages), (
        f"lighthouse exited {done.returncode}:\n{done.stderr[-3000:]}")
    return {report: json.loads(report.read_text(encoding="utf-8")) for report in pages}


def shortfalls(report: dict[str, Any], category: str) -> list[str]:
    """The audits of a category that cost it points, with what Lighthouse says of them."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            lines.append(f"  {audit['id']}: {audit['score']} {audit.get('displayValue', '')}"
                         f" {audit.get('explanation', '')}".rstrip())
    return lines


@pytest.fixture(scope="module")
def reports(lighthouse: Path, root_site: ServedSite) -> dict[str, dict[str, Any]]:
    """Each kind of page → its report (kept as REPORTS/<kind>.json)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    found = run_lighthouse(lighthouse, {REPORTS / f"{kind}.json": root_site.at(path)
                                        for kind, path in PAGES.items()})
    return {kind: found[REPORTS / f"{kind}.json"] for kind in PAGES}


@pytest.mark.parametrize("kind", PAGES)
def test_lighthouse_scores_100_in_every_category(
        reports: dict[str, dict[str, Any]], root_site: ServedSite, kind: str) -> None:
    url = root_site.at(PAGES[kind])
    report = reports[kind]
    assert report["lighthouseVersion"] == VERSION
    assert report["finalDisplayedUrl"] == url
    assert not report.get("runtimeError"), report.get("runtimeError")
    assert report["configSettings"]["formFactor"] == "mobile"
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    below = {name: score for name, score in scores.items() if score != 1}
    assert not below, f"{kind} ({url}) scores {scores}:\n" + "\n".join(
        line for name in below for line in [name, *shortfalls(report, name)])


def test_a_missing_lighthouse_fails_under_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    absent = tmp_path / "node_modules" / ".bin" / "lighthouse"
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_lighthouse(absent, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception, match="lighthouse"):
        require_lighthouse(absent, {})
