"""Imports point only to lower ranks, so the architecture in the README stays true."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "generator"

RANKS = {
    "errors": 0, "model": 0, "tempfiles": 0, "addresses": 0, "scaffold": 0,
    "config": 1, "output": 1, "theme": 1, "watch": 1, "servepaths": 1,
    "imagestore": 1, "imagework": 1, "httpfetch": 1, "search": 1,
    "preview": 2,
    "urls": 2, "frontmatter": 2,
    "fields": 3, "sanitize": 3,
    "markdown": 4, "related": 4,
    "loader": 5,
    "site": 5,
    "imagecache": 6, "pages": 6, "state": 6,
    "metadata": 7,
    "views": 8,
    "render": 9,
    "workers": 10,
    "build": 11,
    "console": 12, "images": 12,
    "serve": 13, "imagecommands": 13, "publish": 13,
    "cli": 14,
    "__main__": 15,
    "__init__": 0,
}


def _imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            parts = node.module.split(".")
            if len(parts) > 1:
                names.add(parts[1])
            else:
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("generator."):
                    names.add(alias.name.split(".")[1])
    return names


def test_every_module_has_a_rank() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules - RANKS.keys() == set()


def test_every_import_points_to_a_lower_rank() -> None:
    wrong = []
    for path in sorted(PACKAGE.glob("*.py")):
        for name in sorted(_imports(path)):
            if name == "__init__" or (path.stem == "__main__" and name == "cli"):
                continue
            if name in RANKS and RANKS[name] >= RANKS[path.stem]:
                wrong.append(f"{path.stem} (rank {RANKS[path.stem]}) imports {name} "
                             f"(rank {RANKS[name]})")
    assert wrong == []


def test_the_build_cannot_reach_the_network() -> None:
    """Nothing `build` imports, directly or through other modules, can open a connection."""
    network = {"urllib.request", "http.client", "socket", "requests", "httpx", "tornado",
               "livereload", "asyncio"}
    reached, todo = set(), ["build"]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(n for n in _imports(PACKAGE / f"{name}.py") if n in RANKS)
    for name in sorted(reached):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        used = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
        used |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        roots = {module.split(".")[0] for module in used} | used
        assert roots & network == set(), name
