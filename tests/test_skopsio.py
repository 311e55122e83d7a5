"""skops is imported with scikit-learn's estimator names read from a cache: the list it
trusts is the same, and the estimators are not all imported again in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_the_cached_names_are_the_ones_skops_computes(tmp_path: Path) -> None:
    first = names_in_a_fresh_process(tmp_path)
    cached = list((tmp_path / "modelshare").glob("skops-estimators-*.json"))
    second = names_in_a_fresh_process(tmp_path)

    assert len(cached) == 1 and json.loads(cached[0].read_text()) == first["names"]
    assert second["names"] == first["names"] and len(first["names"]) > 100
    assert second["modules"] < first["modules"] - 100, "every estimator was imported again"


def test_a_cache_holding_anything_but_estimator_names_is_ignored(tmp_path: Path) -> None:
    names_in_a_fresh_process(tmp_path)
    cache = next((tmp_path / "modelshare").glob("skops-estimators-*.json"))
    cache.write_text(json.dumps(["builtins.exec", "sklearn.linear_model.LogisticRegression"]))

    tampered = names_in_a_fresh_process(tmp_path)

    assert "builtins.exec" not in tampered["names"] and len(tampered["names"]) > 100
    assert "builtins.exec" not in json.loads(cache.read_text()), "the cache is written anew"
