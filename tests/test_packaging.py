"""Shipping newsgen: `newsgen init`, the GitHub Pages workflows, and a wheel that works with
no checkout present."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import yaml

from generator import __version__
from generator.cli import main
from tests.helpers import ROOT, broken_internal_references, run_build

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
SKELETON_WORKFLOW = ROOT / "generator" / "skeleton" / "github-pages.yml"


def readme_build_command() -> str:
    """The first command of the README: install and build."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```\n(.+?)\n```", text)
    assert match is not None
    return match.group(1)


def steps(workflow: Path) -> list[dict[str, object]]:
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    return [step for job in data["jobs"].values() for step in job["steps"]]


def uses(workflow: Path) -> list[str]:
    return [str(step["uses"]).split("@")[0] for step in steps(workflow) if "uses" in step]


@pytest.mark.parametrize("workflow", [WORKFLOW, SKELETON_WORKFLOW], ids=["repo", "init"])
def test_the_pages_workflow_has_every_step(workflow: Path) -> None:
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    triggers = data[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers and triggers["schedule"][0]["cron"]
    # Each job gets only what it needs; a script never pastes a step's output.
    assert data["permissions"] == {}
    assert data["jobs"]["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    checkout = steps(workflow)[0]
    assert checkout["with"] == {"persist-credentials": False}
    assert uses(workflow) == ["actions/checkout", "actions/setup-python",
                              "actions/configure-pages", "actions/cache",
                              "actions/upload-pages-artifact", "actions/deploy-pages"]
    setup = next(s for s in steps(workflow) if str(s.get("uses", "")).startswith(
        "actions/setup-python"))
    assert setup["with"]["cache"] == "pip"  # type: ignore[index]
    cache = next(s for s in steps(workflow) if str(s.get("uses", "")).startswith(
        "actions/cache"))
    assert cache["with"]["path"].split() == [  # type: ignore[index]
        ".newsgen-cache", ".image-cache", "public", ".public.tree-a", ".public.tree-b"]
    build = next(s for s in steps(workflow) if s.get("name") == "Build")
    assert build["env"] == {"BASE_URL": "${{ steps.pages.outputs.base_url }}"}
    assert build["run"] == '.venv/bin/newsgen build --base-url "$BASE_URL/"'
    assert sum("pip install" in str(step.get("run", "")) for step in steps(workflow)) == 1


def test_the_workflows_install_and_build_are_the_readmes_command() -> None:
    install = next(s for s in steps(WORKFLOW) if s.get("name") == "Install")
    build = next(s for s in steps(WORKFLOW) if s.get("name") == "Build")
    command = f"{install['run']} && {str(build['run']).split(' --base-url ')[0]}"
    assert command == readme_build_command()


def test_init_writes_a_site_that_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    site = tmp_path / "site"
    assert main(["init", str(site)]) == 0
    assert "Created a site in" in capsys.readouterr().out
    for name in ("site.toml", "seeds/example.txt", "templates/README.md", ".gitignore",
                 ".github/workflows/pages.yml", ".github/workflows/check.yml",
                 ".github/dependabot.yml", "requirements.txt"):
        assert (site / name).is_file(), name
    assert f"newsgen[search]=={__version__}" in (site / "requirements.txt").read_text()
    assert run_build(site) == 0
    assert (site / "public" / "index.html").is_file()
    assert broken_internal_references(site / "public", "/") == []


def test_init_documents_every_config_key(tmp_path: Path) -> None:
    from generator.config import _SECTIONS
    assert main(["init", str(tmp_path / "site")]) == 0
    text = (tmp_path / "site" / "site.toml").read_text()
    assert _SECTIONS, "no config section to look for"
    for section, kind in _SECTIONS.items():
        assert f"[{section}]" in text
        for key in kind.__dataclass_fields__:
            assert re.search(rf"^{key} = ", text, re.M), f"{section}.{key}"


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "notes.txt").write_text("mine")
    assert main(["init", str(tmp_path / "site")]) == 1
    assert "is not empty" in capsys.readouterr().err
    assert (tmp_path / "site" / "notes.txt").read_text() == "mine"


def test_base_url_on_the_command_line_wins_and_is_not_skipped_by_the_cache(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert main(["init", str(site)]) == 0
    assert run_build(site) == 0
    assert run_build(site, "--base-url", "https://user.github.io/repo/") == 0
    assert 'href="/repo/feed.xml"' in (site / "public" / "index.html").read_text()
    assert broken_internal_references(site / "public", "/repo/") == []
    assert run_build(site, "--base-url", "ftp://x/") == 1


@pytest.mark.slow
def test_a_wheel_installed_outside_the_repo_inits_and_builds_a_site(tmp_path: Path) -> None:
    """`pip install <wheel>` in a fresh virtual environment, then `newsgen init` and
    `newsgen build` far from any checkout: the theme must come from the wheel."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", str(dist),
                    str(ROOT)], check=True, capture_output=True)
    wheel = next(dist.glob("newsgen-*.whl"))
    sdist = next(dist.glob("newsgen-*.tar.gz"))
    checked = subprocess.run([sys.executable, "-m", "twine", "check", str(wheel), str(sdist)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    newsgen = str(env_dir / "bin" / "newsgen")
    subprocess.run([newsgen, "init", "site"], cwd=elsewhere, check=True, env=clean_env)
    built = subprocess.run([newsgen, "build"], cwd=elsewhere / "site", env=clean_env,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    # Installed without the [search] extra: one line says so, and the site has no search.
    assert "search is off: the Pagefind binary is not installed" in built.stderr
    location = subprocess.run([str(python), "-c", "import generator.render.theme as t; "
                               "print(t.SHIPPED_TEMPLATES)"], cwd=elsewhere, env=clean_env,
                              capture_output=True, text=True, check=True).stdout.strip()
    assert "site-packages" in location and str(ROOT) not in location
    public = elsewhere / "site" / "public"
    assert (public / "style.css").is_file() and (public / "feed.xml").is_file()
    assert broken_internal_references(public, "/") == []
