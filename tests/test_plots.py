"""The confusion matrix PNG as a card reader gets it: a complete, legible image."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from modelshare.evaluate.metrics import score_model
from modelshare.evaluate.plots import confusion_matrix_png
from modelshare.penguins import PenguinExample

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def twenty_class_matrix() -> tuple[list[list[int]], list[str]]:
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 5, (20, 20)) + np.diag(rng.integers(50, 1500, 20))
    return counts.tolist(), [f"category_{i}" for i in range(20)]


def test_penguin_confusion_matrix_png(penguins: PenguinExample, tmp_path: Path) -> None:
    scores = score_model(penguins.model, penguins.X_later, penguins.y_later, "classification")
    path = tmp_path / "release" / "images" / "confusion_matrix_2009.png"

    written = confusion_matrix_png(
        scores.confusion_matrix, scores.labels, path, "Palmer penguins, 2009 season"
    )

    assert written == path
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    height, width, _ = imread(path).shape
    assert 300 <= height <= 600 and 300 <= width <= 600
    assert path.stat().st_size < 50_000
    assert sorted(p.name for p in path.parent.iterdir()) == ["confusion_matrix_2009.png"]


def test_the_image_grows_with_the_number_of_classes(tmp_path: Path) -> None:
    matrix, labels = twenty_class_matrix()
    binary = confusion_matrix_png(
        [[120, 7], [3, 88]], ["malignant", "benign"], tmp_path / "2.png", "2"
    )
    twenty = confusion_matrix_png(matrix, labels, tmp_path / "20.png", "Twenty classes")

    _, binary_width, _ = imread(binary).shape
    twenty_height, twenty_width, _ = imread(twenty).shape

    assert twenty_width > 2 * binary_width
    assert twenty_height <= 1500 and twenty_width <= 1500
    assert twenty.stat().st_size < 300_000


def test_same_matrix_gives_the_same_bytes(tmp_path: Path) -> None:
    matrix, labels = twenty_class_matrix()

    first = confusion_matrix_png(matrix, labels, tmp_path / "a.png", "Twenty classes")
    second = confusion_matrix_png(matrix, labels, tmp_path / "b.png", "Twenty classes")

    assert first.read_bytes() == second.read_bytes()


def test_a_new_plot_replaces_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "cm.png"
    path.write_bytes(b"previous release")

    confusion_matrix_png([[5, 1], [0, 7]], ["no", "yes"], path, "Test")

    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert [p.name for p in tmp_path.iterdir()] == ["cm.png"]


def test_a_matrix_that_does_not_match_its_labels_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cm.png"

    with pytest.raises(ValueError, match="3 labels must have 3 rows of 3 counts"):
        confusion_matrix_png([[5, 1], [0, 7]], ["a", "b", "c"], path, "Test")

    assert not path.exists()


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cm.png"
    path.write_bytes(b"previous release")

    def disk_full(figure: Figure, file: IO[bytes], **kwargs: object) -> None:
        file.write(PNG_SIGNATURE)
        raise OSError("No space left on device")

    monkeypatch.setattr(Figure, "savefig", disk_full)
    with pytest.raises(OSError, match="No space left"):
        confusion_matrix_png([[5, 1], [0, 7]], ["no", "yes"], path, "Test")

    assert path.read_bytes() == b"previous release"
    assert [p.name for p in tmp_path.iterdir()] == ["cm.png"]
