-- Warehouse schema. Every statement is idempotent; run on each connection before use.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS analytics;
CREATE SCHEMA IF NOT EXISTS quality;
CREATE SCHEMA IF NOT EXISTS ops;

-- Canonical observations parsed from landing files (replaced per source_file on re-ingestion).
CREATE TABLE IF NOT EXISTS staging.observations (
    participant_id VARCHAR NOT NULL,
    day            DATE    NOT NULL,
    metric         VARCHAR NOT NULL,
    value          DOUBLE  NOT NULL,
    unit           VARCHAR,
    observed_at    TIMESTAMP,
    coverage       DOUBLE,
    source         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    locator        VARCHAR NOT NULL
);

-- Answered questionnaire items (replaced per source_file on re-ingestion).
CREATE TABLE IF NOT EXISTS staging.questionnaire_responses (
    participant_id  VARCHAR   NOT NULL,
    instrument      VARCHAR   NOT NULL,
    administered_at TIMESTAMP NOT NULL,
    day             DATE      NOT NULL,
    item            INTEGER   NOT NULL,
    value           DOUBLE    NOT NULL,
    source          VARCHAR   NOT NULL,
    source_file     VARCHAR   NOT NULL,
    locator         VARCHAR   NOT NULL
);

CREATE TABLE IF NOT EXISTS analytics.daily_metrics (
    participant_id VARCHAR NOT NULL,
    day            DATE    NOT NULL,
    metric         VARCHAR NOT NULL,
    value          DOUBLE  NOT NULL,
    unit           VARCHAR,
    source         VARCHAR NOT NULL,
    n_obs          INTEGER NOT NULL,
    coverage       DOUBLE
);

CREATE TABLE IF NOT EXISTS analytics.questionnaire_scores (
    participant_id  VARCHAR   NOT NULL,
    instrument      VARCHAR   NOT NULL,
    administered_at TIMESTAMP NOT NULL,
    day             DATE      NOT NULL,
    score           DOUBLE,
    severity        VARCHAR,
    items_answered  INTEGER   NOT NULL,
    items_expected  INTEGER   NOT NULL,
    prorated        BOOLEAN   NOT NULL,
    source_file     VARCHAR
);

CREATE TABLE IF NOT EXISTS analytics.baselines (
    participant_id VARCHAR NOT NULL,
    day            DATE    NOT NULL,
    metric         VARCHAR NOT NULL,
    window_days    INTEGER NOT NULL,
    n_days         INTEGER NOT NULL,
    median         DOUBLE,
    mad            DOUBLE,
    p10            DOUBLE,
    p90            DOUBLE,
    sufficient     BOOLEAN NOT NULL,
    mean           DOUBLE,
    sd             DOUBLE,
    cv             DOUBLE,
    mad_ratio      DOUBLE,
    lag1_autocorr  DOUBLE,
    short_window_days INTEGER,
    short_n_days   INTEGER,
    short_median   DOUBLE
);

CREATE TABLE IF NOT EXISTS analytics.drift (
    participant_id  VARCHAR NOT NULL,
    day             DATE    NOT NULL,
    metric          VARCHAR NOT NULL,
    value           DOUBLE,
    baseline_median DOUBLE,
    robust_z        DOUBLE,
    recent_median   DOUBLE,
    recent_z        DOUBLE,
    n_recent        INTEGER NOT NULL,
    shift_se        DOUBLE,
    shift_p         DOUBLE,
    autocorr        DOUBLE,
    ks_stat         DOUBLE,
    ks_p            DOUBLE,
    mw_p            DOUBLE,
    wasserstein     DOUBLE,
    slope_per_week  DOUBLE,
    trend_p         DOUBLE,
    trend_n         INTEGER,
    q_value         DOUBLE,
    flagged         BOOLEAN NOT NULL,
    direction       VARCHAR
);

CREATE TABLE IF NOT EXISTS analytics.questionnaire_change (
    participant_id           VARCHAR   NOT NULL,
    instrument               VARCHAR   NOT NULL,
    administered_at          TIMESTAMP NOT NULL,
    day                      DATE      NOT NULL,
    score                    DOUBLE    NOT NULL,
    previous_score           DOUBLE,
    previous_administered_at TIMESTAMP,
    change                   DOUBLE,
    n_previous               INTEGER   NOT NULL,
    baseline_score           DOUBLE,
    change_from_baseline     DOUBLE,
    reliable_change          BOOLEAN   NOT NULL,
    direction                VARCHAR,
    severity_from            VARCHAR,
    severity_to              VARCHAR,
    band_crossed             BOOLEAN   NOT NULL
);

CREATE TABLE IF NOT EXISTS analytics.proxies (
    participant_id   VARCHAR NOT NULL,
    day              DATE    NOT NULL,
    domain           VARCHAR NOT NULL,
    score            DOUBLE  NOT NULL,
    n_components     INTEGER NOT NULL,
    weight_available DOUBLE  NOT NULL,
    sufficient       BOOLEAN NOT NULL
);

CREATE TABLE IF NOT EXISTS analytics.episodes (
    participant_id VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    direction      VARCHAR NOT NULL,
    start_day      DATE    NOT NULL,
    end_day        DATE    NOT NULL,
    n_days         INTEGER NOT NULL,
    peak_day       DATE    NOT NULL,
    peak_z         DOUBLE,
    band_low       DOUBLE,
    band_high      DOUBLE,
    recovered_day  DATE,
    recovery_days  DOUBLE,
    recovery_confirmed_day DATE
);

CREATE TABLE IF NOT EXISTS quality.quarantine (
    source_file   VARCHAR NOT NULL,
    locator       VARCHAR NOT NULL,
    source_format VARCHAR,
    reason        VARCHAR NOT NULL,
    raw           VARCHAR,
    ingested_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS quality.check_results (
    asset            VARCHAR NOT NULL,
    partition        VARCHAR,
    check_name       VARCHAR NOT NULL,
    severity         VARCHAR NOT NULL,
    passed           BOOLEAN NOT NULL,
    unexpected_count BIGINT  NOT NULL,
    rows_checked     BIGINT  NOT NULL,
    details          VARCHAR,
    run_id           VARCHAR,
    checked_at       TIMESTAMP NOT NULL
);

-- Partitions (asset, day) that failed an ERROR check, or could not be built because an upstream partition
-- did: downstream assets skip them (their earlier rows stay) and treat their values as missing.
CREATE TABLE IF NOT EXISTS quality.blocked_partitions (
    asset      VARCHAR NOT NULL,
    day        DATE    NOT NULL,
    reason     VARCHAR NOT NULL,
    run_id     VARCHAR,
    blocked_at TIMESTAMP NOT NULL
);

-- Data yield per participant and source, rebuilt by the quality report (participant_coverage.sql with the
-- same columns); created empty here so a warehouse always has it to publish.
CREATE TABLE IF NOT EXISTS quality.participant_coverage (
    participant_id    VARCHAR,
    source            VARCHAR,
    first_day         DATE,
    last_day          DATE,
    days_in_span      BIGINT,
    days_with_signal  BIGINT,
    low_coverage_days BIGINT,
    nights_with_sleep BIGINT,
    mean_coverage     DOUBLE,
    data_yield        DOUBLE
);

-- One row per landing file version (path + content hash). status: ingested | superseded |
-- unsupported | failed | removed (gone from the landing folder; its rows were deleted). Record counts add up: rows_read = accepted + quarantined + empty + ignored.
-- participant_map_sha256: hash of the landing configuration (participants.csv, questionnaire_events.csv)
-- the file was ingested with, for formats that depend on it.
CREATE TABLE IF NOT EXISTS ops.ingested_files (
    path                   VARCHAR NOT NULL,
    sha256                 VARCHAR NOT NULL,
    bytes                  BIGINT  NOT NULL,
    source_format          VARCHAR,
    participant_map_sha256 VARCHAR,
    rows_read              BIGINT  NOT NULL DEFAULT 0,
    rows_accepted          BIGINT  NOT NULL,
    rows_quarantined       BIGINT  NOT NULL,
    rows_empty             BIGINT  NOT NULL,
    rows_ignored           BIGINT  NOT NULL DEFAULT 0,
    status                 VARCHAR NOT NULL,
    message                VARCHAR,
    ingested_at            TIMESTAMP NOT NULL
);

-- Columns added after the first release (warehouses created earlier gain them here).
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS mean DOUBLE;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS sd DOUBLE;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS cv DOUBLE;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS mad_ratio DOUBLE;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS lag1_autocorr DOUBLE;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS short_window_days INTEGER;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS short_n_days INTEGER;
ALTER TABLE analytics.baselines ADD COLUMN IF NOT EXISTS short_median DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS shift_se DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS shift_p DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS autocorr DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS mw_p DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS wasserstein DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS slope_per_week DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS trend_p DOUBLE;
ALTER TABLE analytics.drift ADD COLUMN IF NOT EXISTS trend_n INTEGER;
ALTER TABLE analytics.episodes ADD COLUMN IF NOT EXISTS recovery_confirmed_day DATE;
ALTER TABLE ops.ingested_files ADD COLUMN IF NOT EXISTS rows_read BIGINT DEFAULT 0;
ALTER TABLE ops.ingested_files ADD COLUMN IF NOT EXISTS rows_ignored BIGINT DEFAULT 0;
-- the days the version's rows fall on, as JSON [[first, last], …] (a removed file keeps those it had)
ALTER TABLE ops.ingested_files ADD COLUMN IF NOT EXISTS day_ranges VARCHAR;
-- records of the version that another file already holds (counted there; part of rows_quarantined)
ALTER TABLE ops.ingested_files ADD COLUMN IF NOT EXISTS rows_duplicate BIGINT DEFAULT 0;
-- What tells one record from another within a participant·source beside metric, day and time (a vendor
-- record id, or which series a file holds), and how many samples a daily aggregate stands for (NULL: one
-- record; 0: a value derived from another row's samples). warehouse/sql/counted_observations.sql uses both.
ALTER TABLE staging.observations ADD COLUMN IF NOT EXISTS record_key VARCHAR;
ALTER TABLE staging.observations ADD COLUMN IF NOT EXISTS n_samples BIGINT;

-- Day ranges of analytics tables rewritten since the last publication of analytics.duckdb (written in the
-- same transaction as the rows; warehouse/publish.py applies them to its mirror, then clears them).
CREATE TABLE IF NOT EXISTS ops.publish_pending (
    table_name VARCHAR NOT NULL,
    first_day  DATE    NOT NULL,
    last_day   DATE    NOT NULL
);

-- Day ranges of analytics tables rewritten since a summary that reads them was last brought up to date
-- (summary: participant_coverage or episodes; written in the same transaction as the rows, cleared by the
-- summary's update).
CREATE TABLE IF NOT EXISTS ops.summary_pending (
    summary    VARCHAR NOT NULL,
    first_day  DATE    NOT NULL,
    last_day   DATE    NOT NULL
);

-- Per participant·source·month partial sums of quality.participant_coverage (coverage_months.sql), so a
-- run that rewrote a few days recomputes those months, not the whole history. min_coverage: the threshold
-- they were counted with (another one rebuilds them all).
CREATE TABLE IF NOT EXISTS ops.coverage_months (
    participant_id    VARCHAR NOT NULL,
    source            VARCHAR NOT NULL,
    month             DATE    NOT NULL,
    first_day         DATE    NOT NULL,
    last_day          DATE    NOT NULL,
    days_with_signal  BIGINT  NOT NULL,
    low_coverage_days BIGINT  NOT NULL,
    nights_with_sleep BIGINT  NOT NULL,
    coverage_sum      DOUBLE,
    coverage_days     BIGINT  NOT NULL,
    min_coverage      DOUBLE  NOT NULL
);

-- Days an ingestion changed (rows added, changed or removed), written in the same transaction as the rows
-- and taken by the ingestion that reports them (warehouse.writes): a run killed after its commit leaves
-- them for the next one, so the days still reach the daily assets.
CREATE TABLE IF NOT EXISTS ops.pending_changed_days (day DATE NOT NULL);

-- Days whose inputs changed and whose daily assets have not been recomputed since (written with the rows;
-- cleared by warehouse.writes.forget_recomputed_days when a run's range covered them): what `wellness run`
-- recomputes by default.
CREATE TABLE IF NOT EXISTS ops.days_to_recompute (day DATE NOT NULL);

-- Each participant·metric's data span, the first and last day with an observation (METHODS.md "Which rows
-- exist"), kept by every ingestion commit for the series it touches (warehouse/sql/series_spans.sql reads it).
CREATE TABLE IF NOT EXISTS ops.series_spans (
    participant_id VARCHAR NOT NULL,
    metric         VARCHAR NOT NULL,
    first_day      DATE    NOT NULL,
    last_day       DATE    NOT NULL
);

-- Participant·source groups whose files changed since their duplicate records were last listed
-- (warehouse.writes.refresh_duplicates), written in the same transaction as the rows.
CREATE TABLE IF NOT EXISTS ops.duplicates_pending (participant_id VARCHAR NOT NULL, source VARCHAR NOT NULL);

-- One-time data migrations already applied to this warehouse (warehouse/connection.py runs the others).
CREATE TABLE IF NOT EXISTS ops.migrations (name VARCHAR NOT NULL);

-- This warehouse's identity: a mirror built from another warehouse file is rebuilt, never patched.
CREATE TABLE IF NOT EXISTS ops.warehouse_identity (id VARCHAR NOT NULL);
INSERT INTO ops.warehouse_identity SELECT uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM ops.warehouse_identity);
