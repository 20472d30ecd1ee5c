-- Participants with daily metrics in a day range (parameters: first day, last day), sorted: the asset
-- computations split them into chunks of consecutive ids to bound memory.
SELECT DISTINCT participant_id
FROM analytics.daily_metrics
WHERE day BETWEEN ? AND ?
ORDER BY participant_id;
