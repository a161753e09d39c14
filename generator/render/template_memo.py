"""What a process that builds again and again (`serve`) keeps of its templates between
builds, so that a rebuild neither compiles nor parses a template whose source is
unchanged. Sources are compared by content, never by time.
"""

from __future__ import annotations

import hashlib

import jinja2
from jinja2 import meta


class TemplateMemo(jinja2.BytecodeCache):
    """What a process that builds again and again (`serve`) keeps of its templates: each
    one's compiled code, which Jinja uses only while the source's checksum is the one it
    was compiled from, and the templates each source refers to, by the source's digest."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}
        self.references: dict[bytes, tuple[str | None, ...]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        found = self.code.get(bucket.key)
        if found is not None:
            bucket.bytecode_from_string(found)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def referenced_templates(env: jinja2.Environment, source: str) -> tuple[str | None, ...]:
    """The templates `source` names in `extends`, `include`, `import` and `from` (None for
    a name computed at render time); remembered in the environment's `TemplateMemo`."""
    memo = env.bytecode_cache
    if not isinstance(memo, TemplateMemo):
        return tuple(meta.find_referenced_templates(env.parse(source)))
    digest = hashlib.blake2b(source.encode(), digest_size=16).digest()
    found = memo.references.get(digest)
    if found is None:
        found = memo.references[digest] = tuple(
            meta.find_referenced_templates(env.parse(source)))
    return found
