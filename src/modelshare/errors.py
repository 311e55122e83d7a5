"""Exceptions by cause, and the one-line message every one of them carries.

Every error a user can cause is a :class:`ModelshareError` whose message says in one line what
is wrong and what to do. Its subclasses name the cause, so a caller can catch the kind it can
handle, and the command line maps each kind to one exit code (:data:`EXIT_CODES`, the only
place exit codes are chosen):

========================  ====  ==========================================================
class                     exit  meaning
========================  ====  ==========================================================
(success)                 0     the command did what was asked and found nothing wrong
ModelshareError           1     the command ran and its answer is "no", or another failure
IntegrityError            1     a release does not match its manifest or signature
UnsafeContentError        1     content that could run code, or is not trusted, was refused
InvalidInputError         2     an argument, file or value cannot be used as given
NotAReleaseError          2     a path or reference does not name a release
HubError                  3     a hub could not be reached, refused the token, or failed
(interrupted)             130   Ctrl-C; nothing was left half-written
========================  ====  ==========================================================

Example:
    >>> raise InvalidInputError("column 'species' not found in train.csv; columns: a, b")
    Traceback (most recent call last):
    ...
    modelshare.errors.InvalidInputError: column 'species' not found in train.csv; columns: a, b
    >>> isinstance(InvalidInputError("x"), ValueError), issubclass(NotAReleaseError, OSError)
    (True, True)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ModelshareError(Exception):
    """A problem with the user's input, a release or the environment, explained in one line."""


class InvalidInputError(ModelshareError, ValueError):
    """An argument, file or value cannot be used as given (a missing or unreadable file, a
    column that is not there, an option out of range). Also a :class:`ValueError`."""


class NotAReleaseError(ModelshareError, FileNotFoundError):
    """A folder, archive or reference does not hold a modelshare release (no record, or no
    such name in a registry). Also a :class:`FileNotFoundError`."""


class UnsafeContentError(ModelshareError):
    """Content that could run code, or that the receiver has not agreed to trust, was refused."""


class IntegrityError(ModelshareError):
    """A release does not match its manifest or signature, or has none to be checked against."""


class HubError(ModelshareError):
    """A hub (the local registry, a served hub, the Hugging Face Hub) could not be reached,
    refused the credentials, or answered with an error."""


EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (InvalidInputError, 2),
    (NotAReleaseError, 2),
    (HubError, 3),
    (IntegrityError, 1),
    (UnsafeContentError, 1),
    (ModelshareError, 1),
    (KeyboardInterrupt, 130),
)
"""Exception class to exit code, most specific first: the first class an error is an
instance of decides."""


def exit_code_for(error: BaseException) -> int:
    """The exit code of the command line for ``error`` (1 for anything not listed).

    Example:
        >>> exit_code_for(NotAReleaseError("no modelshare.json in ."))
        2
        >>> exit_code_for(HubError("http://localhost:1 refused the connection"))
        3
    """
    return next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1)


def first_validation_error(error: ValidationError) -> str:
    """A pydantic validation error as one line: where the first problem is, and what it is.

    Example:
        >>> from modelshare.manifest import Manifest
        >>> try:
        ...     Manifest.model_validate({"files": [{"path": "../x",
        ...         "size": 0, "sha256": "0" * 64}]})
        ... except ValueError as error:
        ...     print(first_validation_error(error))
        files.0.path: path '../x' has an empty, '.' or '..' component
    """
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


@contextmanager
def validation_as_error(context: str) -> Iterator[None]:
    """Raise a pydantic validation error of the block as a one-line
    :class:`InvalidInputError` that starts with ``context``.

    Example:
        >>> from modelshare.evaluate.uncertainty import Bootstrap
        >>> with validation_as_error("bootstrap()"):
        ...     Bootstrap(resamples=10)
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: bootstrap(): resamples: Input should be greater ...
    """
    from pydantic import ValidationError

    try:
        yield
    except ValidationError as error:
        raise InvalidInputError(f"{context}: {first_validation_error(error)}") from error
