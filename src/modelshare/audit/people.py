"""Whether a model involves people: from its feature names and from what its card says.

Feature names are split into words (``patient_age``, ``zipCode`` and ``MaritalStatus`` give
``age``, ``zip``, ``marital``) and each word is compared with :data:`PERSON_FEATURE_WORDS`;
texts are searched for :data:`PERSON_TEXT`, skipping a match that a negation ("no", "not",
"without"…) precedes by at most three words. Words a card uses for its own readers are not
used: "users", "people", "students", "clients".

Example:
    >>> detect_people(["bill_length_mm", "patientAge"], []).evidence
    ("feature 'patientAge' (patient, age)",)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from modelshare.audit.card import lower_ascii

PERSON_FEATURE_WORDS = frozenset(
    {
        "age",
        "sex",
        "gender",
        "race",
        "racial",
        "ethnicity",
        "ethnic",
        "income",
        "salary",
        "wage",
        "zip",
        "zipcode",
        "postcode",
        "postal",
        "religion",
        "religious",
        "nationality",
        "citizenship",
        "marital",
        "disability",
        "disabled",
        "pregnancy",
        "pregnant",
        "birth",
        "birthdate",
        "dob",
        "ssn",
        "firstname",
        "lastname",
        "surname",
        "email",
        "phone",
        "patient",
        "employee",
        "applicant",
        "customer",
        "veteran",
        "caste",
        "bmi",
        "citizen",
        "senior",
        "dependents",
        "occupation",
        "education",
        "relationship",
        "diagnosis",
        "medical",
    }
)
"""Words of a feature name that suggest the rows describe people."""

PERSON_TEXT = re.compile(
    r"\b(?:patients?|customers?|consumers?|subscribers?|account holders?|policyholders?"
    r"|claimants?|applicants?|employees?|job candidates?|citizens?|residents?|voters?"
    r"|tenants?|borrowers?|defendants?|offenders?"
    r"|inmates?|participants?|human subjects?|personal (?:data|information)|user data"
    r"|user-generated|demographics?|medical (?:records?|reports?|notes?)|health records?"
    r"|clinical notes?|social media posts?|census|individuals"
    r"|face images?|facial images?)\b"
)
"""Words of a card that suggest the model is trained on, or decides about, people."""

CONSENT = re.compile(
    r"\b(?:consent(?:ed)?|irb|institutional review board|ethics (?:committee|board|approval)"
    r"|opt(?:ed)?[- ]in|anonymi[sz]ed|de-?identified|pseudonymi[sz]ed)\b"
)
"""Words of a consent statement (or of the safeguards that replace consent)."""

_NEGATION = re.compile(
    r"\b(?:no|not|without|never|neither|nor|non|none)\b(?:[^\w.;:!?]+\w+){0,3}[^\w.;:!?]*$", re.I
)
NEGATION_WINDOW = 60
"""How many characters before a word are searched for a negation."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
MAX_EVIDENCE = 5


@dataclass(frozen=True)
class PeopleEvidence:
    """Whether people are involved, and what says so (feature names, card words and lines)."""

    involves_people: bool
    evidence: tuple[str, ...] = ()


def name_words(name: str) -> list[str]:
    """The lowercase words of a snake_case, kebab-case or camelCase name.

    Example:
        >>> name_words("ZIPCode_of-patientAge")
        ['zip', 'code', 'of', 'patient', 'age']
    """
    return [word.lower() for word in re.split(r"[^0-9A-Za-z]+", _CAMEL.sub(" ", name)) if word]


def people_in_features(names: Iterable[str]) -> list[str]:
    """Evidence lines for the feature names that suggest people.

    Example:
        >>> people_in_features(["island", "sex", "page_count"])
        ["feature 'sex' (sex)"]
    """
    found = []
    for name in names:
        words = [word for word in name_words(name) if word in PERSON_FEATURE_WORDS]
        if words:
            found.append(f"feature {name!r} ({', '.join(words)})")
    return found


def people_in_text(text: str, limit: int = MAX_EVIDENCE) -> list[tuple[int, str]]:
    """(offset, word) of the first ``limit`` person-related words no negation precedes.

    Example:
        >>> people_in_text("No personal data. Trained on Patients.")
        [(29, 'Patients')]
    """
    lowered = lower_ascii(text)
    found = (
        (match.start(), text[match.start() : match.end()])
        for match in PERSON_TEXT.finditer(lowered)
        if not is_negated(lowered, match.start())
    )
    return list(islice(found, limit))


def is_negated(text: str, position: int) -> bool:
    """Whether a negation comes at most three words before ``position``, in the same clause.

    Example:
        >>> text = "used without their consent"
        >>> is_negated(text, text.index("consent"))
        True
    """
    window = max(0, position - NEGATION_WINDOW)
    start = text.rfind("\n", window, position) + 1 or window
    return _NEGATION.search(text, start, position) is not None


def detect_people(features: Iterable[str], texts: Iterable[tuple[str, str]]) -> PeopleEvidence:
    """Combine feature-name and text evidence; ``texts`` are (where, text) pairs.

    Example:
        >>> detect_people([], [("description", "Scores loan applicants.")]).evidence
        ("description: 'applicants'",)
    """
    evidence = people_in_features(features)
    for where, text in texts:
        evidence += [f"{where}: {word!r}" for _, word in people_in_text(text)]
    return PeopleEvidence(bool(evidence), tuple(evidence[:MAX_EVIDENCE]))


def consent_statement(text: str) -> tuple[int, bool] | None:
    """(offset, affirmed) of the consent statement in a text; ``None`` when there is none.

    A statement is affirmed unless every mention is negated ("without their consent").

    Example:
        >>> consent_statement("Photos were used without their consent.")
        (31, False)
    """
    lowered = lower_ascii(text)
    first = None
    for match in CONSENT.finditer(lowered):
        affirmed = not is_negated(lowered, match.start())
        if affirmed:
            return match.start(), True
        first = first or (match.start(), False)
    return first
