"""Shared fixtures: the pipeline loaded once, and one real build of the corpus per session."""

from __future__ import annotations

import pytest

from spacekg.build import Paths, Pipeline, build_dataset
from spacekg.config import IRIs
from spacekg.sources import load_sources


@pytest.fixture(scope="session")
def iris():
    return IRIs()


@pytest.fixture(scope="session")
def sources():
    return {s.id: s for s in load_sources(Paths().sources)}


@pytest.fixture(scope="session")
def pipeline(iris, sources):
    return Pipeline.load(Paths(), iris, list(sources))


@pytest.fixture(scope="session")
def built(iris):
    """The real corpus built once (with inference when available)."""
    return build_dataset(iris=iris)


@pytest.fixture(scope="session")
def built_dir(built, tmp_path_factory):
    """The real build published into a temporary folder (spacekg.nq, …, report.json)."""
    from spacekg.publish import publish

    out = tmp_path_factory.mktemp("build") / "out"
    publish(built, out)
    return out
