"""Dependencies point one way, kpo <- vendors <- engagements (CONVENTIONS.md):
no module of the vendors app imports engagements."""

import ast
from pathlib import Path

import vendors

VENDORS = Path(vendors.__file__).resolve().parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_vendors_app_never_imports_engagements():
    offenders = {
        str(path.relative_to(VENDORS)): sorted(m for m in imported_modules(path) if m.split(".")[0] == "engagements")
        for path in VENDORS.rglob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}
