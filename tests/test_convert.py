"""A user turns PyTorch checkpoints into safetensors with ``modelshare convert``, and loads the
result with the ecosystem's own tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from safetensors.torch import load_file, load_model  # noqa: E402

from modelshare import ModelshareError  # noqa: E402
from modelshare.convert import convert_checkpoint  # noqa: E402
from tests.helpers import assert_clean_failure, run_in_process  # noqa: E402
from tests.networks import TiedLanguageModel, outputs  # noqa: E402
from tests.seed import hub_model, local_model  # noqa: E402
from tests.torch_steps import SEED_CONFIG  # noqa: E402


def test_seed_checkpoint_converts_and_loads_with_from_pretrained(tmp_path: Path) -> None:
    model = local_model.MyModel(config=SEED_CONFIG)
    checkpoint = tmp_path / "my_awesome_model.pth"
    config = tmp_path / "my_awesome_model_config.json"
    local_model.save_model(model, str(checkpoint), str(config))

    result = run_in_process(
        "convert", checkpoint, "--config", config, "--out", tmp_path / "converted"
    )
    assert result.returncode == 0, result.stderr
    assert "3 tensors" in result.stdout
    assert sorted(p.name for p in (tmp_path / "converted").iterdir()) == [
        "config.json",
        "model.safetensors",
    ]
    reloaded = hub_model.MyModel.from_pretrained(tmp_path / "converted")
    inputs = torch.rand(4, SEED_CONFIG["num_channels"], SEED_CONFIG["hidden_size"])
    assert torch.equal(outputs(reloaded, inputs), outputs(model, inputs))


def test_tied_weights_are_stored_once_and_load_back_equal(tmp_path: Path) -> None:
    model = TiedLanguageModel()
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    (tmp_path / "config.json").write_text(json.dumps({"vocab": 12, "width": 4}))

    result = convert_checkpoint(tmp_path / "pytorch_model.bin", tmp_path / "converted")
    assert result.shared == {"head.weight": "embed.weight"}
    assert result.config == "config.json"
    assert list(load_file(tmp_path / "converted" / "model.safetensors")) == ["embed.weight"]
    rebuilt = TiedLanguageModel()
    load_model(rebuilt, tmp_path / "converted" / "model.safetensors")
    tokens = torch.tensor([[1, 5, 7]])
    assert torch.equal(outputs(rebuilt, tokens), outputs(model, tokens))
    assert rebuilt.head.weight is rebuilt.embed.weight


def test_views_and_non_contiguous_tensors_are_written_as_plain_tensors(tmp_path: Path) -> None:
    storage = torch.arange(12.0)
    state = {
        "transposed": torch.rand(3, 5).t(),
        "left": storage[0:8],
        "right": storage[4:12],
    }
    assert not state["transposed"].is_contiguous()
    torch.save(state, tmp_path / "checkpoint.pt")

    convert_checkpoint(tmp_path / "checkpoint.pt", tmp_path / "converted")
    saved = load_file(tmp_path / "converted" / "model.safetensors")
    assert set(saved) == set(state)
    for name, tensor in state.items():
        assert torch.equal(saved[name], tensor)
    assert not (tmp_path / "converted" / "config.json").exists()


def test_a_training_checkpoint_gives_its_state_dict_and_names_what_is_not_a_tensor(
    tmp_path: Path,
) -> None:
    model = TiedLanguageModel()
    torch.save({"state_dict": model.state_dict(), "epoch": 3}, tmp_path / "nested.pt")
    convert_checkpoint(tmp_path / "nested.pt", tmp_path / "converted")
    assert list(load_file(tmp_path / "converted" / "model.safetensors")) == ["embed.weight"]

    torch.save({"weight": torch.ones(2), "epoch": 3}, tmp_path / "mixed.pt")
    with pytest.raises(ModelshareError, match="not tensors \\(epoch\\)"):
        convert_checkpoint(tmp_path / "mixed.pt", tmp_path / "refused")
    assert not (tmp_path / "refused").exists()


def test_an_existing_output_is_kept_unless_overwrite(tmp_path: Path) -> None:
    torch.save({"weight": torch.ones(2)}, tmp_path / "checkpoint.pt")
    (tmp_path / "converted").mkdir()
    (tmp_path / "converted" / "notes.txt").write_text("mine")

    result = run_in_process("convert", tmp_path / "checkpoint.pt", "--out", tmp_path / "converted")
    assert_clean_failure(result, "--overwrite")
    assert [p.name for p in (tmp_path / "converted").iterdir()] == ["notes.txt"]

    with pytest.raises(ModelshareError, match="modelshare did not write it"):
        convert_checkpoint(tmp_path / "checkpoint.pt", tmp_path / "converted", overwrite=True)
    convert_checkpoint(tmp_path / "checkpoint.pt", tmp_path / "again")
    convert_checkpoint(tmp_path / "checkpoint.pt", tmp_path / "again", overwrite=True)
    assert [p.name for p in (tmp_path / "again").iterdir()] == ["model.safetensors"]


def test_a_file_that_is_not_a_checkpoint_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "model.pth").write_text("not a checkpoint")
    result = run_in_process("convert", tmp_path / "model.pth", "--out", tmp_path / "converted")
    assert_clean_failure(result, "model.pth")
    assert not (tmp_path / "converted").exists()


def test_a_whole_pickled_model_is_refused_with_what_to_convert_instead(tmp_path: Path) -> None:
    torch.save(torch.nn.Linear(3, 2), tmp_path / "whole.pt")

    with pytest.raises(ModelshareError) as refused:
        convert_checkpoint(tmp_path / "whole.pt", tmp_path / "converted")

    message = str(refused.value)
    assert "torch.nn.modules.linear.Linear" in message
    assert "torch.save(model.state_dict()" in message
    assert "modelshare convert" not in message
    assert not (tmp_path / "converted").exists()
