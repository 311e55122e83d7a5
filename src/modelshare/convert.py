"""``modelshare convert``: a PyTorch checkpoint (``torch.save`` of a state dict) to
``model.safetensors`` + ``config.json``, the layout ``PyTorchModelHubMixin.from_pretrained``
and modelshare releases read.

The checkpoint is read only by ``torch.load(weights_only=True)`` after a clean scan
(:func:`~modelshare.safety.safe_torch_load`). Tensors that share storage (tied weights) are
stored once, as ``safetensors.torch.save_model`` stores them, and the others' names are kept
in the file's metadata; views are made contiguous. The written file is read back and compared
tensor by tensor before the output folder is renamed into place.

Example:
    >>> import torch
    >>> torch.save(torch.nn.Linear(3, 2).state_dict(), "my_awesome_model.pth")
    >>> _ = Path("my_awesome_model_config.json").write_text('{"in_features": 3, "out_features": 2}')
    >>> result = convert_checkpoint(Path("my_awesome_model.pth"), Path("my-awesome-model"),
    ...                             config=Path("my_awesome_model_config.json"))
    >>> result.tensors, result.parameters, result.shared
    (2, 8, {})
    >>> sorted(path.name for path in Path("my-awesome-model").iterdir())
    ['config.json', 'model.safetensors']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.fsutil import atomic_directory, ensure_free_target
from modelshare.layout import CONFIG_FILE, WEIGHTS_FILE
from modelshare.safety import safe_torch_load

NESTED_STATE_KEYS = ("state_dict", "model_state_dict", "model")
"""Keys under which training checkpoints commonly keep the model's state dict."""
STATE_DICT_HINT = (
    "only tensors are converted, and a checkpoint that pickles more (a whole model, an "
    "optimizer) is never loaded here: where the model's code is, torch.save(model.state_dict(), "
    "'weights.pt') and convert that file"
)
"""What to do with a checkpoint that cannot be converted as it is."""


@dataclass(frozen=True)
class Conversion:
    """What ``convert`` wrote.

    ``shared`` maps each tensor stored only through another (tied weights) to the one kept.
    """

    folder: Path
    tensors: int
    parameters: int
    shared: dict[str, str] = field(default_factory=dict)
    config: str | None = None


def convert_checkpoint(
    checkpoint: Path, out: Path, *, config: Path | None = None, overwrite: bool = False
) -> Conversion:
    """Write ``out/model.safetensors`` (and ``out/config.json`` from ``config``) from a
    checkpoint; the folder appears only once the weights were read back equal.

    Without ``config``, a ``config.json`` beside the checkpoint is used when there is one.
    ``overwrite`` replaces only an earlier conversion or release, never a folder holding the
    checkpoint or the configuration (:func:`~modelshare.fsutil.ensure_free_target`).

    Example:
        >>> import torch
        >>> torch.save({"weight": torch.ones(2, 3)}, "pytorch_model.bin")
        >>> convert_checkpoint(Path("pytorch_model.bin"), Path("converted")).folder
        PosixPath('converted')

    Raises:
        InvalidInputError: ``out`` may not be written, or holds something only ``overwrite``
            replaces; the checkpoint or the configuration cannot be read.
        UnsafeContentError: the checkpoint holds more than tensors that load safely.
        ModelshareError: a tensor did not read back equal after conversion.
    """
    config = config or _sibling_config(checkpoint)
    inputs = (checkpoint, config) if config else (checkpoint,)
    ensure_free_target(out, overwrite=overwrite, inputs=inputs)
    settings = _read_config(config) if config else None
    tensors = state_dict_of(safe_torch_load(checkpoint, fix=STATE_DICT_HINT), checkpoint.name)
    with atomic_directory(out, overwrite=overwrite, inputs=inputs) as staging:
        shared = save_tensors(tensors, staging / WEIGHTS_FILE)
        check_saved(tensors, staging / WEIGHTS_FILE, shared)
        if settings is not None:
            (staging / CONFIG_FILE).write_text(
                json.dumps(settings, sort_keys=True, indent=2), encoding="utf-8"
            )
    stored = [tensor for name, tensor in tensors.items() if name not in shared]
    return Conversion(
        folder=out,
        tensors=len(tensors),
        parameters=sum(tensor.numel() for tensor in stored),
        shared=shared,
        config=config.name if config else None,
    )


def state_dict_of(loaded: Any, name: str) -> dict[str, Any]:
    """The tensors of a loaded checkpoint: a state dict, or one nested under ``state_dict``,
    ``model_state_dict`` or ``model``; anything that is not a tensor is refused by name.

    Example:
        >>> import torch
        >>> list(state_dict_of({"state_dict": {"w": torch.ones(1)}, "epoch": 3}, "c.pt"))
        ['w']
    """
    import torch

    if isinstance(loaded, Mapping):
        for key in NESTED_STATE_KEYS:
            if isinstance(loaded.get(key), Mapping):
                loaded = loaded[key]
                break
    if not isinstance(loaded, Mapping) or not loaded:
        raise InvalidInputError(f"{name} holds no state dict (a mapping of names to tensors)")
    other = [str(key) for key, value in loaded.items() if not isinstance(value, torch.Tensor)]
    if other:
        raise InvalidInputError(
            f"{name} holds entries that are not tensors ({', '.join(other[:5])}); {STATE_DICT_HINT}"
        )
    return {str(key): value for key, value in loaded.items()}


def save_tensors(tensors: Mapping[str, Any], path: Path) -> dict[str, str]:
    """Save tensors to a safetensors file the way ``safetensors.torch.save_model`` saves a
    module's state dict: shared tensors once, views contiguous. Views that overlap without
    one covering the others are stored as copies. Returns removed name -> name kept.

    Example:
        >>> import torch
        >>> w = torch.ones(4, 2)
        >>> save_tensors({"emb": w, "head": w}, Path("model.safetensors"))
        {'head': 'emb'}
    """
    from safetensors.torch import save_file, save_model

    try:
        save_model(_StateDict(tensors), str(path))  # type: ignore[arg-type]
    except RuntimeError:
        save_file(
            {name: tensor.clone().contiguous() for name, tensor in tensors.items()}, str(path)
        )
    return _removed_names(path)


def check_saved(tensors: Mapping[str, Any], path: Path, shared: Mapping[str, str]) -> None:
    """Raise unless every tensor reads back from ``path`` equal (dtype, shape and values).

    Example:
        >>> import torch
        >>> tensors = {"w": torch.ones(2)}
        >>> save_tensors(tensors, Path("model.safetensors"))
        {}
        >>> check_saved(tensors, Path("model.safetensors"), {})
    """
    import torch
    from safetensors.torch import load_file

    saved = load_file(str(path))
    for name, tensor in tensors.items():
        stored = saved.get(shared.get(name, name))
        if stored is None or stored.dtype != tensor.dtype or not torch.equal(stored, tensor.cpu()):
            raise ModelshareError(f"{path.name}: tensor {name!r} did not read back equal")


class _StateDict:
    """Tensors presented as a module: ``safetensors.torch.save_model`` reads only
    ``state_dict()``, and thereby dedupes shared storage exactly as for a module."""

    def __init__(self, tensors: Mapping[str, Any]) -> None:
        self._tensors = dict(tensors)

    def state_dict(self) -> dict[str, Any]:
        return dict(self._tensors)


def _removed_names(path: Path) -> dict[str, str]:
    """The names ``save_model`` left out, each with the name stored (from the metadata)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as saved:
        kept = set(saved.keys())
        metadata = saved.metadata() or {}
    return {name: other for name, other in metadata.items() if name not in kept and other in kept}


def _sibling_config(checkpoint: Path) -> Path | None:
    candidate = checkpoint.parent / CONFIG_FILE
    return candidate if candidate.is_file() else None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError(f"cannot read {path} as a JSON configuration: {error}") from None
    if not isinstance(settings, dict):
        raise InvalidInputError(f"{path} is not a JSON object of settings")
    return settings
