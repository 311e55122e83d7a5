"""The one exception type users see.

Every error a user can cause is raised as :class:`ModelshareError` with a one-line message
that says what is wrong and what to do. The CLI prints it without a traceback.

Example:
    >>> raise ModelshareError("column 'species' not found in train.csv; columns: a, b")
    Traceback (most recent call last):
    ...
    modelshare.errors.ModelshareError: column 'species' not found in train.csv; columns: a, b
"""

from __future__ import annotations


class ModelshareError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class UsageError(ModelshareError):
    """The input cannot be used at all (CLI exit code 2)."""
