"""Fixtures of the reconciliation tests: the app over the real graph, and the shared schemas.

The graph is ``build/spacekg.nq`` (or ``SPACEKG_TEST_BUILD``) when it exists, else the corpus
built once for the session (``built_dir``). ``SPACEKG_TEST_STORE_URL`` runs the same tests
through a remote SPARQL store. The JSON Schemas and examples are those of the W3C Entity
Reconciliation Community Group (``../shared/conformance/reconciliation`` beside the
repository, or ``SPACEKG_RECONCILE_CONFORMANCE``); tests needing them skip when absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from spacekg.config import ROOT

BASE = "https://w3id.org/spacekg/"
VERSIONS = {"0.2": "0.2", "1.0": "1.0-draft"}


def conformance_dir() -> Path | None:
    """Where the shared reconciliation schemas are, or None."""
    for cand in (os.environ.get("SPACEKG_RECONCILE_CONFORMANCE"),
                 ROOT.parent / "shared" / "conformance" / "reconciliation",
                 ROOT.parent.parent / "shared" / "conformance" / "reconciliation"):
        if cand and Path(cand, "0.2", "schemas").is_dir():
            return Path(cand)
    return None


class Schemas:
    """The JSON Schemas of one version, resolvable by their ``$id`` (relative refs included)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.docs = {p.stem: json.loads(p.read_text(encoding="utf-8"))
                     for p in sorted((folder / "schemas").glob("*.json")) if p.stem != "openapi"}
        resources = []
        for doc in self.docs.values():
            if "$id" in doc:
                resources.append((doc["$id"], Resource.from_contents(doc, default_specification=DRAFT7)))
        self.registry = Registry().with_resources(resources)

    def validator(self, name: str) -> Draft7Validator:
        """A validator of the schema ``name`` (file stem, e.g. ``manifest``)."""
        return Draft7Validator(self.docs[name], registry=self.registry)

    def validate(self, name: str, instance) -> None:
        """Raise ``jsonschema.ValidationError`` when ``instance`` breaks schema ``name``."""
        self.validator(name).validate(instance)

    def examples(self, kind: str, validity: str) -> list[Path]:
        """Example files of ``examples/<kind>/<validity>/``."""
        return sorted((self.folder / "examples" / kind / validity).glob("*.json"))


@pytest.fixture(scope="session")
def schemas() -> dict[str, Schemas]:
    root = conformance_dir()
    if root is None:
        pytest.skip("the reconciliation schemas (../shared/conformance/reconciliation) are absent")
    return {v: Schemas(root / d) for v, d in VERSIONS.items()}


@pytest.fixture(scope="session")
def graph_file(request) -> Path:
    real = Path(os.environ.get("SPACEKG_TEST_BUILD", ROOT / "build" / "spacekg.nq"))
    if real.is_file():
        return real
    return request.getfixturevalue("built_dir") / "spacekg.nq"


@pytest.fixture(scope="session")
def app(graph_file):
    from spacekg.server import create_app

    remote = os.environ.get("SPACEKG_TEST_STORE_URL")
    source = {"SPACEKG_STORE_URL": remote} if remote else {"SPACEKG_DATA": [str(graph_file)],
                                                           "SPACEKG_STORE_URL": None}
    return create_app({"TESTING": True, "SPACEKG_BASE": BASE, **source})


@pytest.fixture()
def client(app):
    return app.test_client()
