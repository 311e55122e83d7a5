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
from tests.networks import PenguinNet

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


SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
"""The penguin classes, in the order of the network's outputs."""


def train_penguin_net(
    X_train: torch.Tensor, y_train: np.ndarray, config: dict, *, epochs: int, lr: float
) -> tuple[PenguinNet, torch.optim.Optimizer]:
    """A :class:`PenguinNet` trained on the measurements (seeded), with its optimizer."""
    torch.manual_seed(0)
    net = PenguinNet(**config)
    net.mean.copy_(X_train.mean(0))
    net.scale.copy_(X_train.std(0))
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    codes = torch.tensor(pd.Categorical(y_train, categories=SPECIES).codes, dtype=torch.long)
    for _ in range(epochs):
        for batch in torch.randperm(len(codes)).split(32):
            loss = nn.functional.cross_entropy(net(X_train[batch]), codes[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net, optimizer
