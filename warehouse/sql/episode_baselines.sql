-- Baseline bands of the candidate series' flagged days (episode_flag_days: the chunk's flagged days;
-- parameters: first and last participant id of the chunk).
SELECT b.participant_id, b.metric, b.day, b.p10, b.p90
FROM analytics.baselines b
SEMI JOIN episode_flag_days f USING (participant_id, metric, day)
WHERE b.participant_id BETWEEN ? AND ?;
