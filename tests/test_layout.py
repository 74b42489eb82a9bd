"""The package reads as the pipeline: each stage imports only the stages before it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "siyi_xlsx"
# bottom to top; a module may import its own stage and the ones before it
STAGES = [
    # progress: the loops' hook; names: the nearest known name; i18n: click's catalog
    {
        "__init__",
        "resources",
        "period",
        "statuses",
        "folders",
        "progress",
        "names",
        "i18n",
    },
    # the declarations: sheets, and every problem's message; the wrong-folder advice
    {"schema", "errors", "advice"},
    {"read"},
    {"check"},
    {"compute"},
    {"store"},
    {"write"},
    {"sample"},
    {"pipeline"},
    {"api", "jsonreport"},
    {"cli"},
]


def _stage(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    return next(n for n, names in enumerate(STAGES) if top in names)


def _imports() -> list[tuple[str, str]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        module = ".".join(rel.parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{module}: relative import")
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "siyi_xlsx"
            ):
                target = node.module
                if target == "siyi_xlsx":
                    for alias in node.names:
                        found.append((module, f"siyi_xlsx.{alias.name}"))
                else:
                    found.append((module, target))
    return found


def test_every_module_has_a_stage():
    for path in PACKAGE.rglob("*.py"):
        rel = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        _stage(rel)


def test_no_stage_imports_a_later_one():
    wrong = [
        f"{module} → {target}"
        for module, target in _imports()
        if target != "siyi_xlsx.__version__" and _stage(target) > _stage(module)
    ]
    assert wrong == []


def test_reading_never_imports_writing():
    wrong = [
        (m, t)
        for m, t in _imports()
        if m.startswith(("siyi_xlsx.read", "siyi_xlsx.check", "siyi_xlsx.compute"))
        and t.startswith(("siyi_xlsx.write", "siyi_xlsx.store", "siyi_xlsx.pipeline"))
    ]
    assert wrong == []
