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

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from modelshare.errors import ModelshareError
from modelshare.examples import EXAMPLE_TIMEOUT_SECONDS
from modelshare.imports import imports_outside
from modelshare.isolation import IsolatedExample, Isolation, start_isolated_example
from modelshare.layout import EXAMPLE_PATH, REQUIREMENTS_FILE
from modelshare.manifest import Verification, require_manifest, verify_folder
from modelshare.release_folder import require_release
from modelshare.reports import Report

if TYPE_CHECKING:
    from modelshare.bundle import Bundle
    from modelshare.evaluate.claims import ClaimsReport

StepStatus = Literal["ok", "failed", "skipped"]
EXAMPLE_NOT_RUN = (
    f"not run: {EXAMPLE_PATH} is code from the release; to run it in an isolated copy, "
    "pass --run-example (run_example=True)"
)


@dataclass(frozen=True)
class Step(Report):
    """One verification step after the manifest: loading the model or running the example
    (with how it was isolated, when it was run)."""

    name: str
    status: StepStatus
    detail: str
    isolation: Isolation | None = None

    def to_dict(self) -> dict[str, Any]:
        """The step as plain data, for ``--json`` output."""
        isolation = {"isolation": self.isolation.to_dict()} if self.isolation else {}
        return {"status": self.status, "detail": self.detail, **isolation}


@dataclass(frozen=True)
class PackageDifference:
    """A package pinned in ``requirements.txt`` and installed at another version, or not at
    all, or at the same version in another build (``recorded`` is the exact version the
    release recorded, local label included, e.g. ``2.13.0+cu121``)."""

    package: str
    pinned: str
    installed: str | None
    recorded: str | None = None

    def describe(self) -> str:
        """The difference in words, e.g. ``scikit-learn 1.9.1 pinned, 1.8.0 installed`` or
        ``torch 2.13.0: same version, different build (2.13.0+cu121 recorded, 2.13.0+cpu
        installed)``."""
        if self.installed is None:
            return f"{self.package} {self.pinned} pinned, not installed"
        if self.recorded is not None:
            return (
                f"{self.package} {self.pinned}: same version, different build "
                f"({self.recorded} recorded, {self.installed} installed)"
            )
        return f"{self.package} {self.pinned} pinned, {self.installed} installed"


@dataclass(frozen=True)
class ReleaseVerification(Report):
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

    def to_dict(self) -> dict[str, Any]:
        """The verification as plain data, for ``--json`` output."""
        return {
            **self.manifest.to_dict(),
            "ok": self.ok,
            "signed_by": str(self.signed_by) if self.signed_by else None,
            "steps": {step.name: step.to_dict() for step in self.steps},
            "environment": [asdict(difference) for difference in self.environment],
            "claims": self.claims.to_dict() if self.claims else None,
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
        >>> steps = verify_release("releases/penguin-species").steps  # run_example=False
        >>> [(step.name, step.status) for step in steps]
        [('model', 'ok'), ('example', 'skipped')]

    Raises:
        NotAReleaseError: ``folder`` holds no release.
        IntegrityError: the folder has no manifest, or the signature does not match
            ``require_signature``.
        InvalidInputError: ``data`` or ``dataset`` do not fit the release's evaluations.
        ModelshareError: the evaluation cannot be re-run on ``data``.
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
    require_release(folder)
    require_manifest(folder, "nothing was verified")
    manifest = verify_folder(folder)
    if not manifest.ok:
        return ReleaseVerification(manifest)
    if require_signature is not None:
        from modelshare.signing import verify_signature

        verify_signature(folder, require_signature)
    from modelshare.bundle import open_release

    bundle = open_release(folder)
    example = start_isolated_example(folder, timeout=example_timeout) if run_example else None
    try:
        loaded, claims = _load_and_reproduce(bundle, trusted, data, dataset)
    except BaseException:
        if example is not None:
            example.stop()
        raise
    return ReleaseVerification(
        manifest,
        Path(require_signature) if require_signature else None,
        (loaded, _example_step(example)),
        tuple(
            requirement_differences(folder / REQUIREMENTS_FILE, bundle.record.environment.packages)
        ),
        claims,
    )


def _load_and_reproduce(
    bundle: Bundle, trusted: tuple[str, ...], data: tuple[Any, Any] | None, dataset: str | None
) -> tuple[Step, ClaimsReport | None]:
    """Load the model safely and, with data, check the claims against a new measurement."""
    model, loaded = _load(bundle, trusted)
    if data is None:
        return loaded, None
    if model is None:
        raise ModelshareError(f"cannot re-run the evaluation: {loaded.detail}")
    from modelshare.evaluate.claims import reproduce_claims

    return loaded, reproduce_claims(bundle.path, bundle.record, model, *data, dataset=dataset)


def requirement_differences(
    requirements: Path, recorded: Mapping[str, str] | None = None
) -> list[PackageDifference]:
    """Packages pinned (``name==version``) in a requirements file that are installed at
    another version, or not at all; with ``recorded`` (the exact versions the release
    recorded), also those installed at the pinned version in another build.

    A pin matches the way pip matches it: ``torch==2.13.0`` is met by ``2.13.0+cpu``. Only the
    recorded version says which build the release was made with.

    Example:
        >>> requirement_differences(Path("releases/penguin-species/requirements.txt"))
        []
    """
    if not requirements.is_file():
        return []
    exact = {canonicalize_name(name): version for name, version in (recorded or {}).items()}
    differences = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        pinned = _pinned(line)
        if pinned is None:
            continue
        name, version = pinned
        installed = _installed_version(name)
        if installed is None or not _same_release(installed, version):
            differences.append(PackageDifference(name, version, installed))
            continue
        build = exact.get(canonicalize_name(name))
        if build is not None and build != installed and _same_release(build, version):
            differences.append(PackageDifference(name, version, installed, recorded=build))
    return differences


def _same_release(installed: str, pinned: str) -> bool:
    """Whether ``installed`` meets the pin ``==pinned`` (a local label such as ``+cpu`` is
    ignored when the pin has none, as PEP 440 says)."""
    try:
        return SpecifierSet(f"=={pinned}").contains(installed, prereleases=True)
    except InvalidSpecifier:
        return installed == pinned


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
