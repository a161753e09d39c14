"""What a patch of a few edited seeds (`build.patch`) needs to know: which seeds changed,
their new versions parsed, whether their edits leave the site's index as it was, what
the pages read of them and what the model's snapshot holds after them. Reads the seeds
and the cache; writes nothing.
"""

from __future__ import annotations

import os

from generator.build.cache import CachedSeed, LastBuild, file_digest
from generator.build.cache_rows import StoredBuild
from generator.build.result import Look
from generator.config import SiteConfig
from generator.content.loader import SeedResult, load_seed
from generator.content.seeds import seed_path
from generator.model import Article
from generator.site.index import index_row
from generator.site.reads import LEAD_IMAGES, SEPARATOR, WHOLE, lead_image
from generator.site.related import title_words
from generator.site.saved_index import SiteIndex

PATCH_MAX = 16
"""More edited seeds than this are left to the whole build."""


Candidates = dict[str, tuple[os.stat_result | None, tuple[int, int, str]]]
"""Seeds that may have changed → the look's stat, and their size, mtime and digest when
they were parsed."""


def seeds_to_look_at(look: Look, last: LastBuild, stored: StoredBuild) -> Candidates | None:
    """The seeds of the runs whose fingerprint changed (every seed, when the last build did
    not say); None when seeds came or went."""
    if len(look.seeds) != stored.seed_count():
        return None
    if not last.seed_chunks:
        known = stored.seed_stats()
        candidates = {name: (stat, known[name]) for name, stat in
                      zip(look.seeds, look.stats, strict=True) if name in known}
        return candidates if len(candidates) == len(look.seeds) else None
    if len(look.chunks) != len(last.seed_chunks):
        return None
    size = look.chunk
    places = [place for place, (now, then) in enumerate(zip(look.chunks, last.seed_chunks,
                                                            strict=True)) if now != then]
    if len(places) > PATCH_MAX:
        return None
    # The other runs are as the last build saw them: each of their seeds has its row.
    names = [name for place in places for name in look.seeds[place * size:(place + 1) * size]]
    stats = [stat for place in places for stat in look.stats[place * size:(place + 1) * size]]
    known = stored.seed_stats(names)
    return {name: (stat, known[name]) for name, stat in zip(names, stats, strict=True)}


def parse_changed(config: SiteConfig, candidates: Candidates) -> dict[str, CachedSeed] | None:
    """Each seed whose size or mtime is not the cache's, parsed; None when one is gone, or
    when there are more than `PATCH_MAX`."""
    changed = []
    for name, (stat, row) in candidates.items():
        if stat is None:
            return None
        if (stat.st_size, stat.st_mtime_ns) != row[:2]:
            changed.append(name)
    if not changed or len(changed) > PATCH_MAX:
        return None
    parsed = {}
    for name in changed:
        path = seed_path(name)
        try:
            stat, digest = os.stat(path), file_digest(path)
        except OSError:
            return None
        result = load_seed(path, config.zone, config.limits)
        parsed[name] = CachedSeed(stat.st_size, stat.st_mtime_ns, digest, result)
    return parsed


def edited_articles(parsed: dict[str, CachedSeed], candidates: Candidates,
                     stored: StoredBuild, index: SiteIndex
                     ) -> dict[str, tuple[Article, Article]] | None:
    """Each seed whose bytes changed → its article before and after; None when one of
    them changes the index (or has a problem, or is not on the site)."""
    edited = {}
    for name, entry in parsed.items():
        if entry.sha256 == candidates[name][1][2]:
            continue  # touched, not changed: the same article
        old = stored.seed_result(name)
        if not _keeps_index(old, entry.result) or old.article is None or \
                index.sources.get(old.article.id) != name:
            return None
        assert entry.result.article is not None
        edited[name] = (old.article, entry.result.article)
    return edited


def _keeps_index(old: SeedResult, new: SeedResult) -> bool:
    """Whether the new version of a seed gives a site indexed as the old one, with the
    same plan: everything indexing reads but the title (`index_row`), the title's words
    (all that ranking reads of it) and the quality (which picks the front page's lead)."""
    a, b = old.article, new.article
    return not old.problems and not new.problems and a is not None and b is not None and \
        index_row(a) == index_row(b) and title_words(a.title) == title_words(b.title) and \
        a.quality == b.quality


def changed_reads(edited: dict[str, tuple[Article, Article]], leads: bool) -> list[str]:
    """What `build.records.changed_reads` finds changed when these articles are edited:
    each one, its coverage (which shows its own items), the two mappings whole, and the
    lead images when one changed (`leads`)."""
    if not edited:
        return []
    reads = [f"{name}{SEPARATOR}{key}" for _, new in edited.values()
             for name, key in (("articles", new.id), ("coverage", new.id))]
    reads += [f"articles{SEPARATOR}{WHOLE}", f"coverage{SEPARATOR}{WHOLE}"]
    if leads:
        reads.append(f"{LEAD_IMAGES}{SEPARATOR}{WHOLE}")
    return reads


def model_after(stored: StoredBuild, index: SiteIndex,
                 edited: dict[str, tuple[Article, Article]], parsed: dict[str, CachedSeed],
                 leads: bool) -> dict[str, dict[str, object]]:
    """The items of the snapshot's mappings that the edits change, as they are after them
    (see `build.records.snapshot`): each article is its seed's digest, its coverage that
    digest and where its items link, and the lead images are read and changed only when
    one of them changed (`leads`)."""
    model: dict[str, dict[str, object]] = {"articles": {}, "coverage": {}}
    for name, (_, new) in edited.items():
        model["articles"][new.id] = parsed[name].sha256
        model["coverage"][new.id] = (parsed[name].sha256, index.links[new.id])
    if leads:
        images = stored.lead_images()
        images.update((new.id, lead_image(new)) for _, new in edited.values())
        model[LEAD_IMAGES] = {WHOLE: tuple(images.items())}
    return model
