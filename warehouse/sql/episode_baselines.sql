-- Baseline bands of the days an episode of the candidate series can start on (episode_flag_days: the
-- chunk's flagged days): an alarm's estimated change day, the alarm day itself, and the day after it (an
-- episode starts after the series' previous one ends). Parameters: first and last participant id of the chunk.
WITH start_days AS (
    SELECT participant_id, metric, CAST(change_day AS DATE) AS day FROM episode_flag_days WHERE change_day IS NOT NULL
    UNION SELECT participant_id, metric, CAST(day AS DATE) FROM episode_flag_days
    UNION SELECT participant_id, metric, CAST(day AS DATE) + 1 FROM episode_flag_days
)
SELECT b.participant_id, b.metric, b.day, b.p10, b.p90
FROM analytics.baselines b
SEMI JOIN start_days f USING (participant_id, metric, day)
WHERE b.participant_id BETWEEN ? AND ?;
