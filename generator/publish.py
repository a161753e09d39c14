"""`newsgen publish`: build, commit the output folder as the next commit of the gh-pages
branch, and push it.

Git plumbing and a throwaway index only: the user's working tree, index, HEAD and other
branches are never touched. Every git exit status is checked, the new commit's tree is
compared with the output folder before the branch moves, and nothing is pushed after a
failed step (`../shared/SECURITY.md` P3–P7).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from generator import __version__
from generator.build.output import is_output_link
from generator.build.pipeline import build
from generator.build.result import BuildResult
from generator.config import PublishSection, SiteConfig, is_domain
from generator.console import print_build


@dataclass(frozen=True)
class PublishOptions:
    """What the command line asked for; None means "the site's setting, else the default"."""

    remote: str | None = None
    branch: str | None = None
    cname: str | None = None
    message: str | None = None
    push: bool = True
    force: bool = False
    jobs: int | None = None


@dataclass(frozen=True)
class PublishResult:
    build: BuildResult
    branch: str
    tip: str
    """The branch's commit after publishing."""
    committed: bool
    """False when the site was unchanged and no commit was made."""
    pushed: bool


class PublishError(Exception):
    """Publishing stopped; the message says why and what to do. Nothing was pushed."""


@dataclass(frozen=True)
class _Target:
    remote: str
    branch: str
    cname: str

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"


Tree = dict[str, str]
"""Every file of a published tree: its path (posix, relative) → its blob id."""

# The names we add to every publish: .nojekyll, so GitHub Pages serves the folders as they
# are, and CNAME, so a custom domain survives a publish that replaces the whole tree.
_NOJEKYLL, _CNAME = ".nojekyll", "CNAME"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Variables that would point git at another repository, index or work tree than ours.
_GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
                           "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
                           "GIT_NAMESPACE", "GIT_PREFIX")


def publish(config: SiteConfig, options: PublishOptions, out: TextIO | None = None
            ) -> PublishResult:
    """Build the site, commit it on top of the branch's history and push it.

    Reports progress to `out` (default: stdout). Raises BuildFailed for a failed build
    (nothing is committed) and PublishError for anything else that stops the publish.
    """
    out = out or sys.stdout
    target = _target(options, config.publish)
    git = _Git(find_repository(config.path.parent))
    _check_target(git, target, options.push)
    config = config.with_dirs(None, None)
    result = build(config, jobs=options.jobs)
    print_build(result, out)
    tip, committed, pushed = _commit_and_push(git, target, config.build.output_dir, options, out)
    return PublishResult(result, target.branch, tip, committed, pushed)


def _commit_and_push(git: _Git, target: _Target, output: Path, options: PublishOptions,
                     out: TextIO) -> tuple[str, bool, bool]:
    """Commit `output` as the branch's next commit unless unchanged, then push if asked.

    Returns the branch's tip, whether a commit was made and whether anything was pushed.
    """
    algorithm = git.text("rev-parse", "--show-object-format")
    files = site_files(output)
    extras = _extra_files(target.cname, output, files)
    files = [name for name in files if name not in extras]
    tree = hash_files(output, files, algorithm)
    tree |= {name: _blob_id(data, algorithm) for name, data in extras.items()}
    remote_tip = _fetch_remote_tip(git, target) if options.push else None
    local_tip = git.commit_of(target.ref)
    parent = _choose_parent(git, target, local_tip, remote_tip, options.push)
    tree_id = _write_tree(git, output, files, extras, tree)

    if parent is not None and git.text("rev-parse", f"{parent}^{{tree}}") == tree_id:
        print("Nothing to publish: the site is unchanged.", file=out)
        if parent != local_tip:  # a fast-forward to the remote's history, which has the site
            git.run("update-ref", "-m", "newsgen publish", target.ref, parent, local_tip or "")
        # The tip may still be missing from the remote (after --no-push or a rejected push).
        pushed = options.push and remote_tip != parent
        if pushed:
            _push(git, target, parent, remote_tip, options.force, out)
        return parent, False, pushed
    commit = _commit(git, tree_id, parent, _message(git, options.message))
    _verify_tree(git, commit, tree)
    git.run("update-ref", "-m", "newsgen publish", target.ref, commit, local_tip or "")
    print(f"Committed {commit[:7]} to {target.branch} ({len(tree)} files, "
          f"{'on ' + parent[:7] if parent else 'a new branch'}).", file=out)
    if options.push:
        _push(git, target, commit, remote_tip, options.force, out)
    return commit, True, options.push


def _target(options: PublishOptions, settings: PublishSection) -> _Target:
    cname = (options.cname if options.cname is not None else settings.cname).strip()
    if cname and not is_domain(cname):
        raise PublishError(f"CNAME {cname!r} is not a domain name: give the host name alone, "
                           "like news.example.org")
    remote = options.remote or settings.remote
    if remote.startswith("-") or _CONTROL.search(remote):
        raise PublishError(f"{remote!r} is not a remote name")
    return _Target(remote, options.branch or settings.branch, cname)


def find_repository(folder: Path) -> Path:
    """The top folder of the git repository holding `folder`."""
    git = _Git(folder)
    found = git.run("rev-parse", "--show-toplevel", check=False)
    if found.returncode != 0 and b"not a git repository" in found.stderr:
        raise PublishError("publish needs a git repository: run `git init` and add a remote")
    if found.returncode != 0:  # "dubious ownership", say: git's own words say what to do
        raise _git_failed(["rev-parse"], found)
    return Path(os.fsdecode(found.stdout.rstrip(b"\n")))


def _check_target(git: _Git, target: _Target, push: bool) -> None:
    if git.run("check-ref-format", target.ref, check=False).returncode != 0:
        raise PublishError(f"{target.branch!r} is not a valid branch name")
    worktrees = git.text("worktree", "list", "--porcelain").splitlines()
    if f"branch {target.ref}" in worktrees:
        raise PublishError(f"{target.branch} is checked out in a work tree of this repository; "
                           "switch that work tree to another branch first")
    if push and git.run("remote", "get-url", "--", target.remote, check=False).returncode:
        raise PublishError(f"there is no git remote named {target.remote!r}: add one with "
                           f"`git remote add {target.remote} URL`, or publish with --no-push")


def site_files(root: Path) -> list[str]:
    """Every file under `root`, as sorted posix paths; refuses what must not be published.

    Refused: every symlink but `root` itself, the link the build points at its output tree
    (the build makes no other, so one is foreign, and a link could lead out of the output),
    anything that is not a file or folder (FIFO, socket, device), dot-names (the build
    never writes them: `.git`, `.env`, editor backups) and names with control characters.
    """
    if (root.is_symlink() and not is_output_link(root)) or not root.is_dir():
        raise PublishError(f"{root} is not a folder: nothing to publish")
    found: list[str] = []
    pending = [""]
    try:
        while pending:
            folder = pending.pop()
            with os.scandir(root / folder) as entries:
                for entry in entries:
                    relative = f"{folder}{entry.name}"
                    _check_name(root, relative, entry.name)
                    if entry.is_symlink():
                        raise PublishError(f"{root / relative} is a symlink; publish refuses "
                                           "symlinks (the build never makes them)")
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(f"{relative}/")
                    elif entry.is_file(follow_symlinks=False):
                        found.append(relative)
                    else:
                        raise PublishError(f"{root / relative} is not a regular file")
    except OSError as exc:
        raise _unreadable(exc) from None
    return sorted(found)


def _check_name(root: Path, relative: str, name: str) -> None:
    if name.startswith("."):
        raise PublishError(f"{root / relative}: the build never writes a name starting with "
                           "'.'; remove it from the output folder (publish adds .nojekyll itself)")
    if _CONTROL.search(name):
        raise PublishError(f"{str(root / relative)!r}: a file name with a control character")


def hash_files(root: Path, files: list[str], algorithm: str) -> Tree:
    """The git blob id of every file, computed here so git's result can be checked."""
    try:
        return {name: _blob_id((root / name).read_bytes(), algorithm) for name in files}
    except OSError as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: OSError) -> PublishError:
    # Most likely another build (`newsgen serve`) replaced the folder while it was read.
    return PublishError(f"cannot read the output folder: {exc}; publish again")


def _blob_id(data: bytes, algorithm: str) -> str:
    return hashlib.new(algorithm, b"blob %d\0" % len(data) + data).hexdigest()


def _extra_files(cname: str, output: Path, files: list[str]) -> dict[str, bytes]:
    """.nojekyll always, CNAME when a domain is set (a CNAME from static/ must agree)."""
    extras = {_NOJEKYLL: b""}
    if cname:
        if _CNAME in files and (output / _CNAME).read_bytes().strip() != cname.encode():
            raise PublishError(f"{output / _CNAME} names another domain than {cname!r}; "
                               "keep only one of them")
        extras[_CNAME] = f"{cname}\n".encode()
    return extras


def _fetch_remote_tip(git: _Git, target: _Target) -> str | None:
    """The commit the remote's branch points at, fetched; None when it has no such branch."""
    listed = git.run("ls-remote", "--exit-code", "--", target.remote, target.ref, check=False)
    if listed.returncode == 2:
        return None
    if listed.returncode != 0:
        raise _git_failed(["ls-remote", target.remote], listed)
    tip = listed.stdout.split()[0].decode()
    git.run("fetch", "--no-tags", "--quiet", "--", target.remote, target.ref)
    if git.run("cat-file", "-e", f"{tip}^{{commit}}", check=False).returncode != 0:
        raise PublishError(f"{target.remote} {target.branch} changed while it was fetched; "
                           "publish again")
    return tip


def _choose_parent(git: _Git, target: _Target, local: str | None, remote: str | None,
                   push: bool) -> str | None:
    """The commit to build on: the local branch, or the remote's when that only adds to it.

    Local and remote history that diverged is left alone: the push is then rejected and the
    user decides (see `_push`). Without a push the remote is not asked, but a remote-tracking
    branch from an earlier fetch still gives a parent to a new local branch.
    """
    if not push:
        return local or git.commit_of(f"refs/remotes/{target.remote}/{target.branch}")
    if local is None or local == remote:
        return remote or local
    if remote is not None and git.is_ancestor(local, remote):
        return remote
    return local


def _write_tree(git: _Git, output: Path, files: list[str], extras: dict[str, bytes],
                tree: Tree) -> str:
    """Store every blob and write `tree` through a throwaway index; returns the tree's id."""
    paths = b"".join(os.fsencode(output / name) + b"\n" for name in files)
    # --no-filters: the bytes as they are, whatever .gitattributes or core.autocrlf say.
    stored = git.run("hash-object", "-w", "--no-filters", "--stdin-paths", input=paths)
    blobs = stored.stdout.decode().split()
    for data in extras.values():
        blobs.append(git.text("hash-object", "-w", "--no-filters", "--stdin", input=data))
    if blobs != [tree[name] for name in [*files, *extras]]:
        raise PublishError(f"files in {output} changed while they were read; publish again")
    entries = b"".join(os.fsencode(f"100644 {blob}\t{name}") + b"\0"
                       for name, blob in sorted(tree.items()))
    with tempfile.TemporaryDirectory(prefix="newsgen-publish-") as folder:
        index = _Git(git.repo, index=Path(folder) / "index")
        index.run("update-index", "-z", "--add", "--index-info", input=entries)
        return index.text("write-tree")


def _message(git: _Git, first_line: str | None) -> str:
    """`Publish <short sha> (newsgen <version>)`, or the user's line; always names the source."""
    head = git.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    full = head.stdout.decode().strip() if head.returncode == 0 else ""
    short = git.text("rev-parse", "--short", full) if full else "(not a git checkout)"
    title = (first_line or "").strip() or f"Publish {short} (newsgen {__version__})"
    return f"{title}\n\nSource: {full or short}\nBuilt by newsgen {__version__}\n"


def _commit(git: _Git, tree_id: str, parent: str | None, message: str) -> str:
    parents = ["-p", parent] if parent else []
    return git.text("commit-tree", tree_id, *parents, input=message.encode())


def _verify_tree(git: _Git, commit: str, tree: Tree) -> None:
    """The commit must hold exactly the files we meant, before the branch moves to it."""
    listed = git.run("ls-tree", "-r", "-z", "--full-tree", commit).stdout
    found: Tree = {}
    for entry in filter(None, listed.split(b"\0")):
        info, _, path = entry.partition(b"\t")
        mode, _kind, blob = info.decode().split()
        found[os.fsdecode(path)] = blob if mode == "100644" else f"{mode} {blob}"
    if found != tree:
        wrong = sorted(found.keys() ^ tree.keys()) or sorted(
            name for name in tree if found[name] != tree[name])
        raise PublishError(f"commit {commit[:7]} does not match the output folder "
                           f"(first difference: {wrong[0]}); nothing was pushed")


def _push(git: _Git, target: _Target, commit: str, remote_tip: str | None, force: bool,
          out: TextIO) -> None:
    lease = [f"--force-with-lease={target.ref}:{remote_tip or ''}"] if force else []
    pushed = git.run("push", "--porcelain", *lease, "--", target.remote,
                     f"{commit}:{target.ref}", check=False)
    if pushed.returncode == 0:
        print(f"Pushed {commit[:7]} to {target.remote} {target.branch}.", file=out)
        return
    status = pushed.stdout.decode(errors="replace")
    if re.search(r"^!\t.*\[rejected\]", status, re.MULTILINE):
        raise PublishError(
            f"{target.remote} rejected the push: its {target.branch} has commits that the "
            f"local {target.branch} does not (another machine published?), and the local "
            f"{target.branch} keeps what was not pushed. To build on {target.remote}'s history, "
            f"fetch it: `git fetch {target.remote} {target.branch} && "
            f"git branch -f {target.branch} FETCH_HEAD`, then publish again; to replace it, "
            "publish with --force")
    raise _git_failed(["push", target.remote], pushed)


class _Git:
    """Runs git in one repository with a clean environment, optionally on another index."""

    def __init__(self, repo: Path, index: Path | None = None) -> None:
        self.repo = repo
        self.env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARIABLES}
        if index is not None:
            self.env["GIT_INDEX_FILE"] = str(index)

    def run(self, *args: str, input: bytes | None = None, check: bool = True
            ) -> subprocess.CompletedProcess[bytes]:
        try:
            done = subprocess.run(["git", "-C", str(self.repo), *args], input=input,
                                  capture_output=True, env=self.env, check=False)
        except FileNotFoundError:
            raise PublishError("publish needs git, and there is no `git` command") from None
        if check and done.returncode != 0:
            raise _git_failed(list(args[:1]), done)
        return done

    def text(self, *args: str, input: bytes | None = None) -> str:
        return self.run(*args, input=input).stdout.decode().strip()

    def commit_of(self, ref: str) -> str | None:
        found = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        return found.stdout.decode().strip() if found.returncode == 0 else None

    def is_ancestor(self, older: str, newer: str) -> bool:
        found = self.run("merge-base", "--is-ancestor", older, newer, check=False)
        if found.returncode not in (0, 1):
            raise _git_failed(["merge-base"], found)
        return found.returncode == 0


def _git_failed(args: list[str], done: subprocess.CompletedProcess[bytes]) -> PublishError:
    return PublishError(f"git {' '.join(args)} failed (exit {done.returncode}): "
                        f"{_git_stderr(done)}; nothing was pushed")


def _git_stderr(done: subprocess.CompletedProcess[bytes]) -> str:
    """Git's complaint on one line, with any password or token in a URL hidden."""
    text = " ".join(done.stderr.decode(errors="replace").split()) or "no message"
    return re.sub(r"(://)[^/@\s]+@", r"\1***@", text)
