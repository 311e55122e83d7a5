"""Whoever receives a release loads it with ``modelshare.load``: the model comes back, and
nothing in the folder gets a chance to run code."""

from __future__ import annotations

import json
import operator
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import modelshare
from modelshare import ModelshareError, Release
from modelshare.bundle import Bundle
from modelshare.errors import UnsafeContentError
from modelshare.manifest import write_manifest
from tests.malicious import Payload


@pytest.fixture(scope="module")
def penguin_release(penguins, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    rel = Release("penguin-species", license="mit")
    rel.training_data(penguins.X_train, penguins.y_train, name="Palmer penguins")
    rel.model(penguins.model)
    return rel.save(tmp_path_factory.mktemp("rel") / "penguin-species")


def test_a_scikit_learn_release_loads_with_its_recorded_trust_list(
    penguins, penguin_release: Bundle
) -> None:
    model = modelshare.load(penguin_release.path)
    assert np.array_equal(model.predict(penguins.X_test), penguins.model.predict(penguins.X_test))


def test_a_model_needing_a_type_off_the_default_list_loads_only_when_the_caller_grants_it(
    penguins, tmp_path: Path
) -> None:
    negated = make_pipeline(FunctionTransformer(operator.neg), LogisticRegression())
    X = penguins.X_train.select_dtypes("number").fillna(0.0)
    rel = Release("negated", license="mit")
    rel.training_data(X, penguins.y_train, name="Palmer penguins")
    rel.model(negated.fit(X, penguins.y_train))
    folder = rel.save(tmp_path / "negated").path

    assert json.loads((folder / "modelshare.json").read_text())["model"]["trusted_types"] == [
        "_operator.neg"
    ]
    with pytest.raises(UnsafeContentError, match=r"needs types .*: _operator\.neg \("):
        modelshare.load(folder)
    model = modelshare.load(folder, trusted=["_operator.neg"])
    assert np.array_equal(model.predict(X), negated.predict(X))


def test_a_file_changed_after_release_is_refused(penguin_release: Bundle, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(penguin_release.path, tmp_path / "copy"))
    (copy / "README.md").write_text("# edited\n")
    with pytest.raises(ModelshareError, match=r"README\.md modified"):
        modelshare.load(copy)


@pytest.fixture
def seed_folder(seed_mixin_release, tmp_path: Path):
    """A copy of the seed release for one test to tamper with, and the model."""
    bundle, model = seed_mixin_release
    return Path(shutil.copytree(bundle.path, tmp_path / bundle.path.name)), model


def test_a_pickle_renamed_as_the_safetensors_weights_is_refused(seed_folder) -> None:
    import torch

    folder, model = seed_folder
    torch.save(model.state_dict(), folder / "model.safetensors")
    write_manifest(folder)  # whoever swapped the weights also rewrote the manifest
    with pytest.raises(
        ModelshareError, match=r"model\.safetensors is a pytorch file.*allow_pickle"
    ):
        modelshare.load(folder)


def test_a_torch_save_bin_posing_as_the_weights_loads_only_with_weights_only(
    seed_folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from tests.networks import outputs

    folder, model = seed_folder
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    record = json.loads((folder / "modelshare.json").read_text())
    record["model"]["file"] = "pytorch_model.bin"
    (folder / "modelshare.json").write_text(json.dumps(record))
    write_manifest(folder)
    with pytest.raises(ModelshareError, match=r"pytorch_model\.bin is a pytorch file"):
        modelshare.load(folder)

    calls: list[dict] = []
    real_load = torch.load

    def recording_load(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", recording_load)
    loaded = modelshare.load(folder, allow_pickle=True)
    assert calls == [{"weights_only": True, "map_location": "cpu"}]
    inputs = torch.rand(2, 3, 32)
    assert torch.equal(outputs(loaded, inputs), outputs(model, inputs))


def test_a_pickle_that_runs_code_is_refused_even_when_pickles_are_allowed(
    seed_folder, tmp_path: Path
) -> None:
    import pickle

    folder, _ = seed_folder
    marker = tmp_path / "canary.log"
    (folder / "model.safetensors").write_bytes(pickle.dumps(Payload(marker)))
    write_manifest(folder)
    with pytest.raises(ModelshareError, match=r"tests\.malicious\.canary"):
        modelshare.load(folder, allow_pickle=True)
    assert not marker.exists()


def test_a_pickle_renamed_as_the_safetensors_weights_loads_with_allow_pickle(seed_folder) -> None:
    import torch

    from tests.networks import outputs

    folder, model = seed_folder
    torch.save(model.state_dict(), folder / "model.safetensors")
    write_manifest(folder)
    loaded = modelshare.load(folder, allow_pickle=True)
    inputs = torch.rand(2, 3, 32)
    assert torch.equal(outputs(loaded, inputs), outputs(model, inputs))
