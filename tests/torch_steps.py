"""Steps the PyTorch tests take as a user would: the seed's configuration, the penguin
measurements as tensors, and a release of one of the seed's networks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

from modelshare import Release
from modelshare.bundle import Bundle
from modelshare.penguins import NUMERIC_FEATURES

SEED_CONFIG = {"num_channels": 3, "hidden_size": 32, "num_classes": 10}
"""The configuration the seed lesson gives its MyModel."""


def measurements(X: pd.DataFrame, y: pd.Series) -> tuple[torch.Tensor, np.ndarray]:
    """The complete rows of the four measurements as a float tensor, with their species."""
    complete = X[NUMERIC_FEATURES].notna().all(axis=1).to_numpy()
    values = X.loc[complete, NUMERIC_FEATURES].to_numpy(dtype="float32")
    return torch.from_numpy(values), y.to_numpy()[complete]


def seed_release(model: nn.Module, folder: Path) -> Bundle:
    """Release one of the seed's MyModel networks, with the random inputs it was tried on."""
    torch.manual_seed(1)
    inputs = torch.rand(12, SEED_CONFIG["num_channels"], SEED_CONFIG["hidden_size"])
    labels = torch.randint(0, SEED_CONFIG["num_classes"], (12,)).numpy()
    rel = Release(folder.name, license="mit", authors=["A. Researcher"])
    rel.training_data(inputs, labels, name="random inputs")
    rel.model(model, task="classification")
    return rel.save(folder)
