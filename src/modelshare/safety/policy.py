"""The refusal policy for loading: a file whose content is a pickle is refused unless the
caller opts in with ``allow_pickle=True``, and even then only after a clean scan; PyTorch
checkpoints are then loaded by torch's ``weights_only`` unpickler, never by ``pickle.load``.

Example:
    >>> import torch
    >>> from safetensors.torch import save_file
    >>> save_file({"weight": torch.zeros(2, 3)}, "model.safetensors")
    >>> torch.save({"weight": torch.zeros(2, 3)}, "pytorch_model.bin")
    >>> refuse_pickle(Path("model.safetensors")).format
    'safetensors'
    >>> refuse_pickle(Path("pytorch_model.bin"))
    Traceback (most recent call last):
    ...
    modelshare.errors.UnsafeContentError: pytorch_model.bin is a pytorch file, which runs code ...
    >>> state_dict = safe_torch_load(Path("pytorch_model.bin"))
    >>> state_dict["weight"].shape
    torch.Size([2, 3])
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelshare.errors import InvalidInputError, ModelshareError, UnsafeContentError
from modelshare.layout import SKOPS_FILE
from modelshare.safety.report import FileScan, ScanReport
from modelshare.safety.scan import scan_file, scan_path
from modelshare.safety.trust import trust_refusal

TORCH_FORMATS = frozenset({"pytorch", "pytorch legacy"})
"""The formats ``torch.load`` reads."""

CONVERT_HINT = "convert PyTorch checkpoints to safetensors with `modelshare convert`"
SKOPS_HINT = f"save scikit-learn models with skops: skops.io.dump(model, '{SKOPS_FILE}')"
OTHER_HINT = "ask its publisher for safetensors or skops files"
TORCH_REASON = "WeightsUnpickler error:"
"""Where torch's refusal message says what it refused."""
LISTED = 5
"""How many unsafe globals or problems an error message names before it counts the rest."""


def is_pickle_content(path: str | Path) -> bool:
    """Whether loading the file would unpickle anything, whatever its name says.

    Example:
        >>> _ = Path("weights.safetensors").write_bytes(pickle.dumps({"weight": [0.5, 1.5]}))
        >>> is_pickle_content("weights.safetensors")  # a pickle renamed
        True
    """
    return scan_file(path).contains_pickle


def refuse_pickle(
    path: str | Path,
    *,
    allow_pickle: bool = False,
    trusted: Iterable[str] = (),
    fix: str | None = None,
) -> FileScan:
    """Return the file's scan, or raise saying why it must not be loaded: anything unsafe is
    refused; a pickle is refused unless ``allow_pickle=True``; a skops file is refused when
    it needs a type that neither modelshare's default list nor ``trusted`` grants. ``fix``
    replaces the advice that ends the message (by default: what to publish instead).

    With ``allow_pickle=True`` a pickle passes only when every global it imports is on the
    allowlist and it reads completely; the caller must still load it with a restricted
    loader (:func:`safe_torch_load`), never with ``pickle.load``.

    Example:
        >>> _ = Path("state_dict.pkl").write_bytes(pickle.dumps({"weight": [0.5, 1.5]}))
        >>> refuse_pickle("state_dict.pkl", allow_pickle=True).format
        'pickle'
        >>> _ = Path("model.bin").write_bytes(b"cos\\nsystem\\n(S'ls'\\ntR.")  # runs os.system
        >>> refuse_pickle("model.bin", allow_pickle=True)
        Traceback (most recent call last):
        ...
        modelshare.errors.UnsafeContentError: model.bin (pickle) is unsafe: it imports os.system...

    Raises:
        UnsafeContentError: the file is unsafe, or a pickle that was not allowed.
    """
    path = Path(path)
    scan = scan_file(path, trusted=trusted)
    if not scan.safe:
        raise UnsafeContentError(refusal_message(path.name, scan, fix=fix))
    if scan.contains_pickle and not allow_pickle:
        raise UnsafeContentError(
            f"{path.name} is a {scan.format} file, which runs code when loaded; "
            f"{_fix(scan.format)}, or pass allow_pickle=True to accept it (the scan found "
            "only allowlisted imports)"
        )
    return scan


def refuse_unsafe_release(
    folder: str | Path, outcome: str, *, trusted: Iterable[str] = (), name: str | None = None
) -> ScanReport:
    """Scan every file of a release folder and refuse it, in one line ending with
    ``outcome``, when any file holds a pickle, is unsafe, or needs a skops type that neither
    modelshare's default list nor ``trusted`` grants. A release never needs a pickle.
    ``name`` is how the message calls the release (default: the folder's path).

    Example:
        >>> refuse_unsafe_release(Path("releases/penguin-species"), "nothing was pulled").safe
        True

    Raises:
        UnsafeContentError: naming the first refused file, why, and how many others.
    """
    report = scan_path(folder, trusted=trusted)
    refused = [file for file in report.files if file.contains_pickle or not file.safe]
    if not refused:
        return report
    first = refused[0]
    label = name or str(folder)
    more = f" ({len(refused) - 1} more files refused)" if len(refused) > 1 else ""
    if not first.safe:
        raise UnsafeContentError(f"{label}{more}: {refusal_message(first.path, first, outcome)}")
    raise UnsafeContentError(
        f"{label}{more}: {first.path} is a {first.format} file, which runs code when loaded; "
        f"{outcome}; {_fix(first.format)}"
    )


def safe_torch_load(path: str | Path, *, fix: str | None = None) -> Any:
    """Load a PyTorch checkpoint on the CPU with ``torch.load(weights_only=True)``, after a
    clean scan; every refusal, ours or torch's, is a one-line :class:`ModelshareError`
    (ending with ``fix`` when given, see :func:`refuse_pickle`).

    Example:
        >>> import torch
        >>> torch.save(torch.nn.Sequential(torch.nn.Linear(3, 2)).state_dict(), "state_dict.pt")
        >>> safe_torch_load("state_dict.pt")["0.weight"].shape
        torch.Size([2, 3])
    """
    path = Path(path)
    scan = refuse_pickle(path, allow_pickle=True, fix=fix)
    if scan.format not in TORCH_FORMATS:
        raise InvalidInputError(
            f"{path.name} is a {scan.format} file, not a PyTorch checkpoint written by torch.save"
        )
    torch = _import_torch()
    try:
        with path.open("rb") as stream:  # a stream: torch picks no loader by file name
            return torch.load(stream, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        raise UnsafeContentError(
            f"{path.name} was not loaded: torch's weights_only loader refused it "
            f"({_torch_reason(error)})"
        ) from None
    except RuntimeError as error:
        raise InvalidInputError(
            f"{path.name} is not a readable PyTorch checkpoint: {_torch_reason(error)}"
        ) from None


def refusal_message(
    name: str, scan: FileScan, outcome: str = "it was not loaded", *, fix: str | None = None
) -> str:
    """Why an unsafe file is refused, in one line: its unsafe imports and problems, or the
    types it needs that nobody trusted; then ``outcome`` and what to do.

    Example:
        >>> _ = Path("model.bin").write_bytes(b"cos\\nsystem\\n(S'ls'\\ntR.")  # runs os.system
        >>> print(refusal_message("model.bin", scan_file("model.bin")))
        model.bin (pickle) is unsafe: it imports os.system, not on the allowlist; it was not ...
    """
    reasons = []
    if scan.unsafe_globals:
        reasons.append(f"it imports {_listed(scan.unsafe_globals)}, not on the allowlist")
    reasons += scan.problems[:LISTED]
    if len(scan.problems) > LISTED:
        reasons.append(f"and {len(scan.problems) - LISTED} more problems")
    if reasons:
        return (
            f"{name} ({scan.format}) is unsafe: {'; '.join(reasons)}; {outcome}; "
            f"{fix or _fix(scan.format)}"
        )
    return trust_refusal(name, list(scan.needs_trust), outcome)


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown if len(names) <= LISTED else f"{shown} and {len(names) - LISTED} more"


def _fix(format_name: str) -> str:
    """What the file's publisher should ship instead."""
    base = format_name.split(" (")[0]
    if base in TORCH_FORMATS or base == "torchscript":
        return CONVERT_HINT
    if base in {"pickle", "joblib"}:
        return f"{SKOPS_HINT}; {CONVERT_HINT}"
    return OTHER_HINT


def _torch_reason(error: Exception) -> str:
    """The one sentence of torch's error message that says what was refused."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    marked = [line.split(TORCH_REASON, 1)[1] for line in lines if TORCH_REASON in line]
    reason = (marked or lines or [type(error).__name__])[0].strip()
    return reason.split(". ")[0].rstrip(".")


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ModelshareError("PyTorch is not installed: pip install 'modelshare[torch]'") from None
    return torch
