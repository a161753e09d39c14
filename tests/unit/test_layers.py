"""Imports point only to lower ranks, so the architecture in the README stays true.

Modules are named by their dotted path inside `generator` (`content.loader`); a folder's
`__init__.py` is empty and has rank 0.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "generator"

RANKS = {
    "errors": 0, "model": 0, "urls": 0, "files": 0, "init": 0, "content.frontmatter": 0,
    "site.related": 0, "images.addresses": 0, "render.dates": 0, "render.theme": 0,
    "build.lock": 0, "serve.paths": 0, "site.reads": 0, "render.template_memo": 0,
    "build.presence": 0,
    "build.readers": 1, "build.search_part": 0,
    "site.delta": 0,
    "config": 1, "content.sanitize": 1, "content.seeds": 1, "site.schedule": 1,
    "images.fetch": 1,
    "images.manifest": 1, "images.process": 1, "build.output": 1,
    "serve.watch": 1, "serve.web": 1,
    "content.fields": 2, "content.markdown": 2, "content.new_seed": 2, "build.result": 2,
    "site.index": 2, "images.references": 2,
    "content.loader": 3, "site.plan": 3, "render.views": 3, "site.saved_index": 3,
    "site.plan_rows": 4,
    "render.listings": 4, "render.previews": 4, "build.cache": 4,
    "render.feeds": 5, "render.jsonld": 5, "build.records": 5, "build.search": 5,
    "build.copied": 5, "build.theme_patch": 6, "build.seed_patch": 6,
    "render.contexts": 6,
    "render.renderer": 7,
    "build.workers": 8, "build.patch": 9, "build.cache_rows": 5,
    "build.reuse": 9,
    "build.stages": 10, "build.check": 9, "images.pool": 9,
    "build.pipeline": 11, "console": 10,
    "publish": 12, "images.commands": 12, "serve.loop": 12,
    "cli": 13,
    "__main__": 14,
}
FOLDERS = ("content", "site", "images", "render", "build", "serve")
"""The subpackages, as the README's architecture section lists them."""


def _name(path: Path) -> str:
    """`generator/content/loader.py` → `content.loader`; an `__init__.py` → its folder."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def _modules() -> dict[str, Path]:
    return {_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: Path) -> set[str]:
    """The newsgen modules `module` imports, by their dotted names inside `generator`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] == "generator":
            inner = node.module.removeprefix("generator").lstrip(".")
            names.update(f"{inner}.{alias.name}".lstrip(".") if not inner or
                         inner in FOLDERS else inner for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name.removeprefix("generator.") for alias in node.names
                         if alias.name.startswith("generator."))
    return {name if name != "__version__" else "__init__" for name in names}


def _rank(name: str) -> int:
    return 0 if name == "__init__" or name in FOLDERS else RANKS[name]


def test_the_folders_are_the_readme_architecture() -> None:
    folders = {path.name for path in PACKAGE.iterdir()
               if path.is_dir() and (path / "__init__.py").is_file()}
    assert folders == set(FOLDERS)


def test_every_folder_init_is_empty() -> None:
    """No import side effects: `generator.site` runs nothing until a module of it is used."""
    assert [f for f in FOLDERS if (PACKAGE / f / "__init__.py").read_text().strip()] == []


def test_every_module_has_a_rank() -> None:
    names = set(_modules()) - {"__init__", *FOLDERS}
    assert names - RANKS.keys() == set()
    assert RANKS.keys() - names == set()


def test_every_import_points_to_a_lower_rank() -> None:
    wrong = []
    for name, path in _modules().items():
        for imported in sorted(_imports(path)):
            if imported == "__init__" or (name == "__main__" and imported == "cli"):
                continue
            if _rank(imported) >= _rank(name):
                wrong.append(f"{name} (rank {_rank(name)}) imports {imported} "
                             f"(rank {_rank(imported)})")
    assert wrong == []


def test_imports_are_read_from_subpackages() -> None:
    """The checks above see the imports of modules inside folders (a guard on this file)."""
    assert "content.loader" in _imports(PACKAGE / "build" / "reuse.py")
    assert "site.index" in _imports(PACKAGE / "site" / "plan.py")


def test_the_build_cannot_reach_the_network() -> None:
    """Nothing `build` imports, directly or through other modules, can open a connection."""
    network = {"urllib.request", "http.client", "socket", "requests", "httpx", "tornado",
               "livereload", "asyncio"}
    modules = _modules()
    reached, todo = set(), ["build.pipeline"]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(n for n in _imports(modules[name]) if n in modules)
    assert {"content.loader", "render.renderer", "images.references"} <= reached
    for name in sorted(reached):
        tree = ast.parse(modules[name].read_text(encoding="utf-8"))
        used = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
        used |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        roots = {module.split(".")[0] for module in used} | used
        assert roots & network == set(), name


def test_a_build_with_nothing_to_do_imports_no_parser_template_engine_or_server() -> None:
    """`newsgen build` checks whether anything changed before it imports the heavy stages,
    so a build with nothing to do costs little more than the interpreter's start."""
    code = ("import sys, generator.cli; heavy = ('yaml', 'markdown', 'jinja2', 'tornado', "
            "'livereload', 'generator.build.stages', 'generator.content.loader'); "
            "print(sorted(m for m in heavy if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=PACKAGE.parent)
    assert done.stdout.strip() == "[]"


def test_the_readme_architecture_names_every_module_at_its_rank() -> None:
    """The README's rank table holds the ranks above, and its table of what each module
    holds names every module: a newcomer reads the structure there."""
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    columns = ("", *FOLDERS)
    ranks: dict[str, int] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0].isdigit() and len(cells) == len(columns) + 1:
            for folder, cell in zip(columns, cells[1:], strict=True):
                for name in re.findall(r"`([a-z_]+)`", cell):
                    ranks[f"{folder}.{name}".lstrip(".")] = int(cells[0])
    modules = {name for name in _modules() if name != "__init__" and name not in FOLDERS}
    assert ranks == {name: rank for name, rank in RANKS.items() if name != "__main__"}
    described = set(re.findall(r"^\| `([a-z_/]+)\.py` \|", section, re.M))
    assert described == {name.replace(".", "/") for name in modules - {"__main__"}}
