"""Where releases are published: the Hub protocol and its backends.

``LocalRegistry`` keeps releases in a folder on this machine; ``modelshare.hubs.hf``'s
``HuggingFaceHub`` publishes to the Hugging Face Hub or any server speaking its API, such as
``modelshare serve`` (``modelshare.server``). ``publish_release`` audits a release
before handing it to any of them.

Example:
    >>> from modelshare.hubs import LocalRegistry, publish_release
    >>> publish_release(Path("releases/penguin-species"), LocalRegistry().publish).forced
    ()
"""

from __future__ import annotations

from modelshare.hubs.base import (
    LATEST,
    Accept,
    Hub,
    PublishedVersion,
    Reference,
    ReleaseSummary,
    ReleaseVersion,
    parse_reference,
)
from modelshare.hubs.local import LocalRegistry, default_home
from modelshare.hubs.publishing import PublishOutcome, publish_release
from modelshare.hubs.references import hub_for, hub_to_list, publisher_for

__all__ = [
    "LATEST",
    "Accept",
    "Hub",
    "LocalRegistry",
    "PublishOutcome",
    "PublishedVersion",
    "Reference",
    "ReleaseSummary",
    "ReleaseVersion",
    "default_home",
    "hub_for",
    "hub_to_list",
    "parse_reference",
    "publish_release",
    "publisher_for",
]
