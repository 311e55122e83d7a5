"""The runnable usage example shipped in every release (``examples/predict.py``).

It loads the model with the framework's own tools alone, predicts on a few rows of real data
and checks that the predictions are the ones recorded when the release was saved.
``Release.save`` runs it in a fresh process; a failure stops the save. Where a release is
received it is someone else's code: ``modelshare verify --run-example`` runs it only in an
isolated copy (:mod:`modelshare.isolation`). This module writes the scikit-learn script
(skops) and runs any release's script; the PyTorch and transformers scripts are in
:mod:`modelshare.models.scripts`.

Example:
    >>> rows, trusted = X_test[:2], ["numpy.dtype"]
    >>> expected = model.predict(rows).tolist()
    >>> script = example_script("penguin-species", rows, expected, trusted, "classification")
    >>> print(script[script.index("model = "):])
    model = sio.load(MODEL, trusted=TRUSTED)
    rows = pd.DataFrame(
    ...
    predictions = model.predict(rows).tolist()
    print(predictions)
    ...
    expected = ['Gentoo', 'Chinstrap']
    assert predictions == expected, f"expected {expected}, got {predictions}"
    <BLANKLINE>
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.layout import EXAMPLE_PATH, SKOPS_FILE
from modelshare.record import ExampleRows
from modelshare.tables import as_frame

EXAMPLE_ROWS = 3
EXAMPLE_TIMEOUT_SECONDS = 300
MAX_GIVEN_ROWS = 20
"""Rows an author may give the example: it shows how to predict, it is no evaluation."""

ExampleChoice = Literal["auto", "synthetic", "evaluation", "none"]
EXAMPLE_CHOICES: tuple[str, ...] = get_args(ExampleChoice)

MADE_UP_TEXTS = (
    "A short example sentence, written for this card.",
    "Another made-up input, so that no text of the data is published.",
    "A third example, to show how a batch of texts is passed.",
)
"""What a text model's example reads when its rows are synthetic: texts are not profiled."""


def check_example_choice(choice: Any) -> None:
    """Refuse an ``example_rows`` choice that names none of :data:`EXAMPLE_CHOICES`.

    Example:
        >>> check_example_choice("synthetic")

    Raises:
        InvalidInputError: a text that is no choice.
    """
    if isinstance(choice, str) and choice not in EXAMPLE_CHOICES:
        raise InvalidInputError(
            f"example_rows={choice!r}: use one of {', '.join(EXAMPLE_CHOICES)} or a table of rows"
        )


def choose_example_rows(
    choice: Any,
    *,
    real: tuple[Literal["evaluation", "training"], str, pd.DataFrame],
    synthetic: Callable[[], pd.DataFrame],
    people: list[str],
    private: bool,
    made_up: bool = False,
) -> tuple[pd.DataFrame | None, ExampleRows]:
    """The rows the example predicts on, and what they are, from the author's ``choice``:
    ``"synthetic"`` (drawn by ``synthetic``), ``"evaluation"`` (the first complete rows of
    ``real``: source, dataset name and frame), ``"none"``, a table of rows (at most
    :data:`MAX_GIVEN_ROWS`), or ``"auto"``: synthetic when ``people`` (features whose names
    suggest people) or ``private``, else the real rows; when no synthetic row can be drawn
    then, none. ``made_up``: what ``synthetic`` gives are texts written for the example.

    Example:
        >>> rows, facts = choose_example_rows("auto", real=("evaluation", "test", X_test),
        ...     synthetic=lambda: X_test.head(0), people=[], private=False)
        >>> facts.source, facts.dataset, len(rows)
        ('evaluation', 'test', 3)

    Raises:
        InvalidInputError: an unknown choice, too many or no given rows, or ``"synthetic"``
            when no synthetic row can be drawn.
    """
    check_example_choice(choice)
    if not isinstance(choice, str):
        return _given_rows(choice)
    reason = None
    if choice == "auto":
        if people or private:
            reason = (
                "chosen because the authors marked the data private"
                if private
                else f"chosen because the feature {people[0]!r} suggests the data involves people"
            )
            choice = "synthetic"
        else:
            choice = "evaluation"
    if choice == "synthetic":
        try:
            rows = synthetic()
        except InvalidInputError as error:
            if reason is None:
                raise InvalidInputError(f"example_rows='synthetic': {error}") from error
            return None, ExampleRows(source="none", rows=0, reason=f"{reason}, but {error}")
        source = "made_up" if made_up else "synthetic"
        return rows, ExampleRows(source=source, rows=len(rows), reason=reason)
    if choice == "none":
        return None, ExampleRows(source="none", rows=0)
    source, dataset, frame = real
    rows = example_rows(frame)
    return rows, ExampleRows(source=source, rows=len(rows), dataset=dataset)


def _given_rows(rows: Any) -> tuple[pd.DataFrame, ExampleRows]:
    """The author's own example rows, as a table."""
    frame = as_frame(rows)
    if not 0 < len(frame) <= MAX_GIVEN_ROWS:
        raise InvalidInputError(
            f"example_rows holds {len(frame)} rows: give between 1 and {MAX_GIVEN_ROWS}"
        )
    return frame, ExampleRows(source="given", rows=len(frame))


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


def _column_code(values: pd.Series) -> str:
    """The expression that rebuilds one column: a list literal, or for dates and times
    ``pd.to_datetime`` of their ISO 8601 texts (a timestamp's repr is no literal).

    Example:
        >>> _column_code(pd.Series(pd.to_datetime(["2007-11-11", None])))
        "pd.to_datetime(['2007-11-11T00:00:00', None])"
    """
    is_time = pd.api.types.is_datetime64_any_dtype(values) or any(
        isinstance(value, date) for value in values
    )
    if not is_time:
        return _literal(values.tolist())
    texts = [None if pd.isna(value) else pd.Timestamp(value).isoformat() for value in values]
    return f"pd.to_datetime({texts!r})"


def _rows_code(rows: pd.DataFrame, named_columns: bool) -> tuple[str, str]:
    """The import and the code that rebuild ``rows`` in the example."""
    if not named_columns:
        return "import numpy as np", f"rows = np.array({_literal(rows.to_numpy().tolist())})"
    columns = "\n".join(f"        {name!r}: {_column_code(rows[name])}," for name in rows)
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
    rows: pd.DataFrame | None,
    expected: list[Any] | None,
    trusted: list[str],
    task: str,
    *,
    named_columns: bool = True,
) -> str:
    """The text of ``examples/predict.py`` for a scikit-learn release: it loads the model and
    predicts on ``rows``, checking the ``expected`` predictions; without rows, it loads the
    model and shows it."""
    trusted_lines = "".join(f"    {t!r},\n" for t in trusted)
    loading = f"""MODEL = Path(__file__).resolve().parent.parent / "{SKOPS_FILE}"
# Types skops must be told to trust for this model; review them before loading.
TRUSTED = [
{trusted_lines}]

model = sio.load(MODEL, trusted=TRUSTED)"""
    if rows is None:
        return f'''"""Load the {name} model with skops alone.

Run it from anywhere: python {EXAMPLE_PATH}
"""

from pathlib import Path

import skops.io as sio

{loading}
print(model)

# The authors published no example rows: predict on rows of your own with the columns of the
# card's training data, e.g. model.predict(rows) for a pandas DataFrame `rows`.
'''
    rows_import, rows_code = _rows_code(rows, named_columns)
    imports = ["import math"] if task == "regression" else []
    imports += ["from pathlib import Path", "", rows_import, "import skops.io as sio"]
    return f'''"""Load the {name} model with skops alone and predict on a few rows.

Run it from anywhere: python {EXAMPLE_PATH}
"""

{chr(10).join(imports)}

{loading}
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
        >>> running = start_example(Path("releases/penguin-species"))  # doctest: +SKIP
        >>> example_outcome(running) is None  # doctest: +SKIP
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
