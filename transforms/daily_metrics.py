"""Canonical observations → one value per participant·day·metric.

1. Within one source (export format), a day's observations of a metric are combined by the metric's
   ``aggregation`` in metrics.toml: ``sum`` for amounts (steps, nap minutes), ``mean`` for levels (resting
   HR, HRV, efficiency), ``last`` for check-ins where a later entry corrects an earlier one (EMA: the
   latest ``observed_at``, ties broken by file order). ``n_obs`` counts the observations combined;
   ``coverage`` is their mean coverage (NULL when the format does not report it).
2. When several sources give the same metric on the same day, the first in sources.toml's ``priority``
   wins (formats not listed rank after the listed ones, then alphabetically). Values are never mixed
   across sources, so a day is not double-counted when a person wore two devices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from transforms import catalogue, vocabulary
from transforms.ingest.records import empty_frame

DAILY_SCHEMA = catalogue.table("daily_metrics").frame_schema()
DAILY_COLUMNS = list(DAILY_SCHEMA)


def aggregate_daily(observations: pd.DataFrame) -> pd.DataFrame:
    if observations.empty:
        return empty_frame(DAILY_SCHEMA)
    specs = vocabulary.metrics()
    keys = ["participant_id", "day", "metric", "source"]
    ordered = observations.assign(_order=np.arange(len(observations))).sort_values(
        keys + ["observed_at", "_order"], na_position="first", kind="stable"
    )
    grouped = ordered.groupby(keys, sort=False, observed=True)
    per_source = grouped.agg(
        value_sum=("value", "sum"),
        value_mean=("value", "mean"),
        value_last=("value", "last"),
        n_obs=("value", "size"),
        coverage=("coverage", "mean"),
    ).reset_index()
    how = per_source["metric"].map({m: s.aggregation for m, s in specs.items()}).fillna("mean")
    per_source["value"] = np.select(
        [how == "sum", how == "last"], [per_source["value_sum"], per_source["value_last"]], per_source["value_mean"]
    )

    priority = {name: rank for rank, name in enumerate(vocabulary.source_priority())}
    per_source["_rank"] = per_source["source"].map(priority).fillna(len(priority)).astype("int64")
    chosen = per_source.sort_values(["participant_id", "day", "metric", "_rank", "source"]).drop_duplicates(
        ["participant_id", "day", "metric"], keep="first"
    )
    chosen["unit"] = chosen["metric"].map({m: s.unit for m, s in specs.items()}).astype("string")
    chosen["n_obs"] = chosen["n_obs"].astype("int64")
    return chosen[DAILY_COLUMNS].sort_values(["day", "participant_id", "metric"]).reset_index(drop=True)
