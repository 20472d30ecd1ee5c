-- Each participant·metric's data span: the first and last day with an observation of it (parameters: first
-- and last participant id); the derived daily metric sleep_regularity_sd_min spans its input's,
-- sleep_midpoint_min. Baselines, drift and the derived daily metrics hold rows only within it (METHODS.md
-- "Which rows exist"); read from staging, which is complete once ingested, so the span never depends on which
-- day ranges have been computed.
WITH observed AS (
    SELECT participant_id, metric, min(day) AS first_day, max(day) AS last_day
    FROM staging.observations
    WHERE participant_id BETWEEN ? AND ?
    GROUP BY participant_id, metric
)
SELECT * FROM observed
UNION ALL
SELECT participant_id, 'sleep_regularity_sd_min', first_day, last_day FROM observed
WHERE metric = 'sleep_midpoint_min';
