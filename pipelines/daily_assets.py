"""The daily assets: one partition per day, a whole range of days in one run (single-run backfill policy in
the embedded profile); each replaces exactly its days of its table, in one transaction, after skipping the
days whose upstream partition is blocked (the gates come from the table catalogue, transforms/config/tables.toml).

``build_daily_assets(partitions, policy)`` decorates the asset functions below with the partitions and backfill
policy of the profile the definitions are built for (pipelines/definitions.py): nothing here is fixed at import.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation at runtime."""

import datetime as dt
import time
import warnings

import numpy as np
import pandas as pd
from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetsDefinition,
    BackfillPolicy,
    BetaWarning,
    DailyPartitionsDefinition,
    MaterializeResult,
    TimeWindowPartitionMapping,
    asset,
)

from pipelines import checks, progress, settings
from pipelines.metadata import range_metadata
from pipelines.partitions import partition_days
from pipelines.resources import WarehouseResource
from pipelines.settings import Profile
from transforms import catalogue, vocabulary
from transforms.daily_metrics import aggregate_daily
from transforms.questionnaires.change import questionnaire_change as transforms_questionnaire_change
from transforms.questionnaires.scoring import score_administrations
from transforms.stats.baselines import compute_baselines
from transforms.stats.drift import compute_drift
from transforms.stats.proxies import compute_proxies
from transforms.stats.regularity import MIN_NIGHTS, WINDOW_DAYS, sleep_regularity
from warehouse import reads, tables, writes

# Every asset that writes the one DuckDB file is in this pool (visible in the UI; a limit can be set there).
# The guarantee of one writer at a time is warehouse.lock, which the kernel releases if a run is killed.
POOL = "warehouse"
DAILY_ASSET_NAMES = tuple(catalogue.partitioned())  # each daily asset writes the table of its name


def backfill_policy(profile: Profile) -> BackfillPolicy:
    """Embedded: a backfill of any length is one run (one DuckDB writer, one pass over the windows).
    Distributed: runs of ``run_partitions`` days, which the backfill daemon starts side by side as their
    upstream days complete, their steps on different workers."""
    if profile.distributed:
        return BackfillPolicy.multi_run(max_partitions_per_run=profile.run_partitions)
    return BackfillPolicy.single_run()


def lookback() -> TimeWindowPartitionMapping:
    """The days of daily metrics a baseline or drift partition reads: its own and the ``drift_history_days − 1``
    before it."""
    return TimeWindowPartitionMapping(
        start_offset=-(vocabulary.windows().drift_history_days - 1), allow_nonexistent_upstream_partitions=True
    )


def build_daily_assets(partitions: DailyPartitionsDefinition, policy: BackfillPolicy) -> list[AssetsDefinition]:
    """The six daily assets on ``partitions`` with ``policy``, each with its table's asset checks."""
    daily = dict(partitions_def=partitions, backfill_policy=policy, group_name="analytics", pool=POOL)

    def decorate(function, deps):
        name = function.__name__
        return asset(deps=deps, check_specs=checks.check_specs(name), **daily)(function)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)  # backfill policies and this partition mapping are beta
        reads_history = AssetDep("daily_metrics", partition_mapping=lookback())
        return [
            decorate(daily_metrics, ["observations"]),
            decorate(questionnaire_scores, ["questionnaire_responses"]),
            decorate(questionnaire_change, ["questionnaire_scores"]),
            decorate(baselines, [reads_history]),
            decorate(drift, [reads_history, AssetDep("baselines")]),
            decorate(proxies, ["drift"]),
        ]


def upstream_gates(table: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(assets whose blocked days ``table``'s asset skips, assets whose blocked values it treats as missing)."""
    spec = catalogue.table(table)
    return spec.skips_blocked, spec.missing_blocked


def _rebuild(context: AssetExecutionContext, duckdb: WarehouseResource, table: str, build) -> MaterializeResult:
    """Recipe shared by the daily assets: skip days whose upstream partition is blocked, compute the rest
    with ``build(conn, start, end, missing_days)``, replace those days of ``table`` in one transaction
    (blocked days keep their earlier rows), then run the table's checks on what was written."""
    start, end = partition_days(context)
    skip_from, missing_from = upstream_gates(table)
    with duckdb.open() as wh:
        conn = wh.conn
        skipped = {
            d: f"upstream {', '.join(skip_from)} blocked" for d in reads.blocked_days(conn, skip_from, start, end)
        }
        first = start - dt.timedelta(days=vocabulary.windows().drift_history_days - 1)
        missing = reads.blocked_days(conn, missing_from, first, end)
        built = build(conn, start, end, missing)
        flagged = [0]

        def frames():
            for frame in [built] if isinstance(built, pd.DataFrame) else built:
                if skipped and len(frame):
                    frame = frame[~pd.to_datetime(frame["day"]).dt.date.isin(skipped)]
                if "flagged" in frame.columns:
                    flagged[0] += int(frame["flagged"].sum())
                yield frame

        n = writes.replace_days_from_chunks(wh, tables.PARTITIONED[table], frames(), start, end, keep_days=skipped)
        written = reads.days(conn, tables.PARTITIONED[table], start, end)
        written = written[~pd.to_datetime(written["day"]).dt.date.isin(skipped)]
        check_results = checks.evaluate(context, wh, table, start, end, skipped=skipped, frame=written)
        blocked = reads.blocked_days(conn, [table], start, end)
    progress.report(f"{table:<20} {start} … {end}: {n:,} rows, {len(blocked)} blocked days")
    metadata = range_metadata(start, end, n, blocked)
    if table == "drift":
        metadata["flagged_rows" if start == end else "run_range_flagged_rows"] = flagged[0]
    return MaterializeResult(metadata=metadata, check_results=check_results)


def participant_chunks(
    conn, start: dt.date, end: dt.date, scale: int = 1, among_episode_candidates: bool = False
) -> list[tuple[str, str]]:
    """Participant id ranges to compute a windowed asset in, so memory stays bounded however many
    participants and days a run covers: about ``$WELLNESS_CHUNK_PARTICIPANT_DAYS`` (default 400,000)
    participant·days of window per chunk (a nightly run of 10,000 people: 2 chunks; a 2-year backfill: ~500
    people a chunk)."""
    first = start - dt.timedelta(days=vocabulary.windows().drift_history_days - 1)
    n_days = (end - first).days + 1
    budget = settings.chunk_participant_days() * scale
    return reads.participant_chunks(conn, first, end, max(1, budget // n_days), among_episode_candidates)


def _by_participant_chunk(compute):
    """A build function computing ``compute(values, start, end, windows, spans)`` one participant chunk at a
    time (``spans``: each participant·metric's data span, METHODS.md "Which rows exist")."""

    def build(conn, start, end, missing):
        chunks = participant_chunks(conn, start, end)
        began = time.perf_counter()
        for i, chunk in enumerate(chunks, start=1):
            values = _window_values(conn, start, end, missing, chunk)
            frame = compute(values, start, end, vocabulary.windows(), reads.series_spans(conn, chunk))
            if len(chunks) > 1:
                progress.report(
                    f"{compute.__name__.removeprefix('compute_'):<20} chunk {i}/{len(chunks)} of participants: "
                    f"{len(frame):,} rows, {time.perf_counter() - began:.1f} s"
                )
            yield frame

    return build


def _window_values(conn, start: dt.date, end: dt.date, missing_days=(), participants=reads.ALL_PARTICIPANTS):
    """Daily values (coverage permitting) over the history that days start … end need; values on
    ``missing_days`` (blocked partitions) are left out, as if not measured."""
    first = start - dt.timedelta(days=vocabulary.windows().drift_history_days - 1)
    values = reads.daily_values_for_days(conn, first, end, vocabulary.windows().min_coverage, participants)
    if missing_days:
        values = values[~pd.to_datetime(values["day"]).dt.date.isin(set(missing_days))]
    return values


def _daily_values(conn, start: dt.date, end: dt.date, _missing) -> pd.DataFrame:
    """Vendor daily values aggregated from observations, plus the derived sleep regularity (midpoint SD over
    the 14 days ending on each day, at least 10 nights). The midpoints of the 13 days before ``start`` are
    aggregated from their observations too, never read back from this table: runs of different day ranges
    may run at once (distributed backfills), and the result must not depend on their order."""
    daily = aggregate_daily(reads.observations_for_days(conn, start, end))
    window = WINDOW_DAYS
    earlier = aggregate_daily(
        reads.observations_of_metric(
            conn, "sleep_midpoint_min", start - dt.timedelta(days=window - 1), start - dt.timedelta(days=1)
        )
    )
    earlier = earlier[["participant_id", "day", "value"]]
    current = daily.loc[daily["metric"] == "sleep_midpoint_min", ["participant_id", "day", "value"]]
    regularity = sleep_regularity(
        pd.concat([earlier, current], ignore_index=True),
        start,
        end,
        window,
        MIN_NIGHTS,
        reads.series_spans(conn),
    )
    if regularity.empty:
        return daily
    derived = regularity.assign(
        metric="sleep_regularity_sd_min", unit="min", source="derived", n_obs=1, coverage=np.nan
    )
    derived["day"] = pd.to_datetime(derived["day"]).astype("datetime64[s]")
    return pd.concat([daily, derived[daily.columns]], ignore_index=True)


def daily_metrics(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """One value per participant·day·metric (analytics.daily_metrics)."""
    return _rebuild(context, duckdb, "daily_metrics", _daily_values)


def questionnaire_scores(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """PHQ-9, GAD-7, PSS-10, WHO-5, PSQI scores per administration (analytics.questionnaire_scores)."""
    return _rebuild(
        context,
        duckdb,
        "questionnaire_scores",
        lambda conn, start, end, _: score_administrations(reads.responses_for_days(conn, start, end)),
    )


def questionnaire_change(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Change against the participant's own earlier scores: reliable change, band crossings
    (analytics.questionnaire_change). The earlier scores are scored again from the answers (cheap), so the
    result never depends on whether another day range's run has finished."""

    def build(conn, start, end, _):
        scores = score_administrations(reads.responses_until(conn, start, end))  # all their earlier ones too
        change = transforms_questionnaire_change(scores)
        return change[pd.to_datetime(change["day"]).dt.date.between(start, end)]

    return _rebuild(context, duckdb, "questionnaire_change", build)


def baselines(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Trailing personal baselines per participant·metric·day (analytics.baselines)."""
    return _rebuild(context, duckdb, "baselines", _by_participant_chunk(compute_baselines))


def drift(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Recent-window drift against the personal baseline (analytics.drift). Baseline statistics come from the
    same kernel as analytics.baselines (recomputed, identical); the dependency gates blocked days."""
    return _rebuild(context, duckdb, "drift", _by_participant_chunk(compute_drift))


def proxies(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Domain proxy scores per participant·day (analytics.proxies): weighted signed robust z of the domain's
    metrics (proxy_domains.csv). Behavioural and physiological proxies, not neurochemical measurements."""

    def build(conn, start, end, _):
        chunks = participant_chunks(conn, start, end)
        for i, chunk in enumerate(chunks, start=1):
            frame = compute_proxies(
                reads.drift_for_proxies(conn, start, end, chunk), vocabulary.windows().min_proxy_components
            )
            if len(chunks) > 1:
                progress.report(f"{'proxies':<20} chunk {i}/{len(chunks)} of participants: {len(frame):,} rows")
            yield frame

    return _rebuild(context, duckdb, "proxies", build)
