"""Lag-1 autocorrelation of real daily series: why drift p-values must allow for dependent days.

    .venv/bin/python bench/realdata_autocorr.py [REALDATA_DIR]

Runs the pipeline on every real sample in ../shared/realdata (a temporary WELLNESS_HOME), then, for each
participant·metric series in analytics.daily_metrics with at least 30 days, computes
r₁ = [Σ_pairs (x_t − x̄)(x_{t+1} − x̄) / n_pairs] / [Σ (x_t − x̄)² / n] over consecutive days, and prints
its median and range per source·metric.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.realdata stages the samples

from dagster import DagsterInstance

from pipelines.runner import run_pipeline
from pipelines.settings import Paths
from tests.realdata import stage_realdata
from warehouse.connection import connect

SQL = """
WITH s AS (
    SELECT participant_id, metric, source, day, value,
           avg(value) OVER (PARTITION BY participant_id, metric) AS mean,
           count(*) OVER (PARTITION BY participant_id, metric) AS n
    FROM analytics.daily_metrics WHERE value IS NOT NULL AND source <> 'derived'
), series AS (
    SELECT a.participant_id, a.metric, any_value(a.source) AS source, any_value(a.n) AS n,
           sum((a.value - a.mean) * (b.value - b.mean)) / count(b.value) AS cov1
    FROM s a JOIN s b ON a.participant_id = b.participant_id AND a.metric = b.metric AND b.day = a.day + 1
    WHERE a.n >= 30 GROUP BY ALL
), var AS (
    SELECT participant_id, metric, avg((value - mean) ^ 2) AS var0 FROM s WHERE n >= 30 GROUP BY ALL
)
SELECT source, metric, count(*) AS series, median(n)::INT AS median_days,
       round(median(cov1 / var0), 2) AS median_r1, round(min(cov1 / var0), 2) AS min_r1,
       round(max(cov1 / var0), 2) AS max_r1
FROM series JOIN var USING (participant_id, metric) WHERE var0 > 0
GROUP BY ALL ORDER BY source, metric
"""


def main() -> None:
    realdata = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "realdata"
    with tempfile.TemporaryDirectory() as tmp:
        paths = Paths(Path(tmp))
        stage_realdata(realdata, paths.landing)
        with DagsterInstance.ephemeral() as instance:
            assert run_pipeline(paths, instance=instance, echo=lambda *_: None).ok
        conn = connect(paths.warehouse, read_only=True)
        table = conn.execute(SQL).df()
        conn.close()
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
