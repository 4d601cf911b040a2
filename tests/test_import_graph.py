"""The project's modules import each other without cycles, lazy imports inside functions included:
a lazy import hides a cycle, it does not remove it (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kpo", "vendors", "engagements")


def project_modules(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def import_graph(modules: dict[str, Path] | None = None) -> dict[str, set[str]]:
    """Each project module -> the project modules it imports anywhere in its body."""
    modules = project_modules() if modules is None else modules

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(resolve(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.add(submodule if submodule in modules else resolve(base))
        graph[name] = {target for target in targets if target and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_project_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_lazy_cycle():
    graph = {"a.services": {"a.tasks"}, "a.tasks": {"a.webhooks"}, "a.webhooks": {"a.services"}, "a.models": set()}
    assert cycles(graph) == [["a.services", "a.tasks", "a.webhooks"]]


def test_the_graph_sees_imports_inside_functions_and_relative_ones(tmp_path):
    package = tmp_path / "app"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "services.py").write_text("def send():\n    from app.tasks import deliver\n")
    (package / "tasks.py").write_text("from .sub import runs\n")
    (package / "sub" / "runs.py").write_text("from .. import services\n")
    graph = import_graph(project_modules(tmp_path, ("app",)))
    assert graph["app.services"] == {"app.tasks"}
    assert graph["app.tasks"] == {"app.sub.runs"}
    assert graph["app.sub.runs"] == {"app.services"}
    assert cycles(graph) == [["app.services", "app.sub.runs", "app.tasks"]]


def test_nothing_imports_the_tasks_module():
    """Tasks are the thin top layer: services send them by name (kpo.dispatch.task_send)."""
    graph = import_graph()
    assert sorted(module for module, targets in graph.items() if "engagements.tasks" in targets) == []


# The concepts of engagements in the order they build on each other (docs/architecture.md).
CONCEPT_ORDER = ("organizations", "requirements", "matching", "delivery", "rfp")
CORE_MODULES = (
    "models",
    "services",
    "team_services",
    "selectors",
    "runs",
    "candidates",
    "scoring",
    "scorer",
    "webhooks",
    "caller",
)
SHARED_CONCEPTS = {"access": ("organizations",), "integrations": ("organizations",)}


def concept_violations(graph: dict[str, set[str]]) -> list[str]:
    def split(module: str) -> tuple[str, str] | None:
        parts = module.split(".")
        return (parts[1], parts[2]) if parts[0] == "engagements" and len(parts) == 3 else None

    violations = []
    for module, targets in sorted(graph.items()):
        mine = split(module)
        if mine is None or mine[1] not in CORE_MODULES:
            continue
        for target in sorted(targets):
            theirs = split(target)
            if theirs is None or theirs[0] == mine[0]:
                continue
            if mine[0] in SHARED_CONCEPTS:
                allowed = theirs[0] in SHARED_CONCEPTS[mine[0]]
            else:
                allowed = (
                    theirs[0] in SHARED_CONCEPTS
                    or theirs in {("matching", "scoring"), ("matching", "scorer")}
                    or (
                        mine[0] in CONCEPT_ORDER
                        and theirs[0] in CONCEPT_ORDER
                        and CONCEPT_ORDER.index(theirs[0]) < CONCEPT_ORDER.index(mine[0])
                    )
                )
            if not allowed:
                violations.append(f"{module} -> {target}")
    return violations


def test_the_concepts_build_on_each_other_in_one_order():
    assert concept_violations(import_graph()) == []


def test_a_concept_that_reaches_back_is_a_violation():
    graph = {"engagements.requirements.services": {"engagements.rfp.models"}, "engagements.rfp.models": set()}
    assert concept_violations(graph) == ["engagements.requirements.services -> engagements.rfp.models"]


def test_kpo_imports_no_app():
    """kpo is the bottom layer: it names the apps' URL modules as strings, never imports them."""
    graph = import_graph()
    reaching_up = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == "kpo"
        for target in targets
        if target.split(".")[0] in {"vendors", "engagements"}
    )
    assert reaching_up == []
