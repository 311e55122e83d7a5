"""A data owner profiles a file on a Dask cluster: partitions profiled apart, then merged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelshare.profiling import profile_file

distributed = pytest.importorskip("distributed")


def test_a_dask_cluster_gives_the_profile_of_a_single_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelshare.profiling import distributed as profiling

    monkeypatch.setattr(profiling, "PARTITION_BYTES", 200_000)  # 5 partitions of a 1 MB file
    rng = np.random.default_rng(5)
    rows = 40_000
    data = pd.DataFrame(
        {
            "size": rng.gamma(2.0, 3.0, rows),
            "colour": rng.choice(["red", "green", "blue"], rows),
            "label": rng.choice(["yes", "no"], rows, p=[0.3, 0.7]),
        }
    )
    data.to_csv(tmp_path / "data.csv", index=False)
    single = profile_file(tmp_path / "data.csv", target="label")

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = profile_file(tmp_path / "data.csv", target="label", dask=client)

    assert on_dask.rows == single.rows == rows
    assert on_dask.target == single.target
    assert on_dask.column("colour") == single.column("colour")
    size, reference = on_dask.column("size"), single.column("size")
    assert size.mean == pytest.approx(reference.mean, rel=1e-9)
    exact = np.sort(data["size"].to_numpy())
    ranks = np.searchsorted(exact, size.quantiles.values) / rows
    assert np.abs(ranks - size.quantiles.ranks()).max() <= size.quantiles.rank_error
