"""The errors the server answers with, in the shape huggingface_hub understands.

Each error becomes a JSON body ``{"error": message}`` with the headers ``X-Error-Message``
and, for the "not found" cases the client tells apart, ``X-Error-Code``. Request bodies are
read as typed models (:class:`RequestBody`, :func:`parse_body`), so a malformed one is a 400
naming its first problem, never a 500.

Example:
    >>> raise revision_not_found("lab/penguins", "2.0.0")
    Traceback (most recent call last):
    ...
    modelshare.server.errors.ApiError: lab/penguins has no revision '2.0.0'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
"""The message huggingface_hub recognises as a bad token (rather than a missing repository)."""
MAX_MESSAGE_CHARS = 600
"""The longest error message: one quoting a huge input keeps its start and its end."""


class ApiError(Exception):
    """An HTTP error answer: status, message, the Hub's error code if any, extra headers.

    The message travels in a header, so whatever it quotes it is kept to one printable line of
    at most :data:`MAX_MESSAGE_CHARS`, with its start and its end (what to do).

    Example:
        >>> ApiError(400, "tag 'a\\nb' is invalid").message
        "tag 'a b' is invalid"
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        half = MAX_MESSAGE_CHARS // 2
        if len(message) > MAX_MESSAGE_CHARS:
            message = f"{message[:half]} ... {message[-half:]}"
        message = "".join(ch if ch.isprintable() else " " for ch in " ".join(message.split()))
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def bad_request(message: str) -> ApiError:
    """400: the request cannot be used as sent.

    Example:
        >>> bad_request("path '../x' has an empty, '.' or '..' component").status
        400
    """
    return ApiError(400, message)


def repo_not_found(repo_id: str) -> ApiError:
    """404 ``RepoNotFound``; also what a private repository looks like without a token.

    Example:
        >>> repo_not_found("lab/penguins").code
        'RepoNotFound'
    """
    return ApiError(404, f"repository {repo_id} not found", "RepoNotFound")


def revision_not_found(repo_id: str, revision: str) -> ApiError:
    """404 ``RevisionNotFound``.

    Example:
        >>> revision_not_found("lab/penguins", "2.0.0").code
        'RevisionNotFound'
    """
    return ApiError(404, f"{repo_id} has no revision {revision!r}", "RevisionNotFound")


def entry_not_found(repo_id: str, revision: str, path: str) -> ApiError:
    """404 ``EntryNotFound``: no such file or folder at that revision.

    Example:
        >>> entry_not_found("lab/penguins", "main", "config.json").code
        'EntryNotFound'
    """
    return ApiError(404, f"{repo_id}@{revision} has no entry {path!r}", "EntryNotFound")


def too_large(what: str, limit: int, remedy: str) -> ApiError:
    """413: a body or an object over the server's limit, refused before it is read.

    Example:
        >>> too_large("the commit", 1024, "split it into several commits").message
        'the commit is over the 1,024 bytes this server accepts: split it into several commits'
    """
    return ApiError(413, f"{what} is over the {limit:,} bytes this server accepts: {remedy}")


class RequestBody(BaseModel):
    """A typed JSON request body: a wrong type, a null or a missing key is refused with 400,
    and keys the server does not use are ignored, as the Hub ignores them.

    Example:
        >>> class TagBody(RequestBody):
        ...     tag: str
        >>> parse_body(TagBody, b'{"tag": "1.0.0", "message": "first"}', expected="{tag}").tag
        '1.0.0'
    """

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    SHAPE: ClassVar[str] = "a JSON object"
    """What to send instead, quoted when the body is refused."""


BodyT = TypeVar("BodyT", bound=BaseModel)


def parse_body(
    model: type[BodyT], data: bytes, *, expected: str, what: str = "the request body"
) -> BodyT:
    """``data`` read as ``model``; JSON nested more than 200 levels deep is refused, not recursed.

    Example:
        >>> from modelshare.server.app import TagBody
        >>> parse_body(TagBody, b'{"tag": 5}', expected="{tag}")
        Traceback (most recent call last):
        ...
        modelshare.server.errors.ApiError: the request body is invalid at tag: Input should be ...

    Raises:
        ApiError: 400 naming the first problem and the shape to send (``expected``).
    """
    try:
        return model.model_validate_json(data)
    except ValidationError as error:
        raise bad_request(_first_problem(error, what, expected)) from None


def _first_problem(error: ValidationError, what: str, expected: str) -> str:
    first = error.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        reason = first["msg"].removeprefix("Invalid JSON: ")
        return f"{what} is not valid JSON ({reason}); send {expected}"
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
    at = f" at {where.lstrip('.')}" if where else ""
    return f"{what} is invalid{at}: {first['msg']}; send {expected}"
