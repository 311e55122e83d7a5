"""Where releases are published: the Hub protocol and its backends.

Example:
    >>> from modelshare.hubs import LocalRegistry
    >>> LocalRegistry().publish(Path("releases/penguin-species")).created
    True
"""

from __future__ import annotations

from modelshare.hubs.base import (
    LATEST,
    Hub,
    PublishedVersion,
    Reference,
    ReleaseSummary,
    ReleaseVersion,
    parse_reference,
)
from modelshare.hubs.local import LocalRegistry, default_home

__all__ = [
    "LATEST",
    "Hub",
    "LocalRegistry",
    "PublishedVersion",
    "Reference",
    "ReleaseSummary",
    "ReleaseVersion",
    "default_home",
    "parse_reference",
]
