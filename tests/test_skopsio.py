"""skops is imported with scikit-learn's estimator names read from a cache: the list it
trusts is the same, and the estimators are not all imported again in every process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

NAMES_AFTER_IMPORT = """
import json, sys
from modelshare.skopsio import skops_io
skops_io()
from skops.io import _trusted_types
print(json.dumps({
    "names": _trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES,
    "modules": sum(name.startswith("sklearn.") for name in sys.modules),
}))
"""


def names_in_a_fresh_process(cache: Path) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    result = subprocess.run(
        [sys.executable, "-c", NAMES_AFTER_IMPORT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A cache folder in which a first fresh process wrote the names, and what it found."""
    cache = tmp_path_factory.mktemp("cache")
    return cache, names_in_a_fresh_process(cache)


def copy_of(computed: tuple[Path, dict], tmp_path: Path) -> Path:
    """A copy of the cache folder the first process wrote, for one test to use."""
    return Path(shutil.copytree(computed[0], tmp_path / "cache"))


@pytest.mark.e2e  # what each new process imports, and the cache they share
def test_the_cached_names_are_the_ones_skops_computes(
    computed: tuple[Path, dict], tmp_path: Path
) -> None:
    first, cache_home = computed[1], copy_of(computed, tmp_path)
    cached = list((cache_home / "modelshare").glob("skops-estimators-*.json"))
    second = names_in_a_fresh_process(cache_home)

    assert len(cached) == 1 and json.loads(cached[0].read_text()) == first["names"]
    assert second["names"] == first["names"] and len(first["names"]) > 100
    assert second["modules"] < first["modules"] - 100, "every estimator was imported again"


@pytest.mark.e2e  # what a new process trusts, read from a cache an attacker wrote
def test_a_cache_holding_anything_but_estimator_names_is_ignored(
    computed: tuple[Path, dict], tmp_path: Path
) -> None:
    cache_home = copy_of(computed, tmp_path)
    cache = next((cache_home / "modelshare").glob("skops-estimators-*.json"))
    cache.write_text(json.dumps(["builtins.exec", "sklearn.linear_model.LogisticRegression"]))

    tampered = names_in_a_fresh_process(cache_home)

    assert "builtins.exec" not in tampered["names"] and len(tampered["names"]) > 100
    assert "builtins.exec" not in json.loads(cache.read_text()), "the cache is written anew"
