"""The floors hold: the import contracts in pyproject.toml are kept, and they do catch a wrong import.

``lint-imports`` runs the same contracts in CI; these tests also show that an arrow against the direction
or a cycle inside orders would break them (a contract that cannot fail would prove nothing).
"""

from __future__ import annotations

import copy
from pathlib import Path

import grimp
import importlinter.api  # noqa: F401  (configures import-linter, as its command does)
import pytest
from importlinter.application import use_cases
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def options(request: pytest.FixtureRequest) -> object:
    request.getfixturevalue("monkeypatch_module").chdir(ROOT)
    return use_cases.read_user_options(str(ROOT / "pyproject.toml"))


@pytest.fixture(scope="module")
def monkeypatch_module() -> object:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def graph(options: object) -> grimp.ImportGraph:
    return grimp.build_graph(*options.session_options["root_packages"], cache_dir=None)  # type: ignore[attr-defined]


def contract(options: object, contract_id: str) -> LayersContract:
    for contract_options in options.contracts_options:  # type: ignore[attr-defined]
        if contract_options.get("id") == contract_id:
            return LayersContract(
                name=contract_options["name"],
                session_options=options.session_options,  # type: ignore[attr-defined]
                contract_options=contract_options,
            )
    raise AssertionError(f"no contract {contract_id!r} in pyproject.toml")


def test_every_contract_is_kept(options: object) -> None:
    assert {c["id"] for c in options.contracts_options} == {"floors", "orders-inside"}  # type: ignore[attr-defined]
    # What `lint-imports` runs: True when every contract is kept (it prints the broken ones).
    assert use_cases.lint_imports(str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True, is_debug_mode=True)


def test_the_floors_are_in_the_order_the_readme_gives(options: object) -> None:
    layers = [layer.module_tails for layer in contract(options, "floors").layers]  # type: ignore[attr-defined]
    assert [next(iter(tails)).name for tails in layers] == [
        "mms", "investment", "reports", "exchange", "orders", "plans", "inventory", "people", "assets", "core",
    ]  # fmt: skip
    readme = (ROOT / "README.md").read_text()
    assert "core ← assets ← people ← inventory ← plans ← orders ← exchange ← reports ← investment ← mms" in readme


def test_the_graph_has_the_real_imports(graph: grimp.ImportGraph) -> None:
    # The contract reads what the code imports: a known downward import is in the graph.
    assert graph.direct_import_exists(importer="orders.models.workorders", imported="plans.models")
    assert graph.direct_import_exists(importer="assets.services", imported="core.scoping")


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("assets.models", "orders.models"),  # a lower app imports a higher one
        ("core.scoping", "people.models"),  # the foundation imports an app
        ("people.models", "inventory.models"),
        ("inventory.services", "mms.dashboards"),  # an app imports the top floor
        ("orders.services", "exchange.services"),  # orders reaches the exchange floor above it
    ],
)
def test_an_import_against_the_floors_breaks_them(
    options: object, graph: grimp.ImportGraph, importer: str, imported: str
) -> None:
    assert contract(options, "floors").check(copy.deepcopy(graph), verbose=False).kept
    wrong = copy.deepcopy(graph)
    wrong.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert not contract(options, "floors").check(wrong, verbose=False).kept


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("orders.actions", "orders.tasks"),  # the old five-file cycle: actions queued the task by import
        ("orders.services", "orders.scheduler"),
        ("orders.webhooks", "orders.services"),
        ("orders.models", "orders.actions"),
    ],
)
def test_a_cycle_inside_orders_breaks_its_layers(
    options: object, graph: grimp.ImportGraph, importer: str, imported: str
) -> None:
    assert contract(options, "orders-inside").check(copy.deepcopy(graph), verbose=False).kept
    wrong = copy.deepcopy(graph)
    wrong.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert not contract(options, "orders-inside").check(wrong, verbose=False).kept


def test_no_cycle_between_packages(graph: grimp.ImportGraph) -> None:
    apps = ["core", "assets", "people", "inventory", "plans", "orders", "exchange", "reports", "investment", "mms"]
    for lower_index, lower in enumerate(apps):
        for higher in apps[lower_index + 1 :]:
            chains = graph.find_shortest_chains(importer=lower, imported=higher, as_packages=True)
            chains = {chain for chain in chains if not any(".tests" in module for module in chain)}
            assert not chains, f"{lower} reaches {higher}: {sorted(chains)[:3]}"
