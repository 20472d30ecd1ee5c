-- Each participant·metric's data span: the first and last day with an observation of it (parameters: first
-- and last participant id). Baselines, drift and the derived daily metrics hold rows only within it
-- (METHODS.md "Which rows exist"); read from staging, which is complete once ingested, so the span never
-- depends on which day ranges have been computed.
SELECT participant_id, metric, min(day) AS first_day, max(day) AS last_day
FROM staging.observations
WHERE participant_id BETWEEN ? AND ?
GROUP BY participant_id, metric;
