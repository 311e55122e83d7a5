"""Shared fixtures: the bundled penguin example, trained once per test session."""

from __future__ import annotations

import pytest

from modelshare.penguins import PenguinExample, train_penguin_classifier


@pytest.fixture(scope="session")
def penguins() -> PenguinExample:
    """The fitted penguin pipeline with its training, test and 2009 data."""
    return train_penguin_classifier()
