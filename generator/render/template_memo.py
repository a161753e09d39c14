"""What a build keeps of its templates for the next, so that it neither compiles nor parses a
template whose source is unchanged: in memory in a process that builds again and again
(`serve`), else in the build cache. Sources are compared by content, never by time.

Whatever the memo a build starts from, what any build of this process compiled or parsed
is used too: a process that builds again from nothing (another site, or `--clean`)
compiles a template again only when its source changed. Compiled code depends on the
environment's options too, which no key holds: every environment comes from
`renderer.make_environment`, with the same options.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib

import jinja2
import markupsafe
from jinja2 import meta

_VERSIONS = (jinja2.__version__, str(markupsafe.escape("<>&'\"")))
"""What compiled code depends on besides the source and the Python: Jinja, and how
MarkupSafe escapes (Jinja escapes constant text when it compiles)."""


_COMPILED: dict[str, bytes] = {}
"""The last code compiled in this process for each template file (by Jinja's key of its
name and file); Jinja uses it only while the source's checksum is the one it holds."""
_PARSED: dict[bytes, tuple[str | None, ...]] = {}
"""The references parsed in this process, by the source's digest."""
_PROCESS_MAX = 512
"""When either holds this many (the template files of many sites, or the sources of a
template edited all day in `serve`), it is emptied before it takes another."""


class TemplateMemo(jinja2.BytecodeCache):
    """What a build keeps of its templates: each one's compiled code, which Jinja uses only
    while the source's checksum is the one it was compiled from (and the Python the same),
    and the templates each source refers to, by the source's digest."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}
        self.references: dict[bytes, tuple[str | None, ...]] = {}
        self._used: set[str | bytes] = set()
        """The code and references this process looked up: what `to_bytes` keeps."""

    @classmethod
    def from_bytes(cls, data: bytes) -> TemplateMemo:
        """The memo `to_bytes` gave with this Jinja and MarkupSafe (`_VERSIONS`); an empty
        one for anything else, a damaged one included (Jinja itself checks only the
        Python its code was compiled by)."""
        memo = cls()
        blob = data[4:]
        if zlib.crc32(blob) != int.from_bytes(data[:4], "big"):
            return memo
        try:
            versions, code, references = pickle.loads(blob)
        except Exception:  # the build cache is checked as a whole; this part is optional
            return memo
        if versions == _VERSIONS and isinstance(code, dict) and isinstance(references, dict):
            memo.code, memo.references = code, references
        return memo

    def to_bytes(self) -> bytes:
        """The code and references the build used, for a later one (`from_bytes`)."""
        used = self._used
        code = {key: value for key, value in self.code.items() if key in used}
        references = {key: names for key, names in self.references.items() if key in used}
        blob = pickle.dumps((_VERSIONS, code, references), protocol=pickle.HIGHEST_PROTOCOL)
        return zlib.crc32(blob).to_bytes(4, "big") + blob

    def next_build(self) -> None:
        """Keep what the last build used (all a build from the same sources needs), and
        note afresh what the next one uses: a preview server running all day stays small."""
        self.code = {key: value for key, value in self.code.items() if key in self._used}
        self.references = {key: names for key, names in self.references.items()
                           if key in self._used}
        self._used = set()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        key = bucket.key
        self._used.add(key)
        for found in (self.code.get(key), _COMPILED.get(key)):
            if found is not None:
                bucket.bytecode_from_string(found)
                if bucket.code is not None:  # compiled from this very source
                    self.code[key] = found
                    return

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(_COMPILED) >= _PROCESS_MAX:
            _COMPILED.clear()
        self.code[bucket.key] = _COMPILED[bucket.key] = bucket.bytecode_to_string()

    def references_of(self, env: jinja2.Environment, source: str
                      ) -> tuple[str | None, ...]:
        """`referenced_templates` of `source`, parsed once."""
        digest = hashlib.blake2b(source.encode(), digest_size=16).digest()
        self._used.add(digest)
        found = self.references.get(digest)
        if found is None:
            found = _PARSED.get(digest)
        if found is None:
            found = tuple(meta.find_referenced_templates(env.parse(source)))
            if len(_PARSED) >= _PROCESS_MAX:
                _PARSED.clear()
            _PARSED[digest] = found
        self.references[digest] = found
        return found


def referenced_templates(env: jinja2.Environment, source: str) -> tuple[str | None, ...]:
    """The templates `source` names in `extends`, `include`, `import` and `from` (None for
    a name computed at render time); remembered in the environment's `TemplateMemo`."""
    memo = env.bytecode_cache
    if not isinstance(memo, TemplateMemo):
        return tuple(meta.find_referenced_templates(env.parse(source)))
    return memo.references_of(env, source)
