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

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ModelshareError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class UsageError(ModelshareError):
    """The input cannot be used at all (CLI exit code 2)."""


class UnsafeContentError(ModelshareError):
    """Content that could run code, or that the receiver has not agreed to trust, was refused."""


class IntegrityError(ModelshareError):
    """A release does not match its manifest or signature, or has none to be checked against."""


def first_validation_error(error: ValidationError) -> str:
    """A pydantic validation error as one line: where the first problem is, and what it is.

    Example:
        >>> first_validation_error(error)
        'files.0.path: has a '..' component'
    """
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


@contextmanager
def validation_as_error(context: str) -> Iterator[None]:
    """Raise a pydantic validation error of the block as a one-line :class:`ModelshareError`
    that starts with ``context``.

    Example:
        >>> with validation_as_error("bootstrap()"):
        ...     Bootstrap(resamples=10)
        Traceback (most recent call last):
        modelshare.errors.ModelshareError: bootstrap(): resamples: Input should be greater ...
    """
    from pydantic import ValidationError

    try:
        yield
    except ValidationError as error:
        raise ModelshareError(f"{context}: {first_validation_error(error)}") from error
