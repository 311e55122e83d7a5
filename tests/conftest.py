"""Shared fixtures: the bundled penguin example, trained once per test session."""

from __future__ import annotations

import pytest

from modelshare.bundle import Bundle
from modelshare.penguins import PenguinExample, train_penguin_classifier
from modelshare.quickstart import build_quickstart_release


@pytest.fixture(scope="session")
def penguins() -> PenguinExample:
    """The fitted penguin pipeline with its training, test and 2009 data."""
    return train_penguin_classifier()


@pytest.fixture(scope="session")
def quickstart_bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The quick start release, built once; tests that change it work on a copy."""
    return build_quickstart_release(tmp_path_factory.mktemp("quickstart") / "penguin-species")
