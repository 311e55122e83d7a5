"""The training procedure as read from the objects used in training: the optimizer's settings.

Only public attributes are read (``defaults`` and ``param_groups``, which every
``torch.optim.Optimizer`` has), so nothing here imports torch.

Example:
    >>> import torch
    >>> net = torch.nn.Linear(3, 2)
    >>> facts = optimizer_facts(torch.optim.Adam(net.parameters(), lr=1e-3))
    >>> facts.name, facts.settings["lr"], facts.settings["betas"]
    ('Adam', 0.001, [0.9, 0.999])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelshare.errors import InvalidInputError
from modelshare.preprocessing import json_safe, qualified_name
from modelshare.record import OptimizerFacts

IMPLEMENTATION_FLAGS = frozenset({"foreach", "fused", "capturable", "differentiable"})
"""Optimizer settings that choose an implementation, not the update rule: not recorded."""


def optimizer_facts(optimizer: Any) -> OptimizerFacts:
    """The optimizer's class, its settings, and the parameter groups that differ from them.

    Example:
        >>> import torch
        >>> net = torch.nn.Linear(3, 2)
        >>> optimizer_facts(torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)).settings
        {'lr': 0.1, 'momentum': 0.9, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, ...}
    """
    defaults = getattr(optimizer, "defaults", None)
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(defaults, Mapping) or not isinstance(groups, list):
        raise InvalidInputError(
            f"optimizer= takes the optimizer used in training (a torch.optim.Optimizer), "
            f"not {type(optimizer).__name__}"
        )
    settings = _settings(defaults)
    differences = [_group_differences(group, settings) for group in groups]
    return OptimizerFacts(
        name=type(optimizer).__name__,
        path=qualified_name(type(optimizer)),
        settings=settings,
        groups=differences if any(len(group) > 1 for group in differences) else [],
    )


def _settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of an optimizer or a parameter group, as plain JSON values."""
    return {
        str(key): json_safe(_number(value))
        for key, value in values.items()
        if key != "params" and key not in IMPLEMENTATION_FLAGS
    }


def _group_differences(group: Mapping[str, Any], settings: Mapping[str, Any]) -> dict[str, Any]:
    """A parameter group's number of parameters and the settings in which it differs from
    the optimizer's defaults (a scheduler's current learning rate, a group's own decay)."""
    own = _settings(group)
    differences = {key: value for key, value in own.items() if settings.get(key) != value}
    return {"parameters": sum(_size(tensor) for tensor in group.get("params", [])), **differences}


def _number(value: Any) -> Any:
    """A zero-dimensional tensor (a learning rate may be one) as a Python number."""
    if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)):
        return value.item()
    return value


def _size(tensor: Any) -> int:
    numel = getattr(tensor, "numel", None)
    return int(numel()) if callable(numel) else 0
