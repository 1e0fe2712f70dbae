"""The dependency direction of docs/architecture.md, checked on every import in saas/ and ml/.

Each top-level module or package of ``saas`` is one node (``saas/rating/*`` is ``rating``); ``ml``
is one node except its CLI, which belongs with the ``saas`` command. A new edge must be allowed
here and in the document, so a feature cannot quietly start importing another's internals.
"""

from __future__ import annotations

import ast

import pytest

from saas.settings import ROOT

pytestmark = pytest.mark.unit

INFRA = frozenset({"errors", "settings", "canonical", "clock", "money", "suggestions", "yamlio", "db", "metrics",
                   "http_errors", "http_body", "openapi", "charts"})
FEATURES = ("quote", "tenancy", "rules", "audit", "scoring", "rating", "rates", "trips", "webhooks", "lifecycle",
            "versioning", "content", "compliance", "fairness")
ALLOWED: dict[str, frozenset[str]] = {
    "errors": frozenset(), "settings": frozenset(), "canonical": frozenset(), "clock": frozenset(),
    "money": frozenset(), "suggestions": frozenset(), "metrics": frozenset(),
    "yamlio": frozenset({"errors", "suggestions"}),
    "db": frozenset({"settings"}),
    "http_errors": frozenset({"errors"}),
    "http_body": frozenset({"errors", "http_errors"}),
    "openapi": frozenset({"http_errors"}),
    "charts": frozenset(),
    "ml": frozenset(),
    "quote": INFRA,
    "tenancy": INFRA | {"quote"},
    "rules": INFRA | {"quote"},
    "audit": INFRA | {"quote", "tenancy"},
    "webhooks": INFRA | {"tenancy", "audit"},
    "scoring": INFRA | {"quote", "tenancy", "audit", "ml"},
    "rating": INFRA | {"quote", "tenancy", "rules", "audit", "scoring"},
    "trips": INFRA | {"quote", "tenancy", "audit", "scoring", "webhooks"},
    "versioning": INFRA | {"quote", "tenancy", "audit"},
    "rates": INFRA | {"quote", "tenancy", "rules", "audit", "scoring", "rating", "versioning"},
    "content": INFRA | {"quote", "tenancy", "rules", "audit", "scoring", "rating", "rates", "trips", "catalog",
                        "versioning"},
    "lifecycle": INFRA | {"quote", "tenancy", "audit", "scoring", "rating", "rates"},
    "compliance": INFRA | {"quote", "tenancy", "audit", "scoring", "rating", "rates", "trips", "webhooks",
                           "versioning"},
    "fairness": INFRA | {"quote", "tenancy", "audit", "scoring", "trips", "versioning"},
    "catalog": INFRA | {"quote", "tenancy", "rules", "rating"},
    "console": INFRA | {"quote", "tenancy", "rules", "audit", "scoring", "rating", "rates", "trips", "versioning",
                        "content", "fairness", "compliance"},
    "runtime": INFRA | {"catalog", "ml", *FEATURES},
    "app": INFRA | {"runtime", "console", *FEATURES},
    "demo": INFRA | {"runtime", "catalog", "console", *FEATURES},
    "cli": INFRA | {"app", "demo", "runtime", "catalog", "console", "ml.cli", "ml", *FEATURES},
    "ml.cli": INFRA | {"ml", "scoring", "lifecycle", "runtime"},
}


def node_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "ml":
        return "ml.cli" if len(parts) > 1 and parts[1].startswith("cli") else "ml"
    if parts[0] != "saas" or len(parts) == 1:
        return None
    return parts[1]


def imports() -> dict[tuple[str, str], list[str]]:
    """(from node, to node) → the files that make that edge."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in sorted([*(ROOT / "saas").rglob("*.py"), *(ROOT / "ml").rglob("*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        source = node_of(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                target = node_of(name)
                if source and target and target != source:
                    edges.setdefault((source, target), []).append(str(path.relative_to(ROOT)))
    return edges


def test_every_node_is_declared() -> None:
    nodes = {node for edge in imports() for node in edge}
    assert nodes <= set(ALLOWED), f"undeclared modules: {sorted(nodes - set(ALLOWED))}"


def test_no_forbidden_edge() -> None:
    forbidden = {f"{a} -> {b} ({', '.join(sorted(set(files)))})" for (a, b), files in imports().items()
                 if b not in ALLOWED.get(a, frozenset())}
    assert not forbidden, "imports against docs/architecture.md:\n" + "\n".join(sorted(forbidden))


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, node])):
                return cycle
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [])):
            return cycle
    return None


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = {}
    for a, b in imports():
        graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_checker_can_fail() -> None:
    """A cycle through three packages is found, and rating importing the runtime is forbidden."""
    assert find_cycle({"audit": {"tenancy"}, "tenancy": {"rating"}, "rating": {"audit"}}) == [
        "audit", "tenancy", "rating", "audit"]
    assert find_cycle({"rating": {"audit"}, "audit": {"tenancy"}}) is None
    assert "runtime" not in ALLOWED["rating"] and "rating" in ALLOWED["runtime"]
    assert node_of("saas.rating.service") == "rating" and node_of("ml.cli") == "ml.cli"
    assert node_of("ml.artifacts") == "ml" and node_of("numpy") is None


PROXY_BLIND = ("rating", "scoring", "trips", "rates", "rules", "quote", "tenancy", "audit", "lifecycle", "webhooks",
               "versioning", "content")
"""Nothing that prices, scores or ingests may read the race and ethnicity proxies (issue 18)."""


def test_nothing_that_prices_or_scores_can_import_the_proxies() -> None:
    assert all("fairness" not in ALLOWED[node] for node in PROXY_BLIND)
    reaching = {a for (a, b) in imports() if b == "fairness"}
    assert reaching <= {"runtime", "app", "cli", "demo", "console"}, reaching  # console: compliance keys only
    assert ("fairness", "scoring") in imports()  # the drivers of a gap are read from the model itself


def test_every_node_is_in_the_document() -> None:
    """docs/architecture.md's table names every node this test allows, so the two cannot drift."""
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = sorted(node for node in ALLOWED if node not in INFRA and f"`{node}`" not in document)
    assert not missing, f"nodes missing from docs/architecture.md: {missing}"
