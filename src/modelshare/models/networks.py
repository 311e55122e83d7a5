"""What a ``torch.nn.Module`` is made of, read from the module itself, and how to run it.

Shared by the PyTorch and transformers adapters (:class:`NetworkAdapter` is what they have in
common); imported only when a model comes from torch.

Example:
    >>> net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    >>> facts = summarize(net)
    >>> facts.layers, facts.total_parameters
    ({'Linear': 2, 'ReLU': 1, 'Dropout': 1}, 50)
    >>> dropout_layers(net)
    {'2': 0.2}
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from abc import abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors import safe_open
from torch import nn

from modelshare.errors import ModelshareError
from modelshare.layout import CONFIG_FILE, WEIGHTS_FILE
from modelshare.models.base import ModelAdapter, Outputs, Task
from modelshare.models.predictors import predictor_for
from modelshare.preprocessing import json_safe
from modelshare.record import ArchitectureFacts, BlockFacts, Hyperparameter, ModelFacts

DROPOUT_LAYERS = (
    nn.Dropout,
    nn.Dropout1d,
    nn.Dropout2d,
    nn.Dropout3d,
    nn.AlphaDropout,
    nn.FeatureAlphaDropout,
)
BATCH_ROWS = 256
"""Examples run through a network at once while evaluating."""
SAMPLE_ROWS = 2
"""Rows of the first data seen, kept to learn the shape of the model's outputs."""


class NetworkAdapter(ModelAdapter):
    """A network whose raw outputs a predictor reads: its task, the labels of its outputs in
    order, and the first rows of data seen, which tell the predictor what the outputs are.

    Subclasses turn rows of :meth:`features` into the model's inputs (:meth:`inputs`), run
    the model on a batch of them (:meth:`forward`), and call :meth:`_keep_sample` on the
    frames they make.

    Example:
        >>> from modelshare.models.pytorch import PyTorchAdapter
        >>> _ = torch.manual_seed(0)
        >>> net, config = nn.Linear(3, 2), {"in_features": 3, "out_features": 2}
        >>> adapter = PyTorchAdapter(net, task="classification", classes=["a", "b"], config=config)
        >>> frame = adapter.features(torch.rand(4, 3))
        >>> adapter.predictor().predict(frame)[:2]
        array(['b', 'b'], dtype='<U1')
    """

    def __init__(self, model: Any, task: Task, classes: Sequence[Any] | None) -> None:
        super().__init__(model)
        self._task = task
        self.classes = list(classes) if classes is not None else None
        self._sample: pd.DataFrame | None = None

    @property
    def task(self) -> Task:
        return self._task

    @abstractmethod
    def inputs(self, frame: pd.DataFrame) -> Any:
        """Rows from :meth:`features` in the model's input form (a tensor, a list of texts)."""

    @abstractmethod
    def forward(self, batch: Any) -> Any:
        """The model's output for a batch of :meth:`inputs`."""

    def predictor(self, predict: Callable[[Any], Any] | None = None) -> Any:
        if predict is None:
            outputs: Outputs = self._outputs
        else:
            outputs = predicted_outputs(self.model, predict, self.inputs)
        return predictor_for(outputs, self.task, self.classes, self._sample_rows())

    def dropout(self) -> dict[str, float]:
        return dropout_layers(self.model)

    def _outputs(self, frame: pd.DataFrame) -> np.ndarray:
        return as_numpy(run_in_batches(self.model, self.inputs(frame), self.forward))

    def _keep_sample(self, frame: pd.DataFrame) -> None:
        if self._sample is None:
            self._sample = frame.head(SAMPLE_ROWS)

    def _sample_rows(self) -> pd.DataFrame:
        if self._sample is None:
            raise ModelshareError("give the model's data (training_data or evaluate) first")
        return self._sample

    def _saved_facts(self, folder: Path) -> ModelFacts:
        """The facts, with the size of the weights and the configuration saved in ``folder``."""
        return self.describe().model_copy(
            update={
                "size_bytes": (folder / WEIGHTS_FILE).stat().st_size,
                "config": json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")),
            }
        )


def summarize(module: nn.Module, input_shape: list[int] | None = None) -> ArchitectureFacts:
    """Layer types with counts, parameters per top-level block, totals and dtype.

    Shared parameters (tied weights) are counted once in the totals.

    Example:
        >>> net = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> [(b.name, b.type, b.parameters) for b in summarize(net).blocks]
        [('0', 'Linear', 32), ('1', 'ReLU', 0), ('2', 'Linear', 18)]
        >>> [(b.name, b.type, b.parameters) for b in summarize(nn.Linear(3, 2)).blocks]
        [('weight', 'Parameter', 6), ('bias', 'Parameter', 2)]
    """
    parameters = list(module.parameters())
    dtypes = sorted({str(p.dtype).removeprefix("torch.") for p in parameters})
    return ArchitectureFacts(
        layers=dict(Counter(type(m).__name__ for m in module.modules() if _is_leaf(m))),
        blocks=_blocks(module),
        total_parameters=sum(p.numel() for p in parameters),
        trainable_parameters=sum(p.numel() for p in parameters if p.requires_grad),
        dtype=", ".join(dtypes) or "none",
        input_shape=input_shape,
    )


def outline(module: nn.Module) -> list[str]:
    """The top-level blocks as ``name: Type``, in order.

    Example:
        >>> outline(nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2)))
        ['0: Linear', '1: ReLU', '2: Linear']
    """
    return [f"{block.name}: {block.type}" for block in _blocks(module)]


def dropout_layers(module: nn.Module) -> dict[str, float]:
    """The probability of every dropout layer, keyed by its path in the module tree.

    Example:
        >>> block = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.5))
        >>> dropout_layers(nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.1), block))
        {'1': 0.1, '2.1': 0.5}
    """
    return {
        name: float(layer.p)
        for name, layer in module.named_modules()
        if isinstance(layer, DROPOUT_LAYERS)
    }


def config_hyperparameters(
    config: Mapping[str, Any], defaults: Mapping[str, Any]
) -> list[Hyperparameter]:
    """The configuration's entries as hyperparameters, flagged when they differ from a known
    default (an entry without a known default is not flagged).

    Example:
        >>> [(h.name, h.value) for h in config_hyperparameters({"hidden_size": 32}, {})]
        [('hidden_size', 32)]
    """
    return [
        Hyperparameter(
            name=str(name),
            value=json_safe(value),
            default=json_safe(defaults.get(name)),
            non_default=name in defaults and json_safe(defaults[name]) != json_safe(value),
            default_known=name in defaults,
        )
        for name, value in config.items()
    ]


def constructor_defaults(cls: type) -> dict[str, Any]:
    """The default values of a class's constructor parameters.

    Example:
        >>> constructor_defaults(nn.Linear)
        {'bias': True, 'device': None, 'dtype': None}
    """
    parameters = inspect.signature(cls.__init__).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


@contextmanager
def inference(module: nn.Module) -> Iterator[None]:
    """Run the module in evaluation mode without gradients; its own mode is restored after.

    Example:
        >>> net = nn.Linear(3, 2)
        >>> with inference(net):
        ...     outputs = net(torch.ones(1, 3))
        >>> outputs.requires_grad, net.training
        (False, True)
    """
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        module.train(was_training)


def run_in_batches(module: nn.Module, inputs: Any, call: Callable[[Any], Any]) -> torch.Tensor:
    """The output tensor of ``call(batch)`` over ``inputs`` in batches, under
    :func:`inference`, on the CPU. ``call`` runs the module on one batch.

    Example:
        >>> net = nn.Linear(3, 2)
        >>> run_in_batches(net, torch.rand(300, 3), net).shape
        torch.Size([300, 2])
    """
    with inference(module):
        parts = [
            first_tensor(call(inputs[start : start + BATCH_ROWS]))
            for start in range(0, len(inputs), BATCH_ROWS)
        ]
    return torch.cat(parts).cpu()


def predicted_outputs(
    module: nn.Module, predict: Callable[[Any], Any], inputs_of: Callable[[pd.DataFrame], Any]
) -> Callable[[pd.DataFrame], np.ndarray]:
    """A user's predict function as a predictor's outputs: it gets the rows in the model's
    input form (``inputs_of``), runs under :func:`inference`, and its result becomes an array.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> net = nn.Linear(3, 2)
        >>> as_tensor = lambda frame: torch.tensor(frame.to_numpy(), dtype=torch.float32)
        >>> outputs = predicted_outputs(net, lambda x: net(x).argmax(1), as_tensor)
        >>> outputs(pd.DataFrame(np.eye(3)))
        array([1, 0, 1])
    """

    def outputs(frame: pd.DataFrame) -> np.ndarray:
        with inference(module):
            result = predict(inputs_of(frame))
        return as_numpy(result) if isinstance(result, torch.Tensor) else np.asarray(result)

    return outputs


def first_tensor(output: Any) -> torch.Tensor:
    """A module's output tensor: the output itself, or the first item of a tuple or of a
    transformers ``ModelOutput`` (the logits of a classifier).

    Example:
        >>> first_tensor((torch.zeros(2), torch.ones(2)))
        tensor([0., 0.])
    """
    if isinstance(output, torch.Tensor):
        return output
    return first_tensor(output[0])


def as_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A tensor's values as a numpy array (bfloat16 and other types numpy lacks as float32).

    Example:
        >>> as_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype
        dtype('float32')
    """
    tensor = tensor.detach().cpu()
    if tensor.is_floating_point() and tensor.dtype not in (torch.float32, torch.float64):
        tensor = tensor.float()
    return tensor.numpy()


def saved_shapes(path: Path) -> dict[str, list[int]]:
    """The name and shape of every tensor in a safetensors file, read from its header only.

    Example:
        >>> from safetensors.torch import save_model
        >>> save_model(nn.Linear(3, 2), "model.safetensors")
        >>> saved_shapes(Path("model.safetensors"))
        {'bias': [2], 'weight': [2, 3]}
    """
    with safe_open(str(path), framework="pt") as weights:
        return {name: list(weights.get_slice(name).get_shape()) for name in weights.keys()}  # noqa: SIM118


def importable_class(cls: type) -> str | None:
    """``module.Name`` when a fresh process can import the class by that name, else None
    (a class defined in ``__main__`` or inside a function).

    Example:
        >>> importable_class(nn.Linear)
        'torch.nn.modules.linear.Linear'
    """
    module_name, name = cls.__module__, cls.__qualname__
    if module_name == "__main__" or "." in name:
        return None
    try:
        found = getattr(importlib.import_module(module_name), name, None)
    except ImportError:
        return None
    return f"{module_name}.{name}" if found is cls else None


def import_root(module_name: str) -> Path | None:
    """The folder a module's top-level package was imported from, when it is not an
    installed package (those are found by any process of this interpreter).

    Example:
        >>> import_root("torch") is None  # an installed package
        True
    """
    top = sys.modules.get(module_name.partition(".")[0])
    origin = getattr(top, "__file__", None)
    if origin is None:
        return None
    root = Path(origin).resolve().parent
    if hasattr(top, "__path__"):
        root = root.parent
    installed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    return None if any(root.is_relative_to(prefix) for prefix in installed) else root


def _is_leaf(module: nn.Module) -> bool:
    return next(module.children(), None) is None


def _blocks(module: nn.Module) -> list[BlockFacts]:
    """Parameters the module holds directly, then its child modules, in order."""
    own = [
        BlockFacts(name=name, type="Parameter", parameters=parameter.numel())
        for name, parameter in module.named_parameters(recurse=False)
    ]
    children = [
        BlockFacts(
            name=name,
            type=type(child).__name__,
            parameters=sum(p.numel() for p in child.parameters()),
        )
        for name, child in module.named_children()
    ]
    return own + children
