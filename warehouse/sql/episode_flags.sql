-- Flagged drift days of the series in episode_candidates (participant_id, metric), for participant ids in
-- the chunk (parameters: first and last participant id).
SELECT participant_id, metric, day, direction, recent_z, change_day
FROM analytics.drift
SEMI JOIN episode_candidates USING (participant_id, metric)
WHERE flagged AND participant_id BETWEEN ? AND ?;
