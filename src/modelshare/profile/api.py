"""Profile a dataset in one call: in memory (:func:`build_profile`) or from a file
(:func:`profile_file`, streamed in bounded memory or spread over a Dask cluster).

Example:
    >>> profile = build_profile(X_train, y_train, k_anonymity=10)
    >>> Path("data_profile.json").write_text(profile.to_json())
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelshare.data import check_same_length
from modelshare.errors import UsageError
from modelshare.profile.builder import ProfileBuilder
from modelshare.profile.columns import TargetKind, plan_columns
from modelshare.profile.finalise import K_ANONYMITY, QUANTILE_CLIP
from modelshare.profile.model import DataProfile
from modelshare.tables import TableSource, as_frame, as_target, open_source, require_rows


def build_profile(
    X: Any,
    y: Any = None,
    *,
    k_anonymity: int = K_ANONYMITY,
    quantile_clip: float = QUANTILE_CLIP,
    target_kind: TargetKind = "auto",
) -> DataProfile:
    """The privacy-safe profile of in-memory features ``X`` and, optionally, target ``y``.

    ``X`` is anything :func:`modelshare.tables.as_frame` takes (DataFrame, 2-D array, Arrow
    table); ``y`` anything :func:`modelshare.tables.as_target` takes. The target is profiled
    apart from the features: class balance for labels, a numeric summary for a regression
    target (``target_kind="numeric"``; by default floats are numeric, the rest labels).

    Example:
        >>> profile = build_profile(X_train, y_train)
        >>> profile.target.frequencies
        {'Adelie': 121, 'Gentoo': 98, 'Chinstrap': 54}
    """
    frame = as_frame(X)
    target = None
    if y is not None:
        labels = as_target(y)
        check_same_length(frame, labels, "the profiled data")
        target = str(labels.name)
        if target in frame.columns:
            raise UsageError(f"the target '{target}' is also a feature column; rename one")
        frame = frame.assign(**{target: labels.to_numpy()})
    return profile_source(
        open_source(frame),
        target=target,
        target_kind=target_kind,
        k_anonymity=k_anonymity,
        quantile_clip=quantile_clip,
    )


def profile_file(
    path: Path,
    *,
    target: str | None = None,
    target_kind: TargetKind = "auto",
    k_anonymity: int = K_ANONYMITY,
    quantile_clip: float = QUANTILE_CLIP,
    dask: Any = None,
) -> DataProfile:
    """The profile of a CSV or Parquet file, read in batches (memory stays bounded).

    ``target`` names the label column. ``dask`` spreads the work over a Dask cluster:
    ``"local"``, a scheduler address (``"tcp://host:8786"``) or a ``distributed.Client``.

    Example:
        >>> profile_file(Path("train.parquet"), target="species", dask="local").rows
        1000000
    """
    source = open_source(Path(path))
    if dask is None:
        return profile_source(
            source,
            target=target,
            target_kind=target_kind,
            k_anonymity=k_anonymity,
            quantile_clip=quantile_clip,
        )
    from modelshare.profile.distributed import build_on_dask

    builder = build_on_dask(source, plan_columns(source, target, target_kind), dask)
    require_rows(builder.rows, source)
    return builder.build(k_anonymity=k_anonymity, quantile_clip=quantile_clip)


def profile_source(
    source: TableSource,
    *,
    target: str | None = None,
    target_kind: TargetKind = "auto",
    k_anonymity: int = K_ANONYMITY,
    quantile_clip: float = QUANTILE_CLIP,
) -> DataProfile:
    """The profile of any :class:`~modelshare.tables.TableSource`, in one pass.

    Example:
        >>> profile_source(open_source(Path("train.csv")), target="species").rows
        344
    """
    plan = plan_columns(source, target, target_kind)
    builder = ProfileBuilder(plan)
    for batch in source.batches(plan.kinds()):
        builder.update(batch)
    require_rows(builder.rows, source)
    return builder.build(k_anonymity=k_anonymity, quantile_clip=quantile_clip)
