"""A researcher releases PyTorch networks, the seed's and a trained classifier, and gets them
back with the ecosystem's own tools and with modelshare."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import ModelCard, PyTorchModelHubMixin
from sklearn.metrics import accuracy_score

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

import modelshare  # noqa: E402
from modelshare import ModelshareError, Release  # noqa: E402
from tests.helpers import assert_clean_failure, run_in_process  # noqa: E402
from tests.networks import PenguinNet, outputs  # noqa: E402
from tests.seed import hub_model, local_model  # noqa: E402
from tests.torch_steps import (  # noqa: E402
    SEED_CONFIG,
    SPECIES,
    measurements,
    seed_release,
    train_penguin_net,
)

NET_CONFIG = {"n_features": 4, "hidden": 16, "n_classes": 3, "dropout": 0.2}
INPUTS = torch.rand(5, SEED_CONFIG["num_channels"], SEED_CONFIG["hidden_size"])


def test_mixin_model_is_saved_exactly_as_save_pretrained_writes_it(
    seed_mixin_release, tmp_path: Path
) -> None:
    bundle, model = seed_mixin_release
    model.save_pretrained(tmp_path / "direct")
    for name in ("model.safetensors", "config.json"):
        assert (bundle.path / name).read_bytes() == (tmp_path / "direct" / name).read_bytes()
    assert json.loads((bundle.path / "config.json").read_text()) == SEED_CONFIG

    reloaded = hub_model.MyModel.from_pretrained(bundle.path)
    assert torch.equal(outputs(reloaded, INPUTS), outputs(model, INPUTS))
    loaded = modelshare.load(bundle.path)
    assert type(loaded) is hub_model.MyModel
    assert torch.equal(outputs(loaded, INPUTS), outputs(model, INPUTS))
    example = (bundle.path / "examples" / "predict.py").read_text()
    assert "from tests.seed.hub_model import MyModel" in example
    assert "MyModel.from_pretrained(RELEASE)" in example


def test_plain_model_loads_with_the_mixin_class_and_with_its_own(tmp_path: Path) -> None:
    model = local_model.MyModel(config=SEED_CONFIG)
    bundle = seed_release(model, tmp_path / "my-awesome-model")
    assert json.loads((bundle.path / "config.json").read_text()) == SEED_CONFIG

    reloaded = hub_model.MyModel.from_pretrained(bundle.path)
    assert torch.equal(outputs(reloaded, INPUTS), outputs(model, INPUTS))
    loaded = modelshare.load(bundle.path, model_class=local_model.MyModel)
    assert torch.equal(outputs(loaded, INPUTS), outputs(model, INPUTS))
    with pytest.raises(ModelshareError, match="model_class="):
        modelshare.load(bundle.path)


def test_a_class_defined_in_a_script_gets_an_example_that_lists_the_weights(
    tmp_path: Path,
) -> None:
    class ScriptModel(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.linear = nn.Linear(width, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x)

    rel = Release("script-model").training_data(torch.rand(8, 3), [0, 1] * 4, name="random")
    bundle = rel.model(ScriptModel(3), task="classification", config={"width": 3}).save(
        tmp_path / "script-model"
    )
    example = (bundle.path / "examples" / "predict.py").read_text()
    assert "ScriptModel" in example
    assert "'linear.weight': [2, 3]" in example
    result = subprocess.run(
        [sys.executable, str(bundle.path / "examples" / "predict.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "linear.weight (2, 3) torch.float32" in result.stdout


def test_a_sequential_regressor_is_scored_and_released_with_its_weights_listed(
    penguins, tmp_path: Path
) -> None:
    X, _ = measurements(penguins.X_train, penguins.y_train)
    body_mass = X[:, 3].numpy()
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    rel = Release("body-mass").training_data(X[:, :3], body_mass, name="Palmer penguins")
    rel.model(net, task="regression", config={})
    rel.evaluate(X[:, :3], body_mass, dataset="penguins-train", split="train")
    bundle = rel.save(tmp_path / "body-mass")

    assert {m.type for m in bundle.record.evaluation[0].metrics} == {
        "mae",
        "mse",
        "r_squared",
        "mape",
    }
    assert bundle.record.model.pipeline_tag == "tabular-regression"
    assert "cannot be rebuilt from `config.json` alone" in (bundle.path / "README.md").read_text()
    assert "'0.weight': [8, 3]" in (bundle.path / "examples" / "predict.py").read_text()
    with pytest.raises(ModelshareError, match="does not hold the saved weights"):
        modelshare.load(bundle.path, model_class=nn.Sequential)


@pytest.fixture(scope="module")
def penguin_net(penguins) -> tuple[PenguinNet, torch.optim.Optimizer, dict]:
    """A network trained on the penguin measurements, with its optimizer and data."""
    X_train, y_train = measurements(penguins.X_train, penguins.y_train)
    X_test, y_test = measurements(penguins.X_test, penguins.y_test)
    net, optimizer = train_penguin_net(X_train, y_train, NET_CONFIG, epochs=30, lr=0.01)
    data = {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}
    return net, optimizer, data


@pytest.fixture(scope="module")
def penguin_release(penguin_net, penguins, tmp_path_factory: pytest.TempPathFactory):
    net, optimizer, data = penguin_net
    X_later, y_later = measurements(penguins.X_later, penguins.y_later)
    rel = Release("penguin-net", license="mit", authors=["A. Researcher"])
    rel.training_data(data["X_train"], data["y_train"], name="Palmer penguins")
    rel.model(net, task="classification", config=NET_CONFIG, classes=SPECIES)
    rel.training(optimizer=optimizer, epochs=30, batch_size=32, seed=0, loss="cross-entropy")
    rel.evaluate(data["X_test"], data["y_test"], dataset="penguins-test")
    rel.evaluate(
        X_later,
        y_later,
        dataset="penguins-2009",
        predict=lambda x: np.array(SPECIES)[net(x).argmax(1).numpy()],
    )
    return rel.save(tmp_path_factory.mktemp("rel") / "penguin-net")


def test_trained_network_is_scored_like_a_scikit_learn_model(penguin_net, penguin_release) -> None:
    net, _, data = penguin_net
    predicted = np.array(SPECIES)[outputs(net, data["X_test"]).argmax(1).numpy()]
    metrics = {m.type: m.value for m in penguin_release.record.evaluation[0].metrics}
    assert set(metrics) == {"accuracy", "f1", "precision", "recall", "roc_auc", "top_k_accuracy"}
    assert metrics["accuracy"] == round(accuracy_score(data["y_test"], predicted), 4)
    assert metrics["accuracy"] > 0.9


def test_card_shows_architecture_and_training_procedure(penguin_net, penguin_release) -> None:
    net, _, _ = penguin_net
    text = (penguin_release.path / "README.md").read_text()
    total = sum(p.numel() for p in net.parameters())
    assert f"Parameters: {total:,} in total, {total:,} trainable; dtype float32." in text
    assert "| `layers` | Sequential | 131 |" in text
    assert "| Linear | 2 |" in text
    assert "Optimizer: `Adam` (`torch.optim.adam.Adam`)." in text
    assert "| lr | 0.01 |" in text
    assert "| betas | 0.9, 0.999 |" in text
    for row in [
        "| Epochs | 30 |",
        "| Batch size | 32 |",
        "| Seed | 0 |",
        "| Loss | cross-entropy |",
    ]:
        assert row in text
    assert "| Dropout | p = 0.2 in 1 layer (`layers.2`) |" in text
    assert "| **dropout** | 0.2 |" in text

    card = ModelCard.load(penguin_release.path / "README.md")
    assert card.data.library_name is None  # the Hub has no library id for plain PyTorch
    assert {"pytorch", "safetensors"} <= set(card.data.tags)
    assert card.data.pipeline_tag == "tabular-classification"
    claimed = {(r.dataset_type, r.metric_type) for r in card.data.eval_results}
    assert ("penguins-test", "roc_auc") in claimed


def test_network_loads_back_with_its_class(penguin_net, penguin_release) -> None:
    net, _, data = penguin_net
    loaded = modelshare.load(penguin_release.path, model_class=PenguinNet)
    assert torch.equal(loaded.mean, net.mean)
    assert torch.equal(outputs(loaded, data["X_test"]), outputs(net, data["X_test"]))
    assert penguin_release.record.environment.seeds == {"training": 0}


def test_inputs_are_checked_against_thresholds_calibrated_on_the_logits(
    penguin_net, penguin_release
) -> None:
    net, _, data = penguin_net
    detector = modelshare.ood(penguin_release.path, model_class=PenguinNet)

    scores = detector.score(data["X_test"])
    far = detector.score(data["X_test"] * 3)

    assert detector.thresholds.dataset == "penguins-test" and detector.thresholds.energy < 0
    assert scores["flag"].mean() == pytest.approx(detector.thresholds.flagged_share, abs=1e-4)
    logits = outputs(net, data["X_test"]).numpy()
    assert np.allclose(scores["energy"], -np.log(np.exp(logits).sum(axis=1)), atol=1e-5)
    assert far["flag"].mean() > 0.9
    assert "pass model_class=" in modelshare.ood(penguin_release.path).model_note()


def test_a_predict_function_returning_labels_is_scored_without_roc_auc(penguin_release) -> None:
    later = penguin_release.record.evaluation[1]
    assert later.dataset.name == "penguins-2009"
    assert {m.type for m in later.metrics} == {"accuracy", "f1", "precision", "recall"}


def test_weights_written_as_a_pickle_are_refused(tmp_path: Path) -> None:
    class PickledNet(nn.Module, PyTorchModelHubMixin):
        def __init__(self, width: int = 3) -> None:
            super().__init__()
            self.linear = nn.Linear(width, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x)

        def _save_pretrained(self, save_directory: Path) -> None:
            torch.save(self.state_dict(), save_directory / "model.safetensors")

    rel = Release("pickled").training_data(torch.rand(4, 3), [0, 1, 0, 1], name="random")
    rel.model(PickledNet(), task="classification")
    with pytest.raises(ModelshareError, match="modelshare convert"):
        rel.save(tmp_path / "pickled")
    assert not (tmp_path / "pickled").exists()


def test_cli_release_refuses_a_pth_checkpoint_pointing_to_convert(tmp_path: Path) -> None:
    local_model.save_model(
        local_model.MyModel(config=SEED_CONFIG),
        str(tmp_path / "my_awesome_model.pth"),
        str(tmp_path / "my_awesome_model_config.json"),
    )
    (tmp_path / "train.csv").write_text("x,species\n1.0,Adelie\n2.0,Gentoo\n")
    result = run_in_process(
        "release",
        "--model",
        tmp_path / "my_awesome_model.pth",
        "--train",
        tmp_path / "train.csv",
        "--target",
        "species",
        "--out",
        tmp_path / "out",
    )
    assert_clean_failure(result, "my_awesome_model.pth", "modelshare convert")


def test_an_unsupported_model_names_every_supported_kind() -> None:
    with pytest.raises(ModelshareError) as error:
        Release("x").model(object())
    for kind in ("scikit-learn", "PyTorch", "transformers"):
        assert kind in str(error.value)


@pytest.mark.e2e  # what a new process imports to start the command line
def test_the_command_line_starts_without_importing_torch() -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['modelshare', '--help']\n"
        "try:\n"
        "    runpy.run_module('modelshare', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "convert" in result.stdout


@pytest.mark.parametrize("choice", ["synthetic", "none"])
def test_a_network_example_predicts_on_synthetic_inputs_or_none(
    penguin_net, choice: str, tmp_path: Path
) -> None:
    from safetensors.torch import load_file

    net, _, data = penguin_net
    rel = Release("penguin-net", license="mit")
    rel.training_data(data["X_train"], data["y_train"], name="Palmer penguins")
    rel.model(net, task="classification", config=NET_CONFIG, classes=SPECIES)
    bundle = rel.evaluate(data["X_test"], data["y_test"], dataset="penguins-test").save(
        tmp_path / "rel", example_rows=choice
    )

    expected = bundle.path / "examples" / "expected.safetensors"
    assert bundle.record.example_rows.source == choice
    if choice == "none":
        assert not expected.exists()
        assert "print(model)" in (bundle.path / "examples" / "predict.py").read_text()
        return
    inputs = load_file(expected)["inputs"]
    data_rows = torch.cat([data["X_train"], data["X_test"]]).to(inputs.dtype)
    assert inputs.shape == (3, NET_CONFIG["n_features"])
    assert not any(bool((data_rows == row).all(1).any()) for row in inputs)
