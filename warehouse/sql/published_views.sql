-- Views of the published analytics.duckdb, created inside that file (its analytics tables live in the
-- file's default schema, so analysts write analytics.<table>; quality tables in schema quality).

-- Where everyone stands: each participant·metric's most recent drift row, kept only when it falls in the
-- participant's recent window (the 14 days ending on their last drift day), so a metric not measured lately
-- (a last nap weeks ago) is left out instead of showing a stale value; the metric's unit beside it. Flagged
-- rows first, then the largest |recent_z|.
CREATE OR REPLACE VIEW latest_drift AS
WITH latest AS (
    SELECT *
    FROM drift
    QUALIFY row_number() OVER (PARTITION BY participant_id, metric ORDER BY day DESC) = 1
)
SELECT latest.*, metrics.unit
FROM latest
LEFT JOIN metrics USING (metric)
QUALIFY latest.day > max(latest.day) OVER (PARTITION BY latest.participant_id) - INTERVAL 14 DAY
ORDER BY latest.flagged DESC, abs(latest.recent_z) DESC NULLS LAST, latest.participant_id, latest.metric;

-- One row per participant: span and volume of data, data yield, recent drift, episodes, the latest
-- questionnaire scores and domain proxies.
CREATE OR REPLACE VIEW participant_summary AS
WITH people AS (
    SELECT participant_id FROM daily_metrics UNION SELECT participant_id FROM questionnaire_scores
), days AS (
    SELECT participant_id, min(day) AS first_day, max(day) AS last_day,
           count(DISTINCT day) AS days_with_data, count(DISTINCT metric) AS n_metrics
    FROM daily_metrics
    GROUP BY ALL
), yield AS (
    SELECT participant_id, min(data_yield) AS min_data_yield
    FROM quality.participant_coverage
    GROUP BY ALL
), recent AS (
    SELECT participant_id,
           count(DISTINCT day) FILTER (WHERE flagged) AS flagged_days_last_14,
           count(DISTINCT metric) FILTER (WHERE flagged) AS drifting_metrics_last_14
    FROM drift
    WHERE day > (SELECT max(day) FROM drift d2 WHERE d2.participant_id = drift.participant_id) - INTERVAL 14 DAY
    GROUP BY ALL
), eps AS (
    SELECT participant_id, count(*) AS episodes, count(*) FILTER (WHERE recovery_days IS NULL) AS open_episodes,
           median(recovery_days) AS median_recovery_days
    FROM episodes
    GROUP BY ALL
), scores AS (
    SELECT participant_id,
           arg_max(score, administered_at) FILTER (WHERE instrument = 'phq9') AS phq9_latest,
           arg_max(score, administered_at) FILTER (WHERE instrument = 'gad7') AS gad7_latest,
           arg_max(score, administered_at) FILTER (WHERE instrument = 'pss10') AS pss10_latest,
           arg_max(score, administered_at) FILTER (WHERE instrument = 'who5') AS who5_latest,
           arg_max(score, administered_at) FILTER (WHERE instrument = 'psqi') AS psqi_latest
    FROM questionnaire_scores
    WHERE score IS NOT NULL
    GROUP BY ALL
), proxy AS (
    SELECT participant_id,
           arg_max(score, day) FILTER (WHERE domain = 'autonomic_arousal' AND sufficient) AS autonomic_arousal_latest,
           arg_max(score, day) FILTER (WHERE domain = 'sleep_circadian' AND sufficient) AS sleep_circadian_latest,
           arg_max(score, day) FILTER (WHERE domain = 'activity_drive' AND sufficient) AS activity_drive_latest,
           arg_max(score, day) FILTER (WHERE domain = 'mood_affect' AND sufficient) AS mood_affect_latest
    FROM proxies
    GROUP BY ALL
)
SELECT participant_id, d.first_day, d.last_day, coalesce(d.days_with_data, 0) AS days_with_data,
       coalesce(d.n_metrics, 0) AS n_metrics, y.min_data_yield,
       coalesce(r.flagged_days_last_14, 0) AS flagged_days_last_14,
       coalesce(r.drifting_metrics_last_14, 0) AS drifting_metrics_last_14,
       coalesce(e.episodes, 0) AS episodes, coalesce(e.open_episodes, 0) AS open_episodes, e.median_recovery_days,
       s.phq9_latest, s.gad7_latest, s.pss10_latest, s.who5_latest, s.psqi_latest,
       p.autonomic_arousal_latest, p.sleep_circadian_latest, p.activity_drive_latest, p.mood_affect_latest
FROM people
LEFT JOIN days d USING (participant_id)
LEFT JOIN yield y USING (participant_id)
LEFT JOIN recent r USING (participant_id)
LEFT JOIN eps e USING (participant_id)
LEFT JOIN scores s USING (participant_id)
LEFT JOIN proxy p USING (participant_id)
ORDER BY participant_id;
