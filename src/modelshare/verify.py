"""Verify a release where it is received: integrity, loading, the example, the environment and,
with data, the claimed metrics (``modelshare verify``). This is the receiving side; what it
measures again is compared with the claims by :mod:`modelshare.evaluate.claims`.

In order: every file is checked against ``manifest.json`` (and, with a public key, against the
signature) before anything is read; the model is loaded with :func:`modelshare.load`, which
refuses any file that could run code; ``examples/predict.py``, code shipped in the release, is
not run unless asked (``run_example=True``), and then only in an isolated copy
(:func:`modelshare.isolation.start_isolated_example`); the pinned packages of
``requirements.txt`` are compared with those installed; and, with data, the evaluation is
re-run and every claim compared (:mod:`modelshare.evaluate.claims`).

Example:
    >>> result = verify_release(Path("releases/penguin-species"), data=(X_test, y_test))
    >>> result.ok, result.claims.count("reproduced")
    (True, 10)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.requirements import InvalidRequirement, Requirement

from modelshare.errors import ModelshareError
from modelshare.examples import EXAMPLE_TIMEOUT_SECONDS
from modelshare.imports import imports_outside
from modelshare.isolation import IsolatedExample, Isolation, start_isolated_example
from modelshare.layout import EXAMPLE_PATH, REQUIREMENTS_FILE
from modelshare.manifest import Verification, require_manifest, verify_folder

if TYPE_CHECKING:
    from modelshare.bundle import Bundle
    from modelshare.evaluate.claims import ClaimsReport

StepStatus = Literal["ok", "failed", "skipped"]
EXAMPLE_NOT_RUN = (
    f"not run: {EXAMPLE_PATH} is code from the release; to run it in an isolated copy, "
    "pass --run-example (run_example=True)"
)


@dataclass(frozen=True)
class Step:
    """One verification step after the manifest: loading the model or running the example
    (with how it was isolated, when it was run)."""

    name: str
    status: StepStatus
    detail: str
    isolation: Isolation | None = None

    def as_dict(self) -> dict[str, Any]:
        """The step as plain data, for ``--json`` output."""
        isolation = {"isolation": self.isolation.as_dict()} if self.isolation else {}
        return {"status": self.status, "detail": self.detail, **isolation}


@dataclass(frozen=True)
class PackageDifference:
    """A package pinned in ``requirements.txt`` and installed at another version, or not."""

    package: str
    pinned: str
    installed: str | None

    def describe(self) -> str:
        """The difference in words, e.g. ``scikit-learn 1.9.1 pinned, 1.8.0 installed``."""
        installed = f"{self.installed} installed" if self.installed else "not installed"
        return f"{self.package} {self.pinned} pinned, {installed}"


@dataclass(frozen=True)
class ReleaseVerification:
    """Everything ``verify`` found; ``ok`` when every file matches, no step failed and no
    claim was contradicted. Differences of environment are reported, not failed."""

    manifest: Verification
    signed_by: Path | None = None
    steps: tuple[Step, ...] = ()
    environment: tuple[PackageDifference, ...] = ()
    claims: ClaimsReport | None = None

    @property
    def ok(self) -> bool:
        """True when the release verified entirely."""
        steps_ok = all(step.status != "failed" for step in self.steps)
        claims_ok = self.claims is None or self.claims.reproduced
        return self.manifest.ok and steps_ok and claims_ok

    def as_dict(self) -> dict[str, Any]:
        """The verification as plain data, for ``--json`` output."""
        return {
            **self.manifest.as_dict(),
            "ok": self.ok,
            "signed_by": str(self.signed_by) if self.signed_by else None,
            "steps": {step.name: step.as_dict() for step in self.steps},
            "environment": [
                {"package": d.package, "pinned": d.pinned, "installed": d.installed}
                for d in self.environment
            ],
            "claims": self.claims.as_dict() if self.claims else None,
        }


def verify_release(
    folder: str | Path,
    *,
    require_signature: str | Path | None = None,
    trusted: Iterable[str] = (),
    data: tuple[Any, Any] | None = None,
    dataset: str | None = None,
    run_example: bool = False,
    example_timeout: float = EXAMPLE_TIMEOUT_SECONDS,
) -> ReleaseVerification:
    """Verify a release folder; with ``data`` (features and target), its claimed metrics too.

    Nothing is loaded or run from a folder that has no manifest, does not match it, or (with
    ``require_signature``, a PEM public key) was not signed by that key's owner; the modules
    that load and score models are imported only then, so a damaged folder is reported at
    once. The model is loaded by :func:`modelshare.load`, granting the skops types in
    ``trusted`` beyond modelshare's default list. The example is code from the release: it is
    skipped unless ``run_example``, and then runs isolated in a temporary copy, stopped after
    ``example_timeout`` seconds, while the model is loaded and scored here.

    Example:
        >>> verify_release("releases/penguin-species", data=(X_test, y_test)).claims.reproduced
        True
        >>> verify_release("downloads/penguin-species", run_example=True).steps[1].status
        'ok'

    Raises:
        IntegrityError: the folder has no manifest.
        ModelshareError: the signature does not match ``require_signature``, or the
            evaluation cannot be re-run on ``data``.
    """
    folder = Path(folder)
    with imports_outside(folder):
        return _verify(
            folder, require_signature, tuple(trusted), data, dataset, run_example, example_timeout
        )


def _verify(
    folder: Path,
    require_signature: str | Path | None,
    trusted: tuple[str, ...],
    data: tuple[Any, Any] | None,
    dataset: str | None,
    run_example: bool,
    example_timeout: float,
) -> ReleaseVerification:
    require_manifest(folder, "nothing was verified")
    manifest = verify_folder(folder)
    if not manifest.ok:
        return ReleaseVerification(manifest)
    if require_signature is not None:
        from modelshare.signing import verify_signature

        verify_signature(folder, require_signature)
    example = start_isolated_example(folder, timeout=example_timeout) if run_example else None
    try:
        loaded, claims = _load_and_reproduce(folder, trusted, data, dataset)
    except BaseException:
        if example is not None:
            example.stop()
        raise
    return ReleaseVerification(
        manifest,
        Path(require_signature) if require_signature else None,
        (loaded, _example_step(example)),
        tuple(requirement_differences(folder / REQUIREMENTS_FILE)),
        claims,
    )


def _load_and_reproduce(
    folder: Path, trusted: tuple[str, ...], data: tuple[Any, Any] | None, dataset: str | None
) -> tuple[Step, ClaimsReport | None]:
    """Load the model safely and, with data, check the claims against a new measurement."""
    from modelshare.bundle import Bundle

    bundle = Bundle.open(folder)
    model, loaded = _load(bundle, trusted)
    if data is None:
        return loaded, None
    if model is None:
        raise ModelshareError(f"cannot re-run the evaluation: {loaded.detail}")
    from modelshare.evaluate.claims import reproduce_claims

    return loaded, reproduce_claims(folder, bundle.record, model, *data, dataset=dataset)


def requirement_differences(requirements: Path) -> list[PackageDifference]:
    """Packages pinned (``name==version``) in a requirements file that are installed at
    another version, or not at all.

    Example:
        >>> requirement_differences(Path("releases/penguin-species/requirements.txt"))
        [PackageDifference(package='scikit-learn', pinned='1.9.1', installed='1.8.0')]
    """
    if not requirements.is_file():
        return []
    differences = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        pinned = _pinned(line)
        if pinned is None:
            continue
        name, version = pinned
        installed = _installed_version(name)
        if installed != version:
            differences.append(PackageDifference(name, version, installed))
    return differences


def _pinned(line: str) -> tuple[str, str] | None:
    """``(name, version)`` of a ``name==version`` line; None for anything else."""
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    versions = [spec.version for spec in requirement.specifier if spec.operator == "=="]
    return (requirement.name, versions[0]) if len(versions) == 1 else None


def _installed_version(name: str) -> str | None:
    """The installed version of a distribution, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _load(bundle: Bundle, trusted: tuple[str, ...]) -> tuple[Any, Step]:
    """The release's model, loaded safely, and how that went."""
    from modelshare.loading import load

    facts = bundle.record.model
    if facts.framework == "pytorch" and not facts.hub_mixin:
        return None, Step(
            "model",
            "skipped",
            f"{facts.estimator} needs its own class: load it from Python with "
            "modelshare.load(folder, model_class=...)",
        )
    try:
        model = load(bundle.path, trusted=trusted)
    except ModelshareError as error:
        return None, Step("model", "failed", str(error))
    return model, Step(
        "model", "ok", f"{facts.estimator} loaded with modelshare.load ({facts.file})"
    )


def _example_step(example: IsolatedExample | None) -> Step:
    """Wait for the release's example, started isolated, and say how it went; skipped when
    it was not started."""
    if example is None:
        return Step("example", "skipped", EXAMPLE_NOT_RUN)
    failure = example.outcome()
    if failure is not None:
        return Step("example", "failed", failure, example.isolation)
    detail = f"{EXAMPLE_PATH} ran in an isolated copy and gave the recorded results"
    return Step("example", "ok", detail, example.isolation)
