"""What a patch of edited templates and static files (`build.patch`) needs to know: whether
nothing else changed since the last build, and which static files to copy again. Reads the
static folders and the cache; writes nothing.
"""

from __future__ import annotations

from pathlib import Path

from generator.build.cache import LastBuild, PageRecord
from generator.build.cache_rows import StoredBuild
from generator.build.copied import copied_record, static_files
from generator.build.output import OutputError
from generator.build.result import Look


def only_theme_changed(look: Look, last: LastBuild) -> bool:
    """Whether, since the `last` build, only templates and the bytes of static files
    changed: the same seeds, config, options and image manifest, and the same static file
    names."""
    return bool(last.settings) and last.settings == look.settings and \
        last.seed_chunks == look.chunks and \
        _names(last.static_lines) == _names(look.static_lines)


def _names(lines: tuple[str, ...]) -> list[str]:
    return [line.split("\0", 1)[0] for line in lines]


def changed_static(user_static: Path, stored: StoredBuild, live: str
                   ) -> dict[str, tuple[Path, PageRecord]] | None:
    """Each static file whose copy in the live tree is of another version of its source
    (size or mtime): output file → its source and the record of a copy of it now. None
    when the live tree lacks a static file's record, or a static file cannot be copied:
    the whole build copies them, or says why not."""
    try:
        files = static_files(user_static)
    except OutputError:
        return None
    names = [relative.as_posix() for relative in files]
    records = stored.records(live, paths=names)
    if records.keys() != set(names):
        return None
    changed = {}
    for name, source in zip(names, files.values(), strict=True):
        try:
            record = copied_record(source)
        except OSError:
            return None
        if records[name] != record:
            changed[name] = (source, record)
    return changed
