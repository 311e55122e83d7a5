"""The errors the server answers with, in the shape huggingface_hub understands.

Each error becomes a JSON body ``{"error": message}`` with the headers ``X-Error-Message``
and, for the "not found" cases the client tells apart, ``X-Error-Code``.

Example:
    >>> raise revision_not_found("lab/penguins", "2.0.0")
    Traceback (most recent call last):
    ...
    modelshare.hubs.server.errors.HubError: lab/penguins has no revision '2.0.0'
"""

from __future__ import annotations

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
"""The message huggingface_hub recognises as a bad token (rather than a missing repository)."""


class HubError(Exception):
    """An HTTP error answer: status, one-line message, and the Hub's error code if any."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def bad_request(message: str) -> HubError:
    """400: the request cannot be used as sent.

    Example:
        >>> bad_request("path '../x' has an empty, '.' or '..' component").status
        400
    """
    return HubError(400, message)


def repo_not_found(repo_id: str) -> HubError:
    """404 ``RepoNotFound``; also what a private repository looks like without a token.

    Example:
        >>> repo_not_found("lab/penguins").code
        'RepoNotFound'
    """
    return HubError(404, f"repository {repo_id} not found", "RepoNotFound")


def revision_not_found(repo_id: str, revision: str) -> HubError:
    """404 ``RevisionNotFound``.

    Example:
        >>> revision_not_found("lab/penguins", "2.0.0").code
        'RevisionNotFound'
    """
    return HubError(404, f"{repo_id} has no revision {revision!r}", "RevisionNotFound")


def entry_not_found(repo_id: str, revision: str, path: str) -> HubError:
    """404 ``EntryNotFound``: no such file or folder at that revision.

    Example:
        >>> entry_not_found("lab/penguins", "main", "config.json").code
        'EntryNotFound'
    """
    return HubError(404, f"{repo_id}@{revision} has no entry {path!r}", "EntryNotFound")
