"""S7: the watcher sees edits however an editor makes them, ignores what is not content,
and hands over a burst as one batch."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from watchdog import events

from generator.serve.watch import ChangeWatcher, WatchRoot, _Forward

QUIET = 1.0  # how long to wait before concluding that nothing (more) was reported


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_text("a")
    (tmp_path / "site.toml").write_text("")
    (tmp_path / "public").mkdir()
    return tmp_path.resolve()


@pytest.fixture
def watcher(project: Path) -> Iterator[ChangeWatcher]:
    roots = [WatchRoot(project / "seeds", suffixes=(".txt", ".md")),
             WatchRoot(project, "site.toml")]
    watching = ChangeWatcher(roots, ignored=[project / "public"])
    watching.start()
    yield watching
    watching.stop()


def test_an_atomic_save_is_one_batch_naming_the_file(watcher: ChangeWatcher,
                                                     project: Path) -> None:
    temp = project / "seeds" / ".a.txt.tmp"
    temp.write_text("new")
    os.replace(temp, project / "seeds" / "a.txt")
    assert watcher.wait(timeout=5) == {project / "seeds" / "a.txt"}
    assert watcher.wait(timeout=QUIET) == set()


def test_a_vim_style_save_is_one_batch(watcher: ChangeWatcher, project: Path) -> None:
    seed = project / "seeds" / "a.txt"
    (project / "seeds" / "4913").write_text("")  # vim's probe file
    (project / "seeds" / "4913").unlink()
    os.rename(seed, project / "seeds" / "a.txt~")  # backupcopy=no: move the original away
    seed.write_text("new")  # write a new inode
    (project / "seeds" / "a.txt~").unlink()
    assert watcher.wait(timeout=5) == {seed}
    assert watcher.wait(timeout=QUIET) == set()


def test_sed_in_place_and_delete_then_recreate_are_seen(watcher: ChangeWatcher,
                                                        project: Path) -> None:
    seed = project / "seeds" / "a.txt"
    subprocess.run(["sed", "-i", "s/a/b/", str(seed)], check=True)
    assert watcher.wait(timeout=5) == {seed}
    seed.unlink()
    seed.write_text("again")
    assert watcher.wait(timeout=5) == {seed}


def test_a_burst_of_200_files_is_one_batch(watcher: ChangeWatcher, project: Path) -> None:
    for number in range(200):
        (project / "seeds" / f"s{number:03}.txt").write_text("x")
    batch = watcher.wait(timeout=5)
    assert len(batch) == 200
    assert watcher.wait(timeout=QUIET) == set()


def test_a_change_made_while_the_caller_builds_waits_for_the_next_call(
        watcher: ChangeWatcher, project: Path) -> None:
    (project / "seeds" / "a.txt").write_text("one")
    assert watcher.wait(timeout=5) == {project / "seeds" / "a.txt"}
    (project / "seeds" / "b.txt").write_text("during the build")  # before wait() is called
    assert watcher.wait(timeout=5) == {project / "seeds" / "b.txt"}


def test_reading_files_is_not_a_change(watcher: ChangeWatcher, project: Path) -> None:
    """A build reads every source; counting reads would make the server rebuild forever."""
    for _ in range(3):
        (project / "seeds" / "a.txt").read_text()
        (project / "site.toml").read_text()
    assert watcher.wait(timeout=QUIET) == set()


def test_temp_files_other_files_and_the_output_do_not_count(watcher: ChangeWatcher,
                                                            project: Path) -> None:
    (project / "seeds" / ".a.txt.swp").write_text("swap")
    (project / "seeds" / "notes.docx").write_text("not a seed")
    (project / "seeds" / ".git").mkdir()
    (project / "seeds" / ".git" / "index.txt").write_text("git")
    (project / "README.md").write_text("beside site.toml, not watched")
    (project / "public" / "index.html").write_text("output")
    assert watcher.wait(timeout=QUIET) == set()


def test_an_edit_to_site_toml_counts(watcher: ChangeWatcher, project: Path) -> None:
    (project / "site.toml").write_text("[site]\n")
    assert watcher.wait(timeout=5) == {project / "site.toml"}


def test_output_inside_a_watched_folder_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "src" / "out").mkdir(parents=True)
    watching = ChangeWatcher([WatchRoot(tmp_path / "src")], ignored=[tmp_path / "src" / "out"])
    watching.start()
    try:
        (tmp_path / "src" / "out" / "index.html").write_text("built")
        (tmp_path / "src" / ".out.staging-1").mkdir()
        (tmp_path / "src" / ".out.staging-1" / "index.html").write_text("staged")
        assert watching.wait(timeout=QUIET) == set()
        (tmp_path / "src" / "page.html").write_text("source")
        assert watching.wait(timeout=5) == {(tmp_path / "src" / "page.html").resolve()}
    finally:
        watching.stop()


def test_a_deleted_folder_of_seeds_counts(watcher: ChangeWatcher, project: Path) -> None:
    folder = project / "seeds" / "2024"
    folder.mkdir()
    assert watcher.wait(timeout=5) == {folder}
    (folder / "x.txt").write_text("x")
    assert watcher.wait(timeout=5) == {folder / "x.txt"}
    (folder / "x.txt").unlink()
    folder.rmdir()
    assert folder in watcher.wait(timeout=5)


def _write_in_two_pieces(path: Path, text: str, pause: float) -> None:
    """Vim's `backupcopy=no` write: half, fsync, a pause (a busy disk), the rest, close."""
    half = len(text) // 2
    with path.open("w", encoding="utf-8") as file:
        file.write(text[:half])
        file.flush()
        os.fsync(file.fileno())
        time.sleep(pause)
        file.write(text[half:])


def test_a_file_written_in_pieces_is_handed_over_only_once_closed(
        watcher: ChangeWatcher, project: Path) -> None:
    seed = project / "seeds" / "a.txt"
    whole = "---\ntitle: A whole seed\n---\n" + "body " * 200
    os.rename(seed, project / "seeds" / "a.txt~")
    # The pause is four times the settle time: without waiting for the close, the batch
    # would be handed over while the seed is half written.
    writer = threading.Thread(target=_write_in_two_pieces,
                              args=(seed, whole, 4 * watcher.settle))
    writer.start()
    try:
        assert watcher.wait(timeout=10) == {seed}
        assert seed.read_text(encoding="utf-8") == whole
    finally:
        writer.join()
    assert watcher.wait(timeout=QUIET) == set()


def test_a_file_left_open_is_handed_over_after_the_open_limit(project: Path) -> None:
    watching = ChangeWatcher([WatchRoot(project / "seeds", suffixes=(".txt",))],
                             ignored=[], open_limit=1.0)
    watching.start()
    seed = project / "seeds" / "a.txt"
    try:
        with seed.open("w", encoding="utf-8") as file:
            file.write("half")
            file.flush()
            started = time.monotonic()
            assert watching.wait(timeout=10) == {seed}
            assert time.monotonic() - started < 5
    finally:
        watching.stop()


def test_a_stop_ends_a_wait_for_changes_within_half_a_second(watcher: ChangeWatcher) -> None:
    """Ctrl-C sets the serve loop's stop event as well as raising KeyboardInterrupt, which
    code the signal interrupts may swallow: the wait must end on the event alone."""
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    started = time.monotonic()
    assert watcher.wait(stop=stop) == set()
    assert 0.15 < time.monotonic() - started < 1.5


def test_changes_the_system_lost_count_as_a_change_of_the_watched_folder(
        watcher: ChangeWatcher, project: Path) -> None:
    """When the kernel's queue overflows, watchdog reports that changes were lost: the
    build must then look at every file (`pipeline._rescan` takes a folder so). That holds
    for the watch of the folder that holds `site.toml` too, which counts only that file."""
    for folder in (project / "seeds", project):
        lost = events.EventsLostEvent(str(folder), is_directory=True)
        _Forward(watcher._record).on_any_event(lost)
        assert watcher.wait(timeout=5) == {folder}



def _fed(project: Path) -> ChangeWatcher:
    """A watcher fed events by hand, as inotify reports them (closes included), whose full
    settle time is long enough to tell from the short one on a busy machine: of seeds,
    each whole on its own, and of templates, which may need one another."""
    watching = ChangeWatcher([WatchRoot(project / "seeds", suffixes=(".txt",), standalone=True),
                              WatchRoot(project / "templates")], ignored=[],
                             settle=3.0, settle_whole=0.05)
    watching._tracks_closes = True
    return watching


def _handed_over_after(watching: ChangeWatcher, *happened: events.FileSystemEvent) -> float:
    """Seconds from (just before) the events to the hand-over: never less than the wait."""
    forward = _Forward(watching._record)
    started = time.monotonic()
    for event in happened:
        forward.on_any_event(event)
    assert watching.wait(timeout=10)
    return time.monotonic() - started


def test_one_whole_file_is_handed_over_after_the_short_quiet_time(project: Path) -> None:
    seed = str(project / "seeds" / "a.txt")
    temp = str(project / "seeds" / ".a.txt.tmp")
    closed = [events.FileModifiedEvent(seed), events.FileClosedEvent(seed)]
    renamed_in = [events.FileMovedEvent(temp, seed)]
    for whole in (closed, renamed_in):
        assert _handed_over_after(_fed(project), *whole) < 2.0


def test_a_file_gone_a_second_file_or_a_template_waits_the_full_quiet_time(project: Path) -> None:
    seed, other = str(project / "seeds" / "a.txt"), str(project / "seeds" / "b.txt")
    gone = [events.FileMovedEvent(seed, seed + "~")]  # Vim's backup: it is written next
    deleted = [events.FileDeletedEvent(seed)]
    two = [events.FileClosedEvent(seed), events.FileClosedEvent(other)]
    template = [events.FileClosedEvent(str(project / "templates" / "base.html"))]
    cases = (gone, deleted, two, template)
    with ThreadPoolExecutor(len(cases)) as pool:  # each watcher on its own: the waits at once
        waited = list(pool.map(lambda case: _handed_over_after(_fed(project), *case), cases))
    assert all(seconds >= 2.5 for seconds in waited), waited


def test_a_template_in_a_folder_inside_the_seeds_folder_is_no_seed(tmp_path: Path) -> None:
    content = tmp_path.resolve() / "content"
    watching = ChangeWatcher([WatchRoot(content, standalone=True),
                              WatchRoot(content / "templates")], ignored=[])
    assert watching._standalone(content / "story.txt")
    assert not watching._standalone(content / "templates" / "base.html")
