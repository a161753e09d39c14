"""`newsgen publish` against real local git repositories: a source checkout and a bare remote."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.publish
from generator import __version__
from generator.build.pipeline import build
from generator.build.result import BuildResult
from generator.cli import main
from generator.config import SiteConfig
from generator.publish import PublishError, site_files
from tests.helpers import every_file, seed_text

CNAME = "news.example.org"


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git with a known identity and none of this machine's settings, as on a fresh CI."""
    (tmp_path / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test Publisher")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "publisher@example.org")


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def blob(folder: Path, name: str) -> bytes:
    return subprocess.run(["git", "-C", str(folder), "cat-file", "blob", name], check=True,
                          capture_output=True).stdout


def ref(folder: Path, name: str = "refs/heads/gh-pages") -> str | None:
    found = subprocess.run(["git", "-C", str(folder), "rev-parse", "--verify", "--quiet", name],
                           capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else None


def publish(site: Path, *args: str) -> int:
    return main(["publish", "--config", str(site / "site.toml"), "--jobs", "1",
                 "--cname", CNAME, *args])


@pytest.fixture
def source(make_site: Callable[..., Path], tmp_path: Path) -> tuple[Path, Path]:
    """A committed site with a bare remote `origin`: (site folder, remote folder)."""
    site = make_site({"a.txt": seed_text("First story")})
    (site / ".gitignore").write_text("/public\n/.public.*\n/.newsgen-cache/\n")
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "Seeds")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(site, "remote", "add", "origin", remote.as_uri())
    return site, remote


def change_seed(site: Path, title: str) -> None:
    (site / "seeds" / "a.txt").write_text(seed_text(title), encoding="utf-8")


def assert_nothing_published(site: Path, remote: Path) -> None:
    """No gh-pages branch in the checkout, and no ref at all in the remote."""
    assert ref(site) is None
    assert git(remote, "for-each-ref") == ""


def publish_from_another_clone(remote: Path, clone: Path, message: str,
                               files: dict[str, str] | None = None) -> str | None:
    """Another machine's publish: clone `remote`'s gh-pages into `clone`, commit `files`
    (or nothing) with `message`, push; the remote's new gh-pages tip."""
    git(clone.parent, "clone", "-q", "--branch", "gh-pages", remote.as_uri(), str(clone))
    for name, text in (files or {}).items():
        (clone / name).write_text(text)
        git(clone, "add", name)
    git(clone, "commit", "-q", "--allow-empty", "-m", message)
    git(clone, "push", "-q", "origin", "gh-pages")
    return ref(remote)


def test_the_first_publish_commits_the_output_with_nojekyll_and_cname(
        source: tuple[Path, Path]) -> None:
    site, remote = source
    assert publish(site) == 0
    output = every_file(site / "public")
    assert "index.html" in output
    names = git(site, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert sorted(names) == sorted([*output, ".nojekyll", "CNAME"])
    assert git(site, "show", "gh-pages:CNAME") == CNAME
    assert git(site, "show", "gh-pages:.nojekyll") == ""
    for name, data in output.items():
        assert blob(site, f"gh-pages:{name}") == data, name
    assert git(site, "rev-list", "--count", "gh-pages") == "1"
    assert ref(remote) == ref(site)


def test_file_names_with_spaces_and_other_scripts_are_published_as_they_are(
        source: tuple[Path, Path]) -> None:
    site, _ = source
    name = "téléchargements/naïve café \"ünï\" 新闻.txt"
    (site / "static" / name).parent.mkdir(parents=True)
    (site / "static" / name).write_text("hello")
    assert publish(site) == 0
    names = subprocess.run(["git", "-C", str(site), "ls-tree", "-r", "-z", "--name-only",
                            "gh-pages"], check=True, capture_output=True).stdout
    assert name.encode() in names.split(b"\0")
    assert blob(site, f"gh-pages:{name}") == b"hello"


def test_publishing_an_unchanged_site_makes_no_commit(
        source: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source
    publish(site)
    tip = ref(site)
    capsys.readouterr()
    assert publish(site) == 0
    assert "Nothing to publish: the site is unchanged.\n" in capsys.readouterr().out
    assert ref(site) == tip
    assert ref(remote) == tip


def test_a_changed_seed_adds_one_commit_on_top_and_pushes_it(source: tuple[Path, Path]) -> None:
    site, remote = source
    publish(site)
    first = ref(site)
    change_seed(site, "A new headline")
    assert publish(site) == 0
    assert git(site, "rev-list", "--parents", "-n", "1", "gh-pages").split()[1:] == [first]
    assert ref(remote) == ref(site) != first
    assert "A new headline" in git(site, "show", "gh-pages:index.html")


def test_publish_leaves_the_source_checkout_alone(source: tuple[Path, Path]) -> None:
    site, _ = source
    publish(site)
    change_seed(site, "An uncommitted edit")
    (site / "seeds" / "b.txt").write_text(seed_text("A staged story"), encoding="utf-8")
    git(site, "add", "seeds/b.txt")

    def checkout() -> tuple[str, ...]:
        refs = git(site, "for-each-ref", "--format=%(refname) %(objectname)")
        return (git(site, "status", "--porcelain"), git(site, "rev-parse", "HEAD"),
                git(site, "symbolic-ref", "HEAD"), git(site, "ls-files", "--stage"),
                "\n".join(line for line in refs.splitlines() if "gh-pages" not in line),
                (site / "seeds/a.txt").read_text())

    before, index = checkout(), (site / ".git/index").read_bytes()
    change_tip = ref(site)
    assert publish(site) == 0
    assert ref(site) != change_tip
    assert checkout() == before
    assert (site / ".git/index").read_bytes() == index


def test_a_failed_build_publishes_nothing(source: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source
    (site / "seeds" / "broken.txt").write_text("---\ntitle: [unclosed\n---\n")
    assert publish(site) == 1
    assert "Build failed: 1 error; nothing was written." in capsys.readouterr().err
    assert_nothing_published(site, remote)


def test_a_push_to_a_diverged_remote_is_refused_and_force_replaces_it(
        source: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source
    publish(site)
    change_seed(site, "Published here but not pushed")
    publish(site, "--no-push")
    theirs = publish_from_another_clone(remote, tmp_path / "other", "Another machine",
                                        {"extra.html": "from another machine"})
    change_seed(site, "Published again")
    capsys.readouterr()

    assert publish(site) == 1
    assert capsys.readouterr().err == (
        "newsgen: origin rejected the push: its gh-pages has commits that the local gh-pages "
        "does not (another machine published?), and the local gh-pages keeps what was not "
        "pushed. To build on origin's history, fetch it: `git fetch origin gh-pages && "
        "git branch -f gh-pages FETCH_HEAD`, then publish again; to replace it, "
        "publish with --force\n")
    assert ref(remote) == theirs
    assert publish(site, "--force") == 0
    assert ref(remote) == ref(site) != theirs
    assert "Published again" in git(remote, "show", "gh-pages:index.html")


def test_a_remote_that_moved_ahead_is_built_upon(source: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    site, remote = source
    publish(site)
    theirs = publish_from_another_clone(remote, tmp_path / "other", "Published from CI")
    change_seed(site, "A later headline")
    assert publish(site) == 0
    assert git(site, "rev-list", "--parents", "-n", "1", "gh-pages").split()[1:] == [theirs]
    assert ref(remote) == ref(site)


def test_an_unchanged_site_catches_up_with_a_remote_that_moved_ahead(
        source: tuple[Path, Path], tmp_path: Path) -> None:
    site, remote = source
    publish(site)
    theirs = publish_from_another_clone(remote, tmp_path / "other", "Published from CI")
    assert publish(site) == 0
    assert ref(site) == ref(remote) == theirs


def test_publish_refuses_a_branch_that_is_checked_out(
        source: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    site, _ = source
    git(site, "checkout", "-q", "-b", "gh-pages")
    assert publish(site) == 1
    assert capsys.readouterr().err == (
        "newsgen: gh-pages is checked out in a work tree of this repository; switch that "
        "work tree to another branch first\n")


def test_no_push_commits_locally_and_leaves_the_remote_alone(source: tuple[Path, Path]) -> None:
    site, remote = source
    assert publish(site, "--no-push") == 0
    assert ref(site) is not None
    assert git(remote, "for-each-ref") == ""


def test_an_unchanged_site_still_pushes_a_commit_the_remote_lacks(
        source: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source
    publish(site, "--no-push")
    capsys.readouterr()
    assert publish(site) == 0
    assert "Nothing to publish: the site is unchanged.\n" in capsys.readouterr().out
    assert ref(remote) == ref(site)


def test_the_commit_message_names_the_source_commit(source: tuple[Path, Path]) -> None:
    site, _ = source
    publish(site)
    short = git(site, "rev-parse", "--short", "HEAD")
    assert git(site, "log", "-1", "--format=%s", "gh-pages") == \
        f"Publish {short} (newsgen {__version__})"
    change_seed(site, "Another headline")
    publish(site, "--message", "Fix a typo")
    message = git(site, "log", "-1", "--format=%B", "gh-pages")
    assert message.splitlines()[0] == "Fix a typo"
    assert f"Source: {git(site, 'rev-parse', 'HEAD')}" in message


def test_a_repository_without_commits_is_named_in_the_message(
        make_site: Callable[..., Path]) -> None:
    site = make_site({"a.txt": seed_text()})
    git(site, "init", "-q")
    assert publish(site, "--no-push") == 0
    assert git(site, "log", "-1", "--format=%s", "gh-pages") == \
        f"Publish (not a git checkout) (newsgen {__version__})"


def test_publish_outside_a_git_repository_says_how_to_start(
        make_site: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    site = make_site({"a.txt": seed_text()})
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # no repository above it
    assert publish(site) == 1
    assert capsys.readouterr().err == (
        "newsgen: publish needs a git repository: run `git init` and add a remote\n")


def test_publish_needs_the_remote_unless_told_not_to_push(
        source: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    site, _ = source
    assert publish(site, "--remote", "upstream") == 1
    assert capsys.readouterr().err == (
        "newsgen: there is no git remote named 'upstream': add one with "
        "`git remote add upstream URL`, or publish with --no-push\n")
    assert ref(site) is None


def test_the_cname_of_site_toml_is_published(source: tuple[Path, Path]) -> None:
    site, _ = source
    with (site / "site.toml").open("a") as config:
        config.write('\n[publish]\ncname = "config.example.org"\n')
    assert main(["publish", "--config", str(site / "site.toml"), "--jobs", "1"]) == 0
    assert git(site, "show", "gh-pages:CNAME") == "config.example.org"


def test_a_cname_must_be_a_domain_name(source: tuple[Path, Path],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    site, _ = source
    assert publish(site, "--cname", "https://news.example.org/") == 1
    assert capsys.readouterr().err == (
        "newsgen: CNAME 'https://news.example.org/' is not a domain name: give the host name "
        "alone, like news.example.org\n")


def test_a_symlink_in_the_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out/img").mkdir(parents=True)
    (tmp_path / "out/index.html").write_text("<p>hi</p>")
    (tmp_path / "out/img/x.jpg").symlink_to(Path.home() / ".ssh/id_rsa")
    with pytest.raises(PublishError) as refused:
        site_files(tmp_path / "out")
    assert str(refused.value) == (f"{tmp_path}/out/img/x.jpg is a symlink; publish refuses "
                                  "symlinks (the build never makes them)")


def test_a_symlink_inside_the_output_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out/index.html").write_text("<p>hi</p>")
    (tmp_path / "out/home.html").symlink_to("index.html")
    with pytest.raises(PublishError) as refused:
        site_files(tmp_path / "out")
    assert str(refused.value).startswith(f"{tmp_path}/out/home.html is a symlink;")


def test_a_dotfile_in_the_output_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out/.env").write_text("TOKEN=secret")
    with pytest.raises(PublishError) as refused:
        site_files(tmp_path / "out")
    assert str(refused.value) == (
        f"{tmp_path}/out/.env: the build never writes a name starting with '.'; remove it "
        "from the output folder (publish adds .nojekyll itself)")


def test_a_symlink_in_the_built_output_publishes_nothing(
        source: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source

    def build_with_a_link(config: SiteConfig, **kwargs: int | None) -> BuildResult:
        result = build(config, jobs=1)
        os.symlink("/etc/passwd", config.build.output_dir / "passwd.html")
        return result

    monkeypatch.setattr(generator.publish, "build", build_with_a_link)
    assert publish(site) == 1
    assert "passwd.html is a symlink" in capsys.readouterr().err
    assert_nothing_published(site, remote)


def test_a_cname_in_static_must_name_the_same_domain(
        source: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source
    (site / "static").mkdir()
    (site / "static/CNAME").write_text("old.example.org\n")
    assert publish(site) == 1
    assert capsys.readouterr().err == (
        f"newsgen: {site}/public/CNAME names another domain than 'news.example.org'; "
        "keep only one of them\n")
    assert git(remote, "for-each-ref") == ""


def test_a_commit_git_cannot_make_stops_the_publish(
        source: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    site, remote = source
    (tmp_path / "gitconfig").write_text("[user]\n\tuseConfigOnly = true\n")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME")
        monkeypatch.delenv(f"GIT_{role}_EMAIL")
    monkeypatch.delenv("EMAIL", raising=False)
    assert publish(site) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsgen: git commit-tree failed (exit 128): ")
    assert err.endswith("; nothing was pushed\n")
    assert_nothing_published(site, remote)
