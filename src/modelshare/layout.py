"""The names of the files and folders a release holds, in one place that imports no other
module of modelshare: the names themselves, and the rules that name a file after a dataset, a
figure or a feature.

Example:
    >>> Path("releases/penguin-species") / RECORD_FILE
    PosixPath('releases/penguin-species/modelshare.json')
    >>> evaluation_profile_path("Penguins (2009)")
    'profiles/penguins-2009.json'
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

RECORD_FILE = "modelshare.json"
"""Where a release keeps its record."""

PROFILE_FILE = "data_profile.json"
"""Where a release keeps its training data's profile."""

CARD_FILE = "README.md"
"""Where a release keeps its model card."""

REQUIREMENTS_FILE = "requirements.txt"
"""Where a release pins the packages its model needs."""

MANIFEST_FILE = "manifest.json"
"""Where a release lists the size and sha256 of every other file."""

SIGNATURE_FILE = "model.sig"
"""Where a release keeps its signature: model-signing's default name."""

MANIFEST_SIGNATURE_FILE = "manifest.json.sig"
"""A detached signature of the manifest, reserved beside it."""

SIGNATURE_FILES = (MANIFEST_SIGNATURE_FILE, SIGNATURE_FILE)
"""Signature files kept beside the manifest, outside it (a signature covers the manifest)."""

SKOPS_FILE = "model.skops"
"""Where a scikit-learn release keeps its model."""

WEIGHTS_FILE = "model.safetensors"
"""Where a PyTorch or transformers release (or a converted checkpoint) keeps its weights."""

CONFIG_FILE = "config.json"
"""Where a PyTorch or transformers release keeps the configuration that rebuilds the model."""

OOD_FILE = "ood_thresholds.json"
"""Where a release keeps its calibrated out-of-distribution thresholds."""

EXAMPLES_FOLDER = "examples"
"""Where a release keeps its runnable example and what the example checks against."""

EXAMPLE_PATH = f"{EXAMPLES_FOLDER}/predict.py"
"""Where a release keeps its runnable example."""

EXPECTED_PATH = f"{EXAMPLES_FOLDER}/expected.safetensors"
"""Where a PyTorch or transformers release keeps the outputs its example must reproduce."""

IMAGES_FOLDER = "images"
"""Where a release keeps the figures its card shows."""

PROFILES_FOLDER = "profiles"
"""Where a release keeps the profiles of its evaluation datasets."""

FIGURE_TITLES: dict[str, str] = {
    "confusion_matrix": "Confusion matrix",
    "roc_curve": "ROC curve",
    "precision_recall": "Precision-recall curve",
    "calibration": "Calibration curve",
    "residuals": "Residuals",
    "groups": "Metrics per group",
}
"""What each kind of figure shows, by the prefix of its file name."""


def slug(text: str, fallback: str = "dataset") -> str:
    """A Hub-style identifier made of a free-text name, ``fallback`` when nothing is left; it
    also names files (a dataset's, a feature's).

    Example:
        >>> slug("Palmer penguins (2007–2009)"), slug("?", fallback="feature")
        ('palmer-penguins-2007-2009', 'feature')
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or fallback


def file_part(feature: str) -> str:
    """A feature's name made safe for a file name, as the per-group charts end.

    Example:
        >>> file_part("Sex (reported)")
        'sex-reported'
    """
    return slug(feature, fallback="feature")


def evaluation_profile_path(dataset: str) -> str:
    """Where a release keeps the profile of an evaluation dataset, relative to its folder.

    Example:
        >>> evaluation_profile_path("Penguins (2009)")
        'profiles/penguins-2009.json'
    """
    return f"{PROFILES_FOLDER}/{slug(dataset)}.json"


def figure_path(kind: str, stem: str, feature: str | None = None) -> str:
    """Where a release keeps a figure of one evaluation, relative to its folder: ``kind`` is a
    key of :data:`FIGURE_TITLES`, ``stem`` the dataset's slug, ``feature`` the sensitive
    feature a per-group chart is drawn for.

    Example:
        >>> figure_path("roc_curve", "penguins-test")
        'images/roc_curve_penguins-test.png'
        >>> figure_path("groups", "penguins-test", "Sex (reported)")
        'images/groups_penguins-test_sex-reported.png'
    """
    suffix = "" if feature is None else f"_{file_part(feature)}"
    return f"{IMAGES_FOLDER}/{kind}_{stem}{suffix}.png"


def figure_title(path: str) -> str:
    """What the figure at ``path`` shows, read from its file name.

    Example:
        >>> figure_title("images/roc_curve_penguins-test.png")
        'ROC curve'
    """
    name = PurePosixPath(path).name
    for prefix, title in FIGURE_TITLES.items():
        if name.startswith(prefix + "_"):
            return title
    return "Figure"
