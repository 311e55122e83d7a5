"""The names of the files a release folder holds, in one place that imports nothing.

Example:
    >>> Path("releases/penguin-species") / RECORD_FILE
    PosixPath('releases/penguin-species/modelshare.json')
"""

RECORD_FILE = "modelshare.json"
"""Where a release keeps its record."""

PROFILE_FILE = "data_profile.json"
"""Where a release keeps its training data's profile."""

CARD_FILE = "README.md"
"""Where a release keeps its model card."""

REQUIREMENTS_FILE = "requirements.txt"
"""Where a release pins the packages its model needs."""

EXAMPLE_PATH = "examples/predict.py"
"""Where a release keeps its runnable example."""
