-- Flagged drift days (parameters: first and last participant id of the chunk).
SELECT participant_id, metric, day, direction, recent_z
FROM analytics.drift
WHERE flagged AND participant_id BETWEEN ? AND ?;
