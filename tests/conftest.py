"""Shared fixtures: the bundled penguin example, trained once per test session, and the
releases many tests read, saved once (a test that changes one works on a copy)."""

from __future__ import annotations

from typing import Any

import pytest

from modelshare.bundle import Bundle
from modelshare.penguins import PenguinExample, train_penguin_classifier
from modelshare.quickstart import build_quickstart_release
from modelshare.release import Release

# Test helpers, not tests: their examples name the fixtures of the tests that use them.
collect_ignore = ["hostile.py", "malicious.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: runs modelshare in a real process of its own, where the process itself matters "
        "(a kill, concurrency, ``python -m``, ``python -I``, what is imported at start); every "
        "other command line test runs the command in the test's process (run_in_process)",
    )


@pytest.fixture(scope="session")
def penguins() -> PenguinExample:
    """The fitted penguin pipeline with its training, test and 2009 data."""
    return train_penguin_classifier()


@pytest.fixture(scope="session")
def quickstart_bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The quick start release, built once; tests that change it work on a copy."""
    return build_quickstart_release(tmp_path_factory.mktemp("quickstart") / "penguin-species")


@pytest.fixture(scope="session")
def undocumented_bundle(
    penguins: PenguinExample, tmp_path_factory: pytest.TempPathFactory
) -> Bundle:
    """A release given the penguin model, its data and an evaluation, and none of the facts a
    person must write (no license either), built once; tests that change it work on a copy."""
    release = Release("penguin-species")
    release.training_data(penguins.X_train, penguins.y_train, name="Palmer penguins")
    release.model(penguins.model)
    release.evaluate(penguins.X_test, penguins.y_test, dataset="penguins-test")
    return release.save(tmp_path_factory.mktemp("undocumented") / "penguin-species")


@pytest.fixture(scope="session")
def seed_mixin_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Bundle, Any]:
    """A release of the seed lesson's PyTorchModelHubMixin model, built once, and the model;
    tests that change the release work on a copy."""
    pytest.importorskip("torch")
    from tests.seed.hub_model import MyModel
    from tests.torch_steps import SEED_CONFIG, seed_release

    model = MyModel(config=SEED_CONFIG)
    return seed_release(model, tmp_path_factory.mktemp("seed") / "my-awesome-model"), model
