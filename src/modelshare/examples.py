"""The runnable usage example shipped in every release (``examples/predict.py``).

It loads the model with the framework's own tools alone, predicts on a few rows of real data
and checks that the predictions are the ones recorded when the release was saved.
``Release.save`` runs it in a fresh process; a failure stops the save. Where a release is
received it is someone else's code: ``modelshare verify --run-example`` runs it only in an
isolated copy (:mod:`modelshare.isolation`). This module writes the scikit-learn script
(skops) and runs any release's script; the PyTorch and transformers scripts are in
:mod:`modelshare.models.scripts`.

Example:
    >>> print(example_script("penguin-species", rows, expected, trusted, "classification"))
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from modelshare.errors import ModelshareError
from modelshare.layout import EXAMPLE_PATH, SKOPS_FILE

EXAMPLE_ROWS = 3
EXAMPLE_TIMEOUT_SECONDS = 300


def example_rows(X: pd.DataFrame, n: int = EXAMPLE_ROWS) -> pd.DataFrame:
    """A few rows for the example, complete rows first.

    Example:
        >>> len(example_rows(X_test))
        3
    """
    complete = X.dropna()
    return (complete if len(complete) >= n else X).head(n)


def _literal(values: list[Any]) -> str:
    """A Python list literal; missing values become ``None``."""
    return repr([None if isinstance(v, float) and v != v else v for v in values])


def _rows_code(rows: pd.DataFrame, named_columns: bool) -> tuple[str, str]:
    """The import and the code that rebuild ``rows`` in the example."""
    if not named_columns:
        return "import numpy as np", f"rows = np.array({_literal(rows.to_numpy().tolist())})"
    columns = "\n".join(f"        {name!r}: {_literal(rows[name].tolist())}," for name in rows)
    return "import pandas as pd", f"rows = pd.DataFrame(\n    {{\n{columns}\n    }}\n)"


def _check_code(task: str) -> str:
    """The assertion that predictions match the recorded ones."""
    if task == "regression":
        return (
            "assert all(math.isclose(p, e, rel_tol=1e-6, abs_tol=1e-9) "
            "for p, e in zip(predictions, expected)), (\n"
            '    f"expected {expected}, got {predictions}"\n)'
        )
    return 'assert predictions == expected, f"expected {expected}, got {predictions}"'


def example_script(
    name: str,
    rows: pd.DataFrame,
    expected: list[Any],
    trusted: list[str],
    task: str,
    *,
    named_columns: bool = True,
) -> str:
    """The text of ``examples/predict.py`` for a scikit-learn release."""
    rows_import, rows_code = _rows_code(rows, named_columns)
    imports = ["import math"] if task == "regression" else []
    imports += ["from pathlib import Path", "", rows_import, "import skops.io as sio"]
    trusted_lines = "".join(f"    {t!r},\n" for t in trusted)
    return f'''"""Load the {name} model with skops alone and predict on a few rows.

Run it from anywhere: python {EXAMPLE_PATH}
"""

{chr(10).join(imports)}

MODEL = Path(__file__).resolve().parent.parent / "{SKOPS_FILE}"
# Types skops must be told to trust for this model; review them before loading.
TRUSTED = [
{trusted_lines}]

model = sio.load(MODEL, trusted=TRUSTED)
{rows_code}
predictions = model.predict(rows).tolist()
print(predictions)

# The predictions recorded when the release was saved: a difference means the model
# file or the environment is not the one the release was made with.
expected = {expected!r}
{_check_code(task)}
'''


def run_example(release_dir: Path, *import_roots: Path) -> None:
    """Run the release's example in a fresh Python process; raise if it fails.

    ``import_roots`` are folders the model's own code is imported from (a class defined in
    the author's project, not installed): they are put on the process's ``PYTHONPATH``.

    Example:
        >>> run_example(Path("releases/penguin-species"))
    """
    failure = example_outcome(start_example(release_dir, *import_roots))
    if failure is not None:
        raise ModelshareError(f"{failure}; nothing was saved")


def start_example(release_dir: Path, *import_roots: Path) -> subprocess.Popen[str]:
    """Start the release's example in a fresh Python process; :func:`example_outcome` waits
    for it, so other work can go on meanwhile.

    Example:
        >>> running = start_example(Path("releases/penguin-species"))
    """
    env = dict(os.environ)
    if import_roots:
        paths = [str(root) for root in import_roots]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.Popen(
        [sys.executable, EXAMPLE_PATH],
        cwd=release_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def example_outcome(running: subprocess.Popen[str]) -> str | None:
    """Wait for a started example; say why it failed, or None when it succeeded.

    Example:
        >>> example_outcome(start_example(Path("releases/penguin-species"))) is None
        True
    """
    try:
        stdout, stderr = running.communicate(timeout=EXAMPLE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        running.kill()
        running.communicate()
        return f"the release's example did not finish in {EXAMPLE_TIMEOUT_SECONDS} s"
    if running.returncode == 0:
        return None
    return example_failure(stderr or stdout)


def example_failure(output: str) -> str:
    """Why the example failed: the last line of its output."""
    lines = output.strip().splitlines()
    return f"the release's example failed ({lines[-1] if lines else 'no output'})"
