"""Split a seed's `---` front matter from its body and parse the YAML, keeping each key's line.

Pure: works on text already read; never touches files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml


class _SeedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader where PyYAML has it (several times faster), with timestamps
    left as text: PyYAML raises a bare ValueError on `2024-02-30`, so dates are parsed
    where their errors can name the field."""

    yaml_implicit_resolvers: ClassVar = {
        first: [(tag, regexp) for tag, regexp in resolvers
                if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


KeyPath = tuple[str | int, ...]
Positions = dict[KeyPath, tuple[int, int]]
MAX_YAML_NODES = 200_000
MAX_FLOW_DEPTH = 100
_SHAPE_HINT = "a seed starts with a line '---', its YAML fields, and another '---'"


@dataclass(frozen=True)
class FrontMatterError(Exception):
    line: int
    column: int
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Document:
    data: dict[str, object]
    positions: Positions
    """Line and column (1-based, in the whole file) of every key and list item."""
    body: str
    body_line: int


def parse_document(text: str) -> Document:
    """Split and parse `text`; raise FrontMatterError at the offending line."""
    yaml_text, body, body_line = split_front_matter(text)
    data, positions = parse_yaml(yaml_text, first_line=2)
    return Document(data, positions, body, body_line)


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(YAML text, body, body's first line number)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise FrontMatterError(1, 1, "empty file", _SHAPE_HINT)
    lines = text.splitlines(keepends=True)
    if lines[0].rstrip() != "---":
        raise FrontMatterError(1, 1, "no front matter: the first line must be '---'", _SHAPE_HINT)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 2
    raise FrontMatterError(1, 1, "front matter is never closed",
                           "end the front matter with a line that holds only '---'")


def parse_yaml(text: str, first_line: int) -> tuple[dict[str, object], Positions]:
    """The mapping in `text` and each key's position; `first_line` is text's line in the file."""
    # Nesting is never deeper than the number of brackets that open: counted first, in C.
    if text.count("[") + text.count("{") > MAX_FLOW_DEPTH and _flow_depth(text) > MAX_FLOW_DEPTH:
        # libyaml recurses in C on nesting: deep enough, it overflows the stack and the
        # process dies, so the depth is measured before the parser sees the text.
        raise FrontMatterError(first_line, 1, "YAML nested too deeply",
                               f"at most {MAX_FLOW_DEPTH} levels of [ ] and {{ }}")
    loader = _SeedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrontMatterError(first_line, 1, "front matter is empty",
                                   "add at least title, publishedDateTime, provider and webUrl")
        if not isinstance(node, yaml.MappingNode):
            kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
            raise FrontMatterError(node.start_mark.line + first_line, node.start_mark.column + 1,
                                   f"front matter must be a mapping of keys to values, got {kind}")
        builder = _Builder(loader, first_line)
        data = builder.build(node, ())
        positions = builder.positions
    except (ValueError, TypeError, OverflowError) as exc:
        raise FrontMatterError(first_line, 1, f"invalid YAML value: {exc}") from None
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, text, first_line) from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_and_column(text, exc.position)
        raise FrontMatterError(line + first_line - 1, column,
                               f"control character U+{exc.character:04X} is not allowed in YAML",
                               'remove it, or write it as an escape like "\\x07" in double quotes'
                               ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(first_line, 1, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise FrontMatterError(first_line, 1, "YAML nested too deeply") from None
    finally:
        loader.dispose()
    return data, positions


class _Builder:
    """Turns composed YAML nodes into Python values in one pass, recording where each key
    and item stands and refusing aliases, duplicate keys, non-text keys and unknown tags.
    (PyYAML's own constructor takes two passes and accepts all of those.)"""

    def __init__(self, loader: yaml.SafeLoader, first_line: int) -> None:
        self.loader = loader
        self.first_line = first_line
        self.positions: Positions = {}
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        if id(node) in self.seen:
            raise self._error(node, "YAML anchors and aliases are not allowed in seeds")
        self.seen.add(id(node))
        if len(self.seen) > MAX_YAML_NODES:
            raise FrontMatterError(self.first_line, 1,
                                   f"front matter has more than {MAX_YAML_NODES} values")
        if isinstance(node, yaml.MappingNode) and node.tag == "tag:yaml.org,2002:map":
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode) and node.tag == "tag:yaml.org,2002:seq":
            items = []
            for index, item in enumerate(node.value):
                self.positions[(*path, index)] = self._where(item)
                items.append(self.build(item, (*path, index)))
            return items
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error(key_node, "a key must be plain text, not a list or mapping")
            key = str(key_node.value)
            if key in mapping:
                first = self.positions[(*path, key)][0]
                raise self._error(key_node, f"duplicate key {key!r} (first at line {first})",
                                  "each key may appear once; remove one of them")
            self.positions[(*path, key)] = self._where(key_node)
            mapping[key] = self.build(value_node, (*path, key))
        return mapping

    def _scalar(self, node: yaml.Node) -> Any:
        kind = node.tag.rsplit(":", 1)[-1]
        if kind in ("str", "merge"):
            return node.value
        if kind == "null":
            return None
        if kind in ("bool", "int", "float"):
            return getattr(self.loader, f"construct_yaml_{kind}")(node)
        raise self._error(node, f"unsupported YAML type {node.tag!r}",
                          "seeds use plain text, numbers, true/false, lists and mappings")

    def _where(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + self.first_line, node.start_mark.column + 1

    def _error(self, node: yaml.Node, message: str, hint: str = "") -> FrontMatterError:
        line, column = self._where(node)
        return FrontMatterError(line, column, message, hint)


def _yaml_error(exc: yaml.MarkedYAMLError, text: str, first_line: int) -> FrontMatterError:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + first_line) if mark else first_line
    column = (mark.column + 1) if mark else 1
    problem = exc.problem or "invalid YAML"
    hint = ""
    if "tab" in problem or _tab_before(text, mark):
        problem = "tab character in indentation"
        hint = "YAML indentation must use spaces, not tabs"
    elif (opened := _unclosed_quote(text, mark.line if mark else 0)) is not None:
        # The parser notices lines later, or at the end; the slip is where the quote opened.
        line, column = opened[0] + first_line, opened[1] + 1
        problem = "quoted text is never closed"
        hint = "end it with the matching quote"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    return FrontMatterError(line, column, f"invalid YAML: {problem}", hint)


def _tab_before(text: str, mark: yaml.Mark | None) -> bool:
    """Whether the line of `mark` has a tab up to it: libyaml's messages do not say so."""
    lines = text.splitlines()
    if mark is None or mark.line >= len(lines):
        return False
    return "\t" in lines[mark.line][: mark.column + 1]


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in `text`."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _unclosed_quote(text: str, upto_line: int) -> tuple[int, int] | None:
    """0-based line and column of the first double quote left open on its line, if any."""
    for number, line in enumerate(text.splitlines()[: upto_line + 1]):
        quotes = [i for i, char in enumerate(line) if char == '"' and line[i - 1:i] != "\\"]
        if len(quotes) % 2 == 1:
            return number, quotes[-1]
    return None


def _flow_depth(text: str) -> int:
    """The deepest nesting of [ ] and { } outside quotes: an upper bound of YAML's flow depth."""
    if "[" not in text and "{" not in text:
        return 0
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_QUOTED.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(0, depth - 1)
    return deepest


_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'')
_BRACKETS = re.compile(r"[\[\]{}]")
