-- Baseline bands of the flagged days (parameters: first and last participant id of the chunk).
SELECT b.participant_id, b.metric, b.day, b.p10, b.p90
FROM analytics.baselines b
SEMI JOIN (SELECT participant_id, metric, day FROM analytics.drift
           WHERE flagged AND participant_id BETWEEN ? AND ?) f USING (participant_id, metric, day)
WHERE b.participant_id BETWEEN ? AND ?;
