"""The README's "Layout" section draws the package tree as it is, one line per module.

The section is a code block: a line ``name/`` opens a folder, a line ``name.py`` is a module, and two
spaces of indentation per level say what is inside what. Every module of ``oc_connector`` and
``oc_connector_sandbox`` must be drawn (a subpackage's ``__init__.py`` is its folder line), and
nothing that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("oc_connector", "oc_connector_sandbox")


def drawn_paths() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1]
    block = section.split("```", 2)[1]
    stack: list[str] = []
    paths: set[str] = set()
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        indent = (len(line) - len(line.lstrip(" "))) // 2
        name = line.strip().split()[0]
        del stack[indent:]
        path = "/".join([*stack, name.rstrip("/")])
        if path.split("/")[0] in PACKAGES:
            paths.add(path)
        if name.endswith("/"):
            stack.append(name.rstrip("/"))
    return paths


def tree_paths() -> set[str]:
    paths: set[str] = set()
    for package in PACKAGES:
        for module in (ROOT / package).rglob("*.py"):
            rel = module.relative_to(ROOT)
            if rel.name == "__init__.py":
                paths.add(rel.parent.as_posix())
                if rel.parent.as_posix() in PACKAGES:
                    paths.add(rel.as_posix())
            else:
                paths.add(rel.as_posix())
    return paths


def test_readme_layout_matches_the_tree() -> None:
    drawn, actual = drawn_paths(), tree_paths()
    assert not actual - drawn, f"modules missing from README.md's Layout: {sorted(actual - drawn)}"
    assert not drawn - actual, f"README.md's Layout draws what does not exist: {sorted(drawn - actual)}"


def test_the_package_root_keeps_at_most_twelve_modules() -> None:
    root_modules = sorted(p.name for p in (ROOT / "oc_connector").glob("*.py"))
    assert len(root_modules) <= 12, root_modules


def test_layout_lines_are_one_per_module() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("\n## Layout\n", 1)[1].split("```", 2)[1]
    names = [line.strip().split()[0] for line in block.splitlines()[1:] if line.strip()]
    assert all(re.fullmatch(r"[\w.]+/?", n) for n in names), names
