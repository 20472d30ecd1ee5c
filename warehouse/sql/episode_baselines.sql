-- Baseline bands of the candidate series' flagged days (parameters: first and last participant id of the
-- chunk, twice).
SELECT b.participant_id, b.metric, b.day, b.p10, b.p90
FROM analytics.baselines b
SEMI JOIN (SELECT participant_id, metric, day FROM analytics.drift
           SEMI JOIN episode_candidates USING (participant_id, metric)
           WHERE flagged AND participant_id BETWEEN ? AND ?) f USING (participant_id, metric, day)
WHERE b.participant_id BETWEEN ? AND ?;
