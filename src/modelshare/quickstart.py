"""The quick start: a real, documented release of the bundled penguin classifier.

Every human field holds an honest example text, so the release passes the checklist; a user
who shares their own model replaces those texts with their own.

Example:
    >>> out = Path("releases/penguin-species")
    >>> bundle = build_quickstart_release(out, overwrite=True)  # doctest: +SKIP
    >>> bundle.record.training_data.n_samples  # doctest: +SKIP
    179
"""

from __future__ import annotations

from pathlib import Path

from modelshare.bundle import Bundle
from modelshare.penguins import (
    CATEGORICAL_FEATURES,
    HELD_OUT_YEAR,
    NUMERIC_FEATURES,
    SEED,
    TARGET,
    TEST_SIZE,
    train_penguin_classifier,
)
from modelshare.release import Release

DEFAULT_OUT = Path("releases/penguin-species")

DESCRIPTION = (
    "Predicts the species of a penguin (Adelie, Chinstrap or Gentoo) from its bill length and "
    "depth, flipper length, body mass, island and sex. A regularised logistic regression "
    "trained on the Palmer penguins data, released as a worked example of a documented model."
)
FACTS = {
    "intended_use": (
        "Teaching and demonstrating how a tabular classifier is documented and shared; a small, "
        "well-known baseline for testing tools that handle scikit-learn models."
    ),
    "out_of_scope": (
        "Identifying penguins in the field or informing conservation or management decisions; "
        "species other than Adelie, Chinstrap and Gentoo; birds from colonies outside the "
        "Biscoe, Dream and Torgersen islands of the Palmer Archipelago; juvenile birds."
    ),
    "limitations": (
        "Trained on 179 adult penguins measured in the 2007 and 2008 breeding seasons on three "
        "islands. Chinstrap penguins were sampled only on Dream island, so island and species "
        "are confounded: the model may lean on the island rather than on the measurements. "
        "Measurements taken with other protocols, in other regions or other years may differ."
    ),
    "ethical_considerations": (
        "The data describes animals, not people: no personal data is involved and the `sex` "
        "feature is the birds' sex as determined by the field team. The main risk is "
        "over-trusting a model trained on a small sample from three colonies."
    ),
    "acknowledgments": (
        "Data collected and made available by Dr. Kristen Gorman and the Palmer Station Long "
        "Term Ecological Research (LTER) Program, part of the US LTER Network; packaged for "
        "Python by the palmerpenguins project."
    ),
    "citation": (
        "@article{gorman2014penguins,\n"
        "  title   = {Ecological Sexual Dimorphism and Environmental Variability within a "
        "Community of Antarctic Penguins (Genus Pygoscelis)},\n"
        "  author  = {Gorman, Kristen B. and Williams, Tony D. and Fraser, William R.},\n"
        "  journal = {PLoS ONE},\n  volume  = {9},\n  number  = {3},\n  pages   = {e90081},\n"
        "  year    = {2014},\n  doi     = {10.1371/journal.pone.0090081}\n}"
    ),
}
PROVENANCE = {
    "source": (
        "palmerpenguins Python package (bundled copy of the Palmer Station LTER penguin data, "
        "Gorman et al. 2014, doi:10.1371/journal.pone.0090081)"
    ),
    "license": "CC0-1.0",
    "owner": "Palmer Station Antarctica LTER and Dr. Kristen Gorman",
    "collection": (
        "Field measurements of adult penguins at nesting sites in the Palmer Archipelago, "
        "Antarctica, during the 2007–2009 breeding seasons; sex determined by molecular "
        "analysis of blood samples. This model uses the 2007 and 2008 seasons."
    ),
    "consent": (
        "Not applicable: no human subjects. The fieldwork was done under the Palmer Station "
        "LTER program's permits for animal research."
    ),
}


def quickstart_release() -> Release:
    """The penguin classifier with its data, facts and evaluations, ready to save."""
    example = train_penguin_classifier()
    release = Release(
        "penguin-species",
        version="1.0.0",
        license="mit",
        authors=["modelshare quick start"],
        contact="Open an issue in the tracker of the project that shares this release.",
        description=DESCRIPTION,
    )
    release.describe(**FACTS)
    release.training_data(
        example.X_train, example.y_train, name="Palmer penguins 2007-2008", **PROVENANCE
    )
    release.split(
        "stratified hold-out",
        test_size=TEST_SIZE,
        random_state=SEED,
        stratify=TARGET,
        held_out=f"the {HELD_OUT_YEAR} season, kept apart as a second evaluation set",
    )
    release.add_step(
        "outlier filter",
        "none applied: every measurement lies in a plausible range for adult penguins, "
        "so no row was removed; missing measurements are imputed by the model",
        rows_removed=0,
    )
    release.add_step(
        "feature selector",
        "chosen by hand: every measurement plus island and sex; `year` is left out because "
        "the seasons define the training and evaluation sets",
        columns=[*NUMERIC_FEATURES, *CATEGORICAL_FEATURES],
    )
    release.waive("ethics.fairness", "no human data: the model classifies penguins")
    release.model(example.model)
    release.evaluate(example.X_test, example.y_test, dataset="penguins-test")
    release.evaluate(
        example.X_later, example.y_later, dataset=f"penguins-{HELD_OUT_YEAR}", split="test"
    )
    return release


def build_quickstart_release(out: Path = DEFAULT_OUT, *, overwrite: bool = False) -> Bundle:
    """Train the penguin classifier and save its release to ``out``."""
    return quickstart_release().save(out, overwrite=overwrite)
