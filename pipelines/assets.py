"""The asset graph: landing → observations → daily metrics → baselines → drift, and questionnaire
responses → scores. Daily assets are partitioned by day and run a whole partition range in one run
(single-run backfill policy); each replaces exactly its days, in one transaction.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation at runtime."""

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd
from dagster import (
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    BetaWarning,
    Config,
    MaterializeResult,
    MetadataValue,
    TimeWindowPartitionMapping,
    asset,
    multi_asset,
)

from pipelines import checks, progress, settings
from pipelines.ingestion import ingest_landing
from pipelines.partitions import RANGE_END_TAG, RANGE_START_TAG, daily_partitions, partition_days
from pipelines.resources import WarehouseResource, WellnessHome
from pipelines.settings import Profile
from quality.report import MAX_HEATMAP_PARTICIPANTS, render_html
from transforms import vocabulary
from transforms.baselines import compute_baselines
from transforms.daily_metrics import aggregate_daily
from transforms.drift import compute_drift
from transforms.episodes import find_episodes
from transforms.participant_report import render_html as render_participant_html
from transforms.proxies import compute_proxies, sleep_regularity
from transforms.questionnaire_change import questionnaire_change as transforms_questionnaire_change
from transforms.scoring import score_administrations
from warehouse import reads, tables, writes
from warehouse.publish import publish
from warehouse.published import NoSuchParticipant, open_published, participant_report_data
from warehouse.quality_report import report_data

warnings.filterwarnings("ignore", category=BetaWarning)  # backfill_policy is beta in Dagster 1.13

WINDOWS = vocabulary.windows()
REGULARITY_WINDOW_DAYS = 14
REGULARITY_MIN_NIGHTS = 10
LOOKBACK = TimeWindowPartitionMapping(
    start_offset=-(WINDOWS.drift_history_days - 1), allow_nonexistent_upstream_partitions=True
)
# Every asset that writes the one DuckDB file is in this pool (visible in the UI; a limit can be set there).
# The guarantee of one writer at a time is warehouse.lock, which the kernel releases if a run is killed.
POOL = "warehouse"


def backfill_policy(profile: Profile) -> BackfillPolicy:
    """Embedded: a backfill of any length is one run (one DuckDB writer, one pass over the windows).
    Distributed: runs of ``run_partitions`` days, which the backfill daemon starts side by side as their
    upstream days complete, their steps on different workers."""
    if profile.distributed:
        return BackfillPolicy.multi_run(max_partitions_per_run=profile.run_partitions)
    return BackfillPolicy.single_run()


DAILY = dict(
    partitions_def=daily_partitions,
    backfill_policy=backfill_policy(Profile.from_env()),
    group_name="analytics",
    pool=POOL,
)


class IngestConfig(Config):
    reingest: bool = False  # parse every file again, even unchanged ones (after a parser change)


@multi_asset(
    specs=[
        AssetSpec(
            "observations",
            group_name="ingestion",
            description="Canonical observations parsed from every landing file (staging.observations).",
        ),
        AssetSpec(
            "questionnaire_responses",
            group_name="ingestion",
            description="Answered questionnaire items (staging.questionnaire_responses).",
        ),
    ],
    check_specs=checks.check_specs("observations") + checks.check_specs("ingested_files", asset="observations"),
    can_subset=False,
    pool=POOL,
)
def landing_files(
    context: AssetExecutionContext, config: IngestConfig, duckdb: WarehouseResource, wellness_home: WellnessHome
):
    """Parse new or changed files in ``$WELLNESS_HOME/landing``; quarantine what cannot be accepted; check
    the observations of the days that changed."""
    paths = wellness_home.paths
    with duckdb.open() as wh:
        conn = wh.conn
        report = ingest_landing(wh, paths.landing, paths.pseudonym_key(), log=context.log, force=config.reingest)
        writes.record_data_span(conn, paths.data_span)
        first, last = report.first_changed_day, report.last_changed_day
        if first is None:
            first = last = dt.date.today()
        check_results = checks.evaluate(context, wh, "observations", first, last)
        check_results += checks.evaluate_landing_files(context, wh)
    if report.failed_files:
        context.log.warning(
            "%d landing file(s) failed and will be retried on the next run: %s",
            len(report.failed_files),
            ", ".join(report.failed_files[:20]),
        )
    meta = report.as_metadata()
    yield MaterializeResult(asset_key="observations", metadata=meta, check_results=check_results)
    yield MaterializeResult(asset_key="questionnaire_responses", metadata=meta)


UPSTREAM = {  # asset → (assets whose blocked days it skips, assets whose blocked values it treats as missing)
    "daily_metrics": (["observations"], []),
    "questionnaire_scores": (["questionnaire_responses"], []),
    "questionnaire_change": (["questionnaire_scores"], []),
    "baselines": (["daily_metrics"], ["daily_metrics"]),
    "drift": (["daily_metrics", "baselines"], ["daily_metrics"]),
    "proxies": (["drift"], []),
}


def _rebuild(context: AssetExecutionContext, duckdb: WarehouseResource, table: str, build) -> MaterializeResult:
    """Recipe shared by the daily assets: skip days whose upstream partition is blocked, compute the rest
    with ``build(conn, start, end, missing_days)``, replace those days of ``table`` in one transaction
    (blocked days keep their earlier rows), then run the table's checks on what was written."""
    start, end = partition_days(context)
    skip_from, missing_from = UPSTREAM[table]
    with duckdb.open() as wh:
        conn = wh.conn
        skipped = {
            d: f"upstream {', '.join(skip_from)} blocked" for d in reads.blocked_days(conn, skip_from, start, end)
        }
        first = start - dt.timedelta(days=WINDOWS.drift_history_days - 1)
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
    metadata = {
        "rows": n,
        "first_day": str(start),
        "last_day": str(end),
        "blocked_partitions": len(blocked),
        "blocked_days": ", ".join(str(d) for d in sorted(blocked)[:50]),
    }
    if table == "drift":
        metadata["flagged_rows"] = flagged[0]
    return MaterializeResult(metadata=metadata, check_results=check_results)


def participant_chunks(
    conn, start: dt.date, end: dt.date, scale: int = 1, among_episode_candidates: bool = False
) -> list[tuple[str, str]]:
    """Participant id ranges to compute a windowed asset in, so memory stays bounded however many
    participants and days a run covers: about ``$WELLNESS_CHUNK_PARTICIPANT_DAYS`` (default 400,000)
    participant·days of window per chunk (a nightly run of 10,000 people: 2 chunks; a 2-year backfill: ~500
    people a chunk)."""
    first = start - dt.timedelta(days=WINDOWS.drift_history_days - 1)
    n_days = (end - first).days + 1
    budget = settings.chunk_participant_days() * scale
    return reads.participant_chunks(conn, first, end, max(1, budget // n_days), among_episode_candidates)


def _by_participant_chunk(compute):
    """A build function computing ``compute(values, start, end, windows, spans)`` one participant chunk at a
    time (``spans``: each participant·metric's data span, METHODS.md "Which rows exist")."""

    def build(conn, start, end, missing):
        for chunk in participant_chunks(conn, start, end):
            values = _window_values(conn, start, end, missing, chunk)
            yield compute(values, start, end, WINDOWS, reads.series_spans(conn, chunk))

    return build


def _window_values(conn, start: dt.date, end: dt.date, missing_days=(), participants=reads.ALL_PARTICIPANTS):
    """Daily values (coverage permitting) over the history that days start … end need; values on
    ``missing_days`` (blocked partitions) are left out, as if not measured."""
    first = start - dt.timedelta(days=WINDOWS.drift_history_days - 1)
    values = reads.daily_values_for_days(conn, first, end, WINDOWS.min_coverage, participants)
    if missing_days:
        values = values[~pd.to_datetime(values["day"]).dt.date.isin(set(missing_days))]
    return values


def _daily_values(conn, start: dt.date, end: dt.date, _missing) -> pd.DataFrame:
    """Vendor daily values aggregated from observations, plus the derived sleep regularity (midpoint SD over
    the 14 days ending on each day, at least 10 nights). The midpoints of the 13 days before ``start`` are
    aggregated from their observations too, never read back from this table: runs of different day ranges
    may run at once (distributed backfills), and the result must not depend on their order."""
    daily = aggregate_daily(reads.observations_for_days(conn, start, end))
    window = REGULARITY_WINDOW_DAYS
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
        REGULARITY_MIN_NIGHTS,
        reads.series_spans(conn),
    )
    if regularity.empty:
        return daily
    derived = regularity.assign(
        metric="sleep_regularity_sd_min", unit="min", source="derived", n_obs=1, coverage=np.nan
    )
    derived["day"] = pd.to_datetime(derived["day"]).astype("datetime64[s]")
    return pd.concat([daily, derived[daily.columns]], ignore_index=True)


@asset(deps=["observations"], check_specs=checks.check_specs("daily_metrics"), **DAILY)
def daily_metrics(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """One value per participant·day·metric (analytics.daily_metrics)."""
    return _rebuild(context, duckdb, "daily_metrics", _daily_values)


@asset(deps=["questionnaire_responses"], check_specs=checks.check_specs("questionnaire_scores"), **DAILY)
def questionnaire_scores(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """PHQ-9, GAD-7, PSS-10, WHO-5, PSQI scores per administration (analytics.questionnaire_scores)."""
    return _rebuild(
        context,
        duckdb,
        "questionnaire_scores",
        lambda conn, start, end, _: score_administrations(reads.responses_for_days(conn, start, end)),
    )


@asset(deps=["questionnaire_scores"], check_specs=checks.check_specs("questionnaire_change"), **DAILY)
def questionnaire_change(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Change against the participant's own earlier scores: reliable change, band crossings
    (analytics.questionnaire_change). The earlier scores are scored again from the answers (cheap), so the
    result never depends on whether another day range's run has finished."""

    def build(conn, start, end, _):
        scores = score_administrations(reads.responses_until(conn, start, end))  # all their earlier ones too
        change = transforms_questionnaire_change(scores)
        return change[pd.to_datetime(change["day"]).dt.date.between(start, end)]

    return _rebuild(context, duckdb, "questionnaire_change", build)


@asset(
    deps=[AssetDep("daily_metrics", partition_mapping=LOOKBACK)], check_specs=checks.check_specs("baselines"), **DAILY
)
def baselines(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Trailing personal baselines per participant·metric·day (analytics.baselines)."""
    return _rebuild(context, duckdb, "baselines", _by_participant_chunk(compute_baselines))


@asset(
    deps=[AssetDep("daily_metrics", partition_mapping=LOOKBACK), AssetDep("baselines")],
    check_specs=checks.check_specs("drift"),
    **DAILY,
)
def drift(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Recent-window drift against the personal baseline (analytics.drift). Baseline statistics come from the
    same kernel as analytics.baselines (recomputed, identical); the dependency gates blocked days."""
    return _rebuild(context, duckdb, "drift", _by_participant_chunk(compute_drift))


@asset(deps=["drift"], check_specs=checks.check_specs("proxies"), **DAILY)
def proxies(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Domain proxy scores per participant·day (analytics.proxies): weighted signed robust z of the domain's
    metrics (proxy_domains.csv). Behavioural and physiological proxies, not neurochemical measurements."""

    def build(conn, start, end, _):
        for chunk in participant_chunks(conn, start, end):
            yield compute_proxies(reads.drift_for_proxies(conn, start, end, chunk), WINDOWS.min_proxy_components)

    return _rebuild(context, duckdb, "proxies", build)


@asset(deps=["drift", "baselines"], group_name="summaries", pool=POOL)
def episodes(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Runs of flagged days per participant·metric with peak and recovery time (analytics.episodes). Only the
    series whose inputs runs rewrote since the last update are recomputed (every series on a lake)."""
    with duckdb.open() as wh:
        conn = wh.conn
        scope = reads.select_episode_candidates(wh)
        first, last = reads.data_day_range(conn)
        # episodes read only flagged series from their first flag: 4× the people per chunk of a windowed asset
        chunks = (
            participant_chunks(conn, first, last, scale=4, among_episode_candidates=True)
            if first
            else [reads.ALL_PARTICIPANTS]
        )
        parts = [find_episodes(*reads.episode_inputs(conn, chunk)) for chunk in chunks]  # chunks bound memory
        found = [p for p in parts if len(p)]
        frame = pd.concat(found, ignore_index=True) if found else parts[0]
        writes.replace_episodes(wh, frame)
        total, recovered, median_recovery = reads.episode_totals(conn)
    progress.report(
        f"{'episodes':<20} {total} episodes, {recovered} recovered ({len(frame)} in "
        f"{'every series' if scope == 'all' else 'the series the run changed'})"
    )
    return MaterializeResult(
        metadata={
            "episodes": total,
            "recovered": recovered,
            "recomputed": len(frame),
            "median_recovery_days": median_recovery,
        }
    )


@asset(deps=["drift", "questionnaire_scores", "observations", "episodes"], group_name="quality", pool=POOL)
def quality_report(
    context: AssetExecutionContext, duckdb: WarehouseResource, wellness_home: WellnessHome
) -> MaterializeResult:
    """Static HTML data-quality report in ``$WELLNESS_HOME/reports/quality_report.html`` (and the per-participant
    coverage summary quality.participant_coverage)."""
    with duckdb.open() as wh:
        data = report_data(wh, WINDOWS.min_coverage, MAX_HEATMAP_PARTICIPANTS)
    path = wellness_home.paths.reports / "quality_report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_html(data, dt.datetime.now(dt.UTC)), encoding="utf-8")
    tmp.replace(path)
    progress.report(f"{'quality report':<20} {path}")
    failing = int((~data["checks"]["passed"].astype(bool)).sum()) if len(data["checks"]) else 0
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "failing_checks": failing,
            "blocked_partitions": len(data["blocked"]),
            "participants": int(data["participants"]["participant_id"].nunique()),
        }
    )


@asset(
    deps=[
        "daily_metrics",
        "questionnaire_scores",
        "questionnaire_change",
        "baselines",
        "drift",
        "proxies",
        "episodes",
        "quality_report",
    ],
    group_name="publish",
    pool=POOL,
)
def analytics_duckdb(
    context: AssetExecutionContext, duckdb: WarehouseResource, wellness_home: WellnessHome
) -> MaterializeResult:
    """``$WELLNESS_HOME/analytics.duckdb``, the analysts' read-only copy: the analytics and quality tables and
    the views latest_drift and participant_summary: a spare generation patched aside, then linked to
    atomically (warehouse/publish.py)."""
    target = wellness_home.paths.analytics
    with duckdb.open() as wh:
        counts = publish(wh, target)
        tags = context.run.tags
        if RANGE_START_TAG in tags and RANGE_END_TAG in tags:  # every daily asset of the run's range is done
            writes.forget_recomputed_days(
                wh,
                dt.date.fromisoformat(tags[RANGE_START_TAG]),
                dt.date.fromisoformat(tags[RANGE_END_TAG]),
                WINDOWS.drift_history_days - 1,
            )
    progress.report(f"{'published':<20} {target} ({len(counts)} tables)")
    return MaterializeResult(
        metadata={"path": MetadataValue.path(str(target)), **{name.replace(".", "__"): n for name, n in counts.items()}}
    )


class ParticipantReportsConfig(Config):
    # participant ids to chart after each run; default: $WELLNESS_REPORT_PARTICIPANTS (comma-separated)
    participants: list[str] = settings.report_participants()


@asset(deps=["analytics_duckdb"], group_name="publish")
def participant_reports(
    context: AssetExecutionContext, config: ParticipantReportsConfig, wellness_home: WellnessHome
) -> MaterializeResult:
    """One HTML trajectory report per configured participant in ``$WELLNESS_HOME/reports/participants/``
    (the chart of ``wellness report``), read from the published analytics.duckdb."""
    out_dir = wellness_home.paths.reports / "participants"
    written, missing = [], []
    if config.participants:
        out_dir.mkdir(parents=True, exist_ok=True)
        conn = open_published(wellness_home.paths.analytics)
        try:
            for pid in config.participants:  # a handful of configured reports, not a per-participant data loop
                try:
                    page = render_participant_html(pid, participant_report_data(conn, pid))
                except NoSuchParticipant:
                    missing.append(pid)
                    continue
                path = out_dir / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', pid)}.html"
                path.write_text(page, encoding="utf-8")
                written.append(path)
        finally:
            conn.close()
    if missing:
        context.log.warning(f"{len(missing)} configured participant(s) have no data in analytics.duckdb")
    return MaterializeResult(
        metadata={"reports": len(written), "missing": len(missing), "folder": MetadataValue.path(str(out_dir))}
    )


INGESTION_ASSETS = [landing_files]
REPORT_ASSETS = [episodes, quality_report, analytics_duckdb, participant_reports]
DAILY_ASSETS = [daily_metrics, questionnaire_scores, questionnaire_change, baselines, drift, proxies]
DAILY_ASSET_KEYS = [AssetKey(a.key.path) for a in DAILY_ASSETS]
