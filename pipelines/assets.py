"""The assets outside the daily partitions: the ingestion of the landing folder (observations and
questionnaire responses), and after the daily assets (pipelines/daily_assets.py) the summaries: episodes, the
quality report, the publication of analytics.duckdb and the configured participant reports.

No `from __future__ import annotations` here: Dagster inspects the `context` annotation at runtime."""

import datetime as dt
import html
import time

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from pipelines import checks, progress, settings
from pipelines.daily_assets import POOL, participant_chunks
from pipelines.landing_ingestion import ingest_landing
from pipelines.partitions import RANGE_END_TAG, RANGE_START_TAG
from pipelines.resources import WarehouseResource, WellnessHome
from transforms import vocabulary
from transforms.reports.quality_page import MAX_HEATMAP_PARTICIPANTS, MAX_ROWS, render_quality_page
from transforms.reports.site import site_pages
from transforms.reports.site_files import broken_links, write_site
from transforms.stats.episodes import find_episodes
from warehouse import reads, writes
from warehouse.publish import publish, undocumented_objects
from warehouse.published import open_published, site_frames, site_participants, site_series
from warehouse.quality_report import report_data


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


@asset(deps=["drift", "baselines"], group_name="summaries", pool=POOL, check_specs=checks.check_specs("episodes"))
def episodes(context: AssetExecutionContext, duckdb: WarehouseResource) -> MaterializeResult:
    """Runs of at least min_flag_days alarm days per participant·metric, with the estimated start, peak and
    recovery time (analytics.episodes; chunks of participants bound memory). Only the
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
        min_flag_days = vocabulary.windows().min_flag_days
        parts = []
        for i, chunk in enumerate(chunks, start=1):
            parts.append(find_episodes(*reads.episode_inputs(conn, chunk), min_flag_days))
            if len(chunks) > 1:
                progress.report(
                    f"{'episodes':<20} chunk {i}/{len(chunks)} of participants: {len(parts[-1]):,} episodes"
                )
        found = [p for p in parts if len(p)]
        frame = pd.concat(found, ignore_index=True) if found else parts[0]
        writes.replace_episodes(wh, frame)
        check_results = checks.evaluate_frame(context, wh, "episodes", frame, "recomputed series")
        total, recovered, median_recovery = reads.episode_totals(conn)
    progress.report(
        f"{'episodes':<20} {total} episodes, {recovered} recovered ({len(frame)} in "
        f"{'every series' if scope == 'all' else 'the series the run changed'})"
    )
    return MaterializeResult(
        metadata={
            "dagster/row_count": total,
            "recovered": recovered,
            "recomputed": len(frame),
            "median_recovery_days": median_recovery,
        },
        check_results=check_results,
    )


@asset(
    deps=["drift", "questionnaire_scores", "observations", "episodes"],
    group_name="quality",
    pool=POOL,
    check_specs=checks.summary_check_specs("quality_report"),
)
def quality_report(
    context: AssetExecutionContext, duckdb: WarehouseResource, wellness_home: WellnessHome
) -> MaterializeResult:
    """Static HTML data-quality report in ``$WELLNESS_HOME/reports/quality_report.html`` (and the per-participant
    coverage summary quality.participant_coverage)."""
    path = wellness_home.paths.reports / "quality_report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.open() as wh:
        data = report_data(wh, vocabulary.windows().min_coverage, MAX_HEATMAP_PARTICIPANTS)
        page = render_quality_page(data, dt.datetime.now(dt.UTC))
        tmp = path.with_suffix(".html.tmp")
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
        files, failing_checks = data["files"], data["checks"]
        failing_checks = (
            failing_checks[~failing_checks["passed"].astype(bool)] if len(failing_checks) else failing_checks
        )
        # the page lists at most MAX_ROWS rows per table (and says how many more the warehouse holds)
        failed_paths = list(files.loc[files["status"] == "failed", "path"])[:MAX_ROWS] if len(files) else []
        problems = [f"failed file {p} not on the page" for p in failed_paths if html.escape(p) not in page]
        problems += [f"failing check {c} not on the page" for c in failing_checks["check_name"] if c not in page]
        check_result = checks.summary_result(
            context,
            wh,
            "quality_report",
            "report_names_every_problem",
            problems,
            len(failed_paths) + len(failing_checks),
        )
    progress.report(f"{'quality report':<20} {path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "dagster/row_count": len(data["participants"]),
            "failed_files": len(failed_paths),
            "failing_checks": len(failing_checks),
            "blocked_partitions": len(data["blocked"]),
            "participants": int(data["participants"]["participant_id"].nunique()),
        },
        check_results=[check_result],
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
    check_specs=checks.summary_check_specs("analytics_duckdb"),
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
                vocabulary.windows().drift_history_days - 1,
            )
        differing = [
            f"{name}: {n} published, {wh.conn.execute(f'SELECT count(*) FROM {name}').fetchone()[0]} in the warehouse"
            for name, n in counts.items()
            if n != wh.conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
        ]
        undocumented = undocumented_objects(target)
        check_results = [
            checks.summary_result(
                context, wh, "analytics_duckdb", "published_equals_warehouse", differing, len(counts)
            ),
            checks.summary_result(
                context, wh, "analytics_duckdb", "every_object_documented", undocumented, len(counts)
            ),
        ]
    progress.report(f"{'published':<20} {target} ({len(counts)} tables)")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(target)),
            "dagster/row_count": sum(counts.values()),
            **{name.replace(".", "__"): n for name, n in counts.items()},
        },
        check_results=check_results,
    )


@asset(
    deps=["analytics_duckdb", "quality_report"],
    group_name="publish",
    check_specs=checks.summary_check_specs("report_site"),
)
def report_site(context: AssetExecutionContext, wellness_home: WellnessHome) -> MaterializeResult:
    """The report site in ``$WELLNESS_HOME/reports/``: ``index.html`` (the cohort: who is drifting now, episodes
    this week, participants × proxy domains, data yield) and a page per participant with interactive charts
    (transforms/reports/site.py), read from the published analytics.duckdb; the quality report beside it."""
    reports = wellness_home.paths.reports
    began = time.perf_counter()
    conn = open_published(wellness_home.paths.analytics)
    try:
        frames = site_frames(conn)
        pages_for = site_participants(frames, settings.site_max_pages(), settings.report_participants())
        series = site_series(conn, pages_for)
    finally:
        conn.close()
    written = write_site(reports, site_pages(frames, series, dt.datetime.now(dt.UTC), pages_for), progress.report)
    broken = broken_links(reports / "index.html")
    seconds = time.perf_counter() - began
    progress.report(f"{'report site':<20} {reports / 'index.html'} ({written - 1} participant pages, {seconds:.1f} s)")
    return MaterializeResult(
        metadata={
            "index": MetadataValue.path(str(reports / "index.html")),
            "participant_pages": written - 1,
            "participants": len(frames["summary"]),
            "seconds": round(seconds, 2),
        },
        check_results=[checks.summary_result(context, None, "report_site", "every_link_resolves", broken, written)],
    )


INGESTION_ASSETS = [landing_files]
SUMMARY_ASSETS = [episodes, quality_report, analytics_duckdb, report_site]
