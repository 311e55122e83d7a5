"""Profile a dataset in one call: in memory (:func:`build_profile`) or from a file
(:func:`profile_file`, streamed in bounded memory or spread over a Dask cluster).

Example:
    >>> profile = build_profile(X_train, y_train, k_anonymity=10)
    >>> _ = Path("data_profile.json").write_text(profile.to_json())
    >>> profile.rows, [column.name for column in profile.columns]
    (179, ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'island', 'sex'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelshare.data import check_same_length
from modelshare.errors import InvalidInputError
from modelshare.profiling.builder import ProfileBuilder
from modelshare.profiling.columns import TargetKind, plan_columns
from modelshare.profiling.finalise import K_ANONYMITY, QUANTILE_CLIP
from modelshare.profiling.model import DataProfile
from modelshare.tables import TableSource, as_frame, as_target, open_source, require_rows


def profile(
    data: Any,
    y: Any = None,
    *,
    target: str | None = None,
    target_kind: TargetKind = "auto",
    k_anonymity: int = K_ANONYMITY,
    quantile_clip: float = QUANTILE_CLIP,
    dask: Any = None,
) -> DataProfile:
    """The privacy-safe profile of ``data``: a CSV or Parquet file (streamed; ``target`` names
    its label column, ``dask`` may spread the work, see :func:`profile_file`) or an in-memory
    table with its labels ``y`` (see :func:`build_profile`).

    Example:
        >>> from modelshare.profiling import profile
        >>> profile(X_train, y_train).rows == profile(Path("train.csv"), target="species").rows
        True

    Raises:
        InvalidInputError: the data cannot be read or profiled, or the arguments do not fit
            its kind (``y`` with a file; ``target`` or ``dask`` with an in-memory table).
        ModelshareError: ``dask`` without dask and distributed installed.
    """
    if isinstance(data, str | Path):
        if y is not None:
            raise InvalidInputError(
                "y goes with in-memory data: name a file's label column with target="
            )
        return profile_file(
            Path(data),
            target=target,
            target_kind=target_kind,
            k_anonymity=k_anonymity,
            quantile_clip=quantile_clip,
            dask=dask,
        )
    if target is not None or dask is not None:
        raise InvalidInputError(
            "target= and dask= go with a file: give in-memory labels as y, or profile the file"
        )
    return build_profile(
        data, y, k_anonymity=k_anonymity, quantile_clip=quantile_clip, target_kind=target_kind
    )


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
        {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}
    """
    frame = as_frame(X)
    target = None
    if y is not None:
        labels = as_target(y)
        check_same_length(frame, labels, "the profiled data")
        target = str(labels.name)
        if target in frame.columns:
            raise InvalidInputError(f"the target '{target}' is also a feature column; rename one")
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
        >>> path = Path("train.parquet")
        >>> X_train.assign(species=y_train).to_parquet(path)
        >>> profile_file(path, target="species").rows
        179
        >>> profile_file(path, target="species", dask="local").rows  # doctest: +SKIP
        179
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
    from modelshare.profiling.distributed import build_on_dask

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
        179
    """
    plan = plan_columns(source, target, target_kind)
    builder = ProfileBuilder(plan)
    for batch in source.batches(plan.kinds()):
        builder.update(batch)
    require_rows(builder.rows, source)
    return builder.build(k_anonymity=k_anonymity, quantile_clip=quantile_clip)
