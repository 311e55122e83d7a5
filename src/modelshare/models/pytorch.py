"""The PyTorch adapter: any ``torch.nn.Module``, saved as ``model.safetensors`` + ``config.json``.

A class that uses huggingface_hub's ``PyTorchModelHubMixin`` is saved by the mixin's own
``save_pretrained``, so ``MyModel.from_pretrained(release_dir)`` loads the release; any other
module is saved with ``safetensors.torch.save_model`` (which stores tied weights once) and the
configuration given, in the same layout. Inputs are tensors (or arrays, or a DataFrame of
numeric columns) with one example per row; the card measures them flattened.

Example:
    >>> _ = torch.manual_seed(0)
    >>> net, config = nn.Linear(4, 2), {"in_features": 4, "out_features": 2}
    >>> adapter = PyTorchAdapter(net, task="classification", classes=["a", "b"], config=config)
    >>> frame = adapter.features(torch.rand(8, 4))
    >>> adapter.predictor().predict(frame)[:2]
    array(['b', 'b'], dtype='<U1')
    >>> Path("staging").mkdir()
    >>> adapter.save(Path("staging")).file
    'model.safetensors'
"""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import torch
from huggingface_hub import PyTorchModelHubMixin
from safetensors.torch import load_model, save_file, save_model
from torch import nn

from modelshare.data import as_frame
from modelshare.errors import InvalidInputError, ModelshareError, UnsafeContentError
from modelshare.layout import CONFIG_FILE, EXPECTED_PATH, WEIGHTS_FILE
from modelshare.models.base import TABULAR_PIPELINE_TAGS, check_task
from modelshare.models.networks import (
    NetworkAdapter,
    as_numpy,
    config_hyperparameters,
    constructor_defaults,
    first_tensor,
    import_root,
    importable_class,
    inference,
    outline,
    saved_shapes,
    summarize,
)
from modelshare.models.predictors import default_classes
from modelshare.models.scripts import pytorch_example
from modelshare.preprocessing import qualified_name
from modelshare.record import ModelFacts
from modelshare.safety import safe_torch_load

REASON_CHARS = 200
"""How much of torch's error an error message quotes."""


class PyTorchAdapter(NetworkAdapter):
    """A ``torch.nn.Module`` with its configuration, task and class labels.

    ``config`` is what rebuilds the module (``config.json``); it defaults to the init
    arguments the mixin captured, or to the module's own ``config`` dict. ``classes`` name the
    outputs of a classifier in order; they default to ``0 … k-1``.
    """

    framework = "pytorch"

    def __init__(
        self,
        module: Any,
        *,
        task: Any = None,
        config: Any = None,
        classes: Sequence[Any] | None = None,
        pipeline_tag: str | None = None,
    ) -> None:
        if not isinstance(module, nn.Module):
            raise InvalidInputError(
                f"expected a torch.nn.Module, not {qualified_name(type(module))}"
            )
        super().__init__(module, check_task(task, "PyTorch"), classes)
        self.hub_mixin = isinstance(module, PyTorchModelHubMixin)
        self.config = _config_of(module, config, self.hub_mixin)
        self.rebuildable = _rebuilds(module, self.config)
        self._mixin_card = module.generate_model_card().data if self.hub_mixin else None
        if pipeline_tag is None and self._mixin_card is not None:
            pipeline_tag = self._mixin_card.pipeline_tag
        self._pipeline_tag = pipeline_tag
        self._input_shape: tuple[int, ...] | None = None
        self._columns: list[str] | None = None

    # -- data ------------------------------------------------------------------------------

    def features(self, X: Any) -> pd.DataFrame:
        """One row per example, flattened: a DataFrame as given, a tensor or array as
        columns ``x0 … xN``."""
        if isinstance(X, pd.DataFrame):
            frame, shape, columns = X, (X.shape[1],), [str(c) for c in X.columns]
        else:
            array = _as_array(X)
            frame = as_frame(array.reshape(len(array), -1))
            shape, columns = tuple(array.shape[1:]), None
        self._remember_layout(shape, columns)
        self._keep_sample(frame)
        return frame

    def inputs(self, frame: pd.DataFrame) -> torch.Tensor:
        """Rows from :meth:`features` as the model's input tensor, on the model's device.

        Example:
            >>> adapter = PyTorchAdapter(nn.Linear(32, 2), task="regression", config={})
            >>> adapter.inputs(adapter.features(torch.rand(5, 3, 32))).shape
            torch.Size([5, 3, 32])
        """
        values = frame.to_numpy()
        if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
            raise InvalidInputError(
                "a PyTorch model reads numbers; encode the non-numeric columns first"
            )
        assert self._input_shape is not None
        tensor = torch.from_numpy(np.ascontiguousarray(values))
        tensor = tensor.reshape(len(values), *self._input_shape)
        parameter = next(self.model.parameters(), None)
        if parameter is None:
            return tensor
        if tensor.is_floating_point():
            tensor = tensor.to(parameter.dtype)
        return tensor.to(parameter.device)

    def forward(self, batch: torch.Tensor) -> Any:
        return self.model(batch)

    # -- facts -----------------------------------------------------------------------------

    def describe(self) -> ModelFacts:
        cls = type(self.model)
        classes = self._resolved_classes()
        return ModelFacts(
            framework=self.framework,
            estimator=cls.__name__,
            estimator_path=qualified_name(cls),
            task=self.task,
            steps=outline(self.model),
            hyperparameters=config_hyperparameters(self.config, constructor_defaults(cls)),
            classes=[str(label) for label in classes] if classes is not None else None,
            feature_names_in=self._columns,
            file=WEIGHTS_FILE,
            format="safetensors",
            library_name=self._mixin_card.library_name if self._mixin_card else None,
            pipeline_tag=self._hub_pipeline_tag(),
            tags=self._hub_tags(),
            hub_mixin=self.hub_mixin,
            rebuildable=self.rebuildable,
            architecture=summarize(
                self.model, list(self._input_shape) if self._input_shape else None
            ),
        )

    def modules(self) -> set[str]:
        own = type(self.model).__module__.partition(".")[0]
        needed = {"torch", "safetensors", own} | ({"huggingface_hub"} if self.hub_mixin else set())
        return needed - set(sys.stdlib_module_names) - {"__main__"}

    def import_roots(self) -> list[Path]:
        if self._class_path() is None:
            return []
        root = import_root(type(self.model).__module__)
        return [root] if root is not None else []

    # -- files -----------------------------------------------------------------------------

    def save(self, folder: Path) -> ModelFacts:
        """``model.safetensors`` and ``config.json``, as the mixin's ``save_pretrained`` writes
        them."""
        if self.hub_mixin:
            self._save_with_mixin(folder)
        else:
            save_model(self.model, str(folder / WEIGHTS_FILE))
            (folder / CONFIG_FILE).write_text(
                json.dumps(self.config, sort_keys=True, indent=2), encoding="utf-8"
            )
        return self._saved_facts(folder)

    def example(self, name: str, rows: pd.DataFrame | None, facts: ModelFacts, folder: Path) -> str:
        """Run the model on ``rows`` and record inputs and outputs in
        ``examples/expected.safetensors``; the script compares its own outputs with them.
        Without rows, nothing is recorded and the script shows the loaded model."""
        returned = None
        if rows is not None:
            inputs = self.inputs(rows)
            with inference(self.model):
                returned = self.model(inputs)
            save_file(
                {"inputs": inputs.cpu().contiguous(), "outputs": first_tensor(returned).cpu()},
                str(folder / EXPECTED_PATH),
            )
        cls = type(self.model)
        class_path = self._class_path()
        return pytorch_example(
            name,
            class_path=class_path,
            class_name=qualified_name(cls),
            hub_mixin=self.hub_mixin,
            construct=_construction(cls),
            returns_tensor=None if rows is None else isinstance(returned, torch.Tensor),
            tensor_shapes=None if class_path else saved_shapes(folder / WEIGHTS_FILE),
        )

    # -- helpers ---------------------------------------------------------------------------

    def _class_path(self) -> str | None:
        """Where the example imports the class from: only a class that a fresh process can
        import and that rebuilds the network from its configuration."""
        return importable_class(type(self.model)) if self.rebuildable else None

    def _resolved_classes(self) -> list[Any] | None:
        """The classes given, or ``0 … k-1`` for ``k`` scores per example."""
        if self.task != "classification" or self.classes is not None:
            return self.classes
        scores = self._outputs(self._sample_rows())
        return default_classes(scores) if scores.ndim <= 2 else None

    def _remember_layout(self, shape: tuple[int, ...], columns: list[str] | None) -> None:
        if self._input_shape is not None and shape != self._input_shape:
            raise InvalidInputError(
                f"examples of shape {shape} do not match the {self._input_shape} seen before; "
                "give every dataset in the same layout"
            )
        self._input_shape, self._columns = shape, columns

    def _hub_pipeline_tag(self) -> str | None:
        if self._pipeline_tag:
            return self._pipeline_tag
        return TABULAR_PIPELINE_TAGS[self.task] if len(self._input_shape or ()) == 1 else None

    def _hub_tags(self) -> list[str]:
        mixin_tags = list(self._mixin_card.tags or []) if self._mixin_card else []
        tag = self._hub_pipeline_tag()
        return ["pytorch", "safetensors", *mixin_tags, *([tag] if tag else [])]

    def _save_with_mixin(self, folder: Path) -> None:
        with tempfile.TemporaryDirectory(dir=folder) as scratch:
            self.model.save_pretrained(scratch, config=self.config)
            for name in (WEIGHTS_FILE, CONFIG_FILE):
                if not (Path(scratch) / name).is_file():
                    raise ModelshareError(
                        f"{type(self.model).__name__}.save_pretrained wrote no {name}; a release "
                        f"needs both {WEIGHTS_FILE} and {CONFIG_FILE}"
                    )
                os.replace(Path(scratch) / name, folder / name)


# ---------------------------------------------------------------------------------------------
# Loading a release


def load_network(
    folder: Path, facts: ModelFacts, model_class: type | None, weights_format: str
) -> nn.Module:
    """Rebuild the network of a release: ``from_pretrained`` for a mixin class, else the class
    built from ``config.json`` with the weights loaded into it. Pickled weights (allowed by
    the caller) are read only with ``torch.load(weights_only=True)``.

    Example:
        >>> config = {"in_features": 3, "out_features": 2}
        >>> adapter = PyTorchAdapter(nn.Linear(3, 2), task="regression", config=config)
        >>> folder = Path("staging")
        >>> folder.mkdir()
        >>> facts = adapter.save(folder)
        >>> load_network(folder, facts, nn.Linear, "safetensors")
        Linear(in_features=3, out_features=2, bias=True)
    """
    cls = model_class or recorded_mixin_class(facts, folder)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise InvalidInputError(f"model_class must be a torch.nn.Module subclass, not {cls!r}")
    weights = folder / facts.file
    if weights_format == "safetensors" and issubclass(cls, PyTorchModelHubMixin):
        return cls.from_pretrained(folder)
    config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    state = None if weights_format == "safetensors" else safe_torch_load(weights)
    try:
        model = build_module(cls, config)
        if state is None:
            load_model(model, str(weights))
        else:
            model.load_state_dict(state)
    except (TypeError, KeyError, RuntimeError) as error:
        reason = " ".join(str(error).split())[:REASON_CHARS] or type(error).__name__
        raise InvalidInputError(
            f"{cls.__name__} built from {CONFIG_FILE} does not hold the saved weights ({reason}); "
            "pass the model_class the release was made with"
        ) from None
    return model.eval()


def recorded_mixin_class(facts: ModelFacts, folder: Path) -> type:
    """The PyTorchModelHubMixin class the record names, imported from the installed
    environment, never from the release folder.

    The record is a stranger's input, and importing a module runs it and every package above
    it. So each package on the way is located before it is imported (locating ``a.b``
    imports only ``a``, already checked), and refused when found inside the release folder:
    from the current folder when that is the release (``python -c``, a notebook), or through a
    link into it. The module imported is checked once more.

    Example:
        >>> facts = PyTorchAdapter(nn.Linear(3, 2), task="regression", config={}).describe()
        >>> recorded_mixin_class(facts, Path("releases/tiny-net"))
        Traceback (most recent call last):
        ...
        modelshare.errors.InvalidInputError: pass model_class= (the class torch.nn...Linear) ...

    Raises:
        InvalidInputError: the record names no mixin class, a path that is not a dotted
            Python name, or something that is not a PyTorchModelHubMixin class.
        UnsafeContentError: the module would be imported from the release folder.
        ModelshareError: the module is not installed.
    """
    path = facts.estimator_path
    if not facts.hub_mixin:
        raise InvalidInputError(f"pass model_class= (the class {path}) to load this PyTorch model")
    parts = path.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise InvalidInputError(
            f"the record names the model class {path!r}, which is not a dotted Python name "
            "such as package.module.MyModel; pass model_class="
        )
    module = _import_installed(".".join(parts[:-1]), folder.resolve(), path)
    cls = getattr(module, parts[-1], None)
    if not (isinstance(cls, type) and issubclass(cls, PyTorchModelHubMixin)):
        raise InvalidInputError(f"{path} is not a PyTorchModelHubMixin class; pass model_class=")
    return cls


def build_module(cls: type, config: Mapping[str, Any]) -> nn.Module:
    """``cls(config=config)`` when the constructor takes a ``config``, else ``cls(**config)``.

    Example:
        >>> build_module(nn.Linear, {"in_features": 3, "out_features": 2})
        Linear(in_features=3, out_features=2, bias=True)
    """
    config = dict(config)
    return cls(config=config) if _construction(cls) == "config=config" else cls(**config)


# ---------------------------------------------------------------------------------------------
# Helpers


def _import_installed(module_name: str, release: Path, path: str) -> ModuleType:
    """``module_name`` imported after every package on its way was found outside
    ``release`` (resolved); ``path`` is the class path the messages name."""
    parts = module_name.split(".")
    for name in (".".join(parts[:depth]) for depth in range(1, len(parts) + 1)):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            raise _not_installed(path)
        origin = spec.origin if spec.has_location else None
        if _inside(release, origin, *(spec.submodule_search_locations or ())):
            raise _from_release(path, name)
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise _not_installed(path) from None
    if _inside(release, getattr(module, "__file__", None), *getattr(module, "__path__", ())):
        raise _from_release(path, module_name)
    return module


def _inside(release: Path, *locations: str | None) -> bool:
    """Whether any of ``locations`` (files or folders, links resolved) lies in ``release``."""
    return any(place and Path(place).resolve().is_relative_to(release) for place in locations)


def _not_installed(path: str) -> ModelshareError:
    return ModelshareError(
        f"{path} is not importable from the installed packages; install the package that "
        "defines it or pass model_class="
    )


def _from_release(path: str, module: str) -> ModelshareError:
    return UnsafeContentError(
        f"{path} would be imported from the release folder ({module} is found there), and "
        "nothing in a release runs when it is loaded; install the package that defines it, "
        "or pass model_class="
    )


def _rebuilds(module: nn.Module, config: Mapping[str, Any]) -> bool:
    """Whether the module's class, built from ``config``, holds tensors of the same names and
    shapes; built on the meta device, so no memory is allocated for it."""
    try:
        with torch.device("meta"):
            rebuilt = build_module(type(module), config)
    except Exception:  # any failure of the user's constructor means: it does not rebuild
        return False
    return _tensor_shapes(rebuilt) == _tensor_shapes(module)


def _tensor_shapes(module: nn.Module) -> dict[str, tuple[int, ...]]:
    return {name: tuple(tensor.shape) for name, tensor in module.state_dict().items()}


def _construction(cls: type) -> str:
    """The constructor arguments that rebuild the module from its configuration."""
    takes_config = "config" in inspect.signature(cls.__init__).parameters
    return "config=config" if takes_config else "**config"


def _config_of(module: nn.Module, given: Any, hub_mixin: bool) -> dict[str, Any]:
    """The configuration written to ``config.json``: given, or the init arguments the mixin
    captured (the ``_hub_mixin_config`` its ``save_pretrained`` writes when given none), or
    the module's own ``config`` dict."""
    if given is None and hub_mixin:
        given = getattr(module, "_hub_mixin_config", None) or {}
    if given is None:
        given = getattr(module, "config", None)
        if not isinstance(given, Mapping):
            raise InvalidInputError(
                f"{type(module).__name__} has no configuration to save: pass config= with "
                "the arguments that rebuild it (config={} if its constructor takes none)"
            )
    if dataclasses.is_dataclass(given) and not isinstance(given, type):
        given = dataclasses.asdict(given)
    if not isinstance(given, Mapping):
        raise InvalidInputError(
            f"config= must be a dict or a dataclass, not {type(given).__name__}"
        )
    try:
        return json.loads(json.dumps(dict(given)))
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"config= must hold JSON values only: {error}") from None


def _as_array(X: Any) -> np.ndarray:
    """Inputs as an array with one example per row."""
    if isinstance(X, torch.Tensor):
        array = as_numpy(X)
    elif isinstance(X, (np.ndarray, list, tuple)):
        array = np.asarray(X)
    else:
        raise InvalidInputError(
            f"X is a {type(X).__name__}; pass a tensor, a numpy array or a DataFrame "
            "with one example per row"
        )
    if array.ndim < 2:
        raise InvalidInputError(
            f"X has shape {array.shape}; pass one example per row (add a dimension for a "
            "single feature)"
        )
    return array
