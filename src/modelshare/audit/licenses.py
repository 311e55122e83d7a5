"""Read license ids and tell whether a data license allows the model's license.

Only the terms that decide compatibility are read from an id: non-commercial (``-nc``, or the
words "non-commercial"), no-derivatives (``-nd``) and share-alike (``-sa``, the GPL family,
ODbL, CDLA-Sharing).
Data that forbids commercial use or derivatives cannot be released under a model license that
allows them (``block``); share-alike data under a model license that does not share alike is a
``warn``.

Example:
    >>> [c.level for c in license_conflicts("mit", [("cc-by-nc-4.0", "training data")])]
    ['block']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from modelshare.audit.hub_metadata import hub_license_id, hub_licenses
from modelshare.audit.report import Level

LICENSE_IN_TEXT = re.compile(
    r"\bcc[- ]?by(?:[- ](?:nc|nd|sa))*(?:[- ]\d\.\d)?\b|\bcc0(?:[- ]1\.0)?\b|\bodbl(?:[- ]1\.0)?\b"
    r"|\bcdla[- ](?:sharing|permissive)[- ]\d\.\d\b|\b(?:a|l)?gpl[- ]?v?\d(?:\.\d)?\b"
    r"|\bapache[- ]2\.0\b|\bmit license\b|\bpublic domain\b|\bnon-?commercial\b"
)
"""License names as cards write them in prose ("CC BY-NC 4.0", "CC0", "ODbL", "non-commercial"),
in lowercase: search lowered text."""

_SHARE_ALIKE = re.compile(r"(?:^|-)sa(?:-|$)|gpl|odbl|cdla-sharing|gfdl")
_NON_COMMERCIAL = re.compile(r"(?:^|-)nc(?:-|$)|non-?commercial")
_NO_DERIVATIVES = re.compile(r"(?:^|-)nd(?:-|$)")


@dataclass(frozen=True)
class Conflict:
    """A data license that does not allow what the model license allows, and how badly."""

    level: Level
    message: str


def normalize_license(text: str) -> str:
    """A license name as a lowercase, hyphenated id.

    Example:
        >>> normalize_license("CC BY-NC 4.0"), normalize_license("Public domain")
        ('cc-by-nc-4.0', 'cc0-1.0')
    """
    known = hub_license_id(text)
    if known is not None:
        return known
    name = "-".join(re.split(r"[\s_]+", text.strip().lower()))
    return "cc0-1.0" if name == "public-domain" else name.removesuffix("-license")


def terms(license_id: str) -> set[str]:
    """The restrictive terms of a license id or phrase: ``nc``, ``nd`` and ``sa``.

    Example:
        >>> sorted(terms("cc-by-nc-sa-4.0")), sorted(terms("non-commercial")), terms("mit")
        (['nc', 'sa'], ['nc'], set())
    """
    patterns = {"nc": _NON_COMMERCIAL, "nd": _NO_DERIVATIVES, "sa": _SHARE_ALIKE}
    return {term for term, pattern in patterns.items() if pattern.search(license_id)}


def is_known(license_id: str) -> bool:
    """Whether the Hub knows the id (``other`` excepted: its terms cannot be read).

    Example:
        >>> is_known("cc-by-nc-4.0"), is_known("my-own-terms"), is_known("other")
        (True, False, False)
    """
    return license_id != "other" and license_id in hub_licenses()


def license_conflicts(
    model_license: str | None, data_licenses: Iterable[tuple[str, str]]
) -> list[Conflict]:
    """What the data licenses forbid that the model license allows, or cannot be checked.

    ``data_licenses`` are (license, where it is stated) pairs.

    Example:
        >>> [c.level for c in license_conflicts("mit", [("cc-by-sa-4.0", "training data")])]
        ['warn']
        >>> license_conflicts("mit", [("CC BY-NC 4.0", "training data")])[0].message
        "training data: 'cc-by-nc-4.0' forbids commercial use; the model license 'mit' allows it"
    """
    model = normalize_license(model_license) if model_license else None
    conflicts = []
    if model is None:
        conflicts.append(Conflict("warn", "no model license: nobody may reuse the model"))
    elif not is_known(model):
        conflicts.append(
            Conflict("warn", f"model license {model!r} is not a known id: its terms cannot be read")
        )
    for raw, where in data_licenses:
        data = normalize_license(raw)
        if not is_known(data) and not terms(data):
            conflicts.append(
                Conflict("warn", f"{where} license {raw!r} is not a known id: check it by hand")
            )
        elif model is not None and is_known(model):
            conflicts.extend(_term_conflicts(model, data, where))
    return conflicts


def _term_conflicts(model: str, data: str, where: str) -> list[Conflict]:
    """Conflicts between the terms of a data license and a known model license."""
    data_terms, model_terms = terms(data), terms(model)
    conflicts = []
    if "nc" in data_terms and "nc" not in model_terms:
        conflicts.append(
            Conflict(
                "block",
                f"{where}: {data!r} forbids commercial use; the model license {model!r} allows it",
            )
        )
    if "nd" in data_terms and "nd" not in model_terms:
        conflicts.append(
            Conflict(
                "block",
                f"{where}: {data!r} forbids derivatives, which a trained model may be; "
                f"the model license {model!r} allows adaptation",
            )
        )
    if "sa" in data_terms and "sa" not in model_terms:
        conflicts.append(
            Conflict(
                "warn",
                f"{where}: {data!r} asks derivatives to share alike; "
                f"the model license {model!r} does not",
            )
        )
    return conflicts
