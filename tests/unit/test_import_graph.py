"""The runtime package's parts depend one way: no part imports another that imports it
back, directly or round a longer loop. Today's order, from the bottom: errors, models,
deadlines, config, platforms, classification, slack (presentation), services (the use
cases, with their ports), adapters (AWS, Slack, X, VK), the wiring."""

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "layers" / "common" / "python" / "socialcare"


def part(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def imports_between_parts() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("socialcare.") and name.split(".")[1] != part(module):
                    edges[part(module)].add(name.split(".")[1])
    return edges


def test_no_part_of_the_package_imports_one_that_imports_it_back() -> None:
    edges = imports_between_parts()
    assert edges["services"] and edges["adapters"]  # the walk found the imports
    try:
        order = list(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as cycle:
        raise AssertionError(f"an import loop between parts: {cycle.args[1]}") from None
    assert order.index("slack") < order.index("services") < order.index("adapters")


TESTS = Path(__file__).resolve().parents[1]


def test_no_test_module_imports_another() -> None:
    """Shared builders live in tests/support (or a tier's *_support module), so running one
    test module never runs another's tests by import, and a helper has one home."""
    crossing = []
    for module in TESTS.rglob("test_*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            named = isinstance(node, ast.ImportFrom) and node.module
            if named and str(node.module).split(".")[-1].startswith("test_"):
                crossing.append(f"{module.relative_to(TESTS)} imports {node.module}")
    assert len(list(TESTS.rglob("test_*.py"))) > 50  # the walk found the tests
    assert crossing == []
