-- The values baselines and drift are computed from (parameters: first day, last day, minimum
-- coverage, first and last participant id). Days whose coverage is below the minimum (e.g. non-wear) are left out; NULL coverage means
-- the format does not report it and the day is used.
SELECT participant_id, day, metric, value
FROM analytics.daily_metrics
WHERE day BETWEEN ? AND ?
  AND (coverage IS NULL OR coverage >= ?)
  AND participant_id BETWEEN ? AND ?;
