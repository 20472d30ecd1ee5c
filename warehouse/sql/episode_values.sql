-- Daily values of the candidate series from their first flagged day on (episode_flag_days: the chunk's
-- flagged days): recovery is looked for after an episode's last alarm, never before (parameters: first and
-- last participant id of the chunk).
SELECT m.participant_id, m.metric, m.day, m.value
FROM analytics.daily_metrics m
JOIN (SELECT participant_id, metric, min(day) AS first_flag FROM episode_flag_days GROUP BY ALL) f
  USING (participant_id, metric)
WHERE m.day >= f.first_flag AND m.participant_id BETWEEN ? AND ?;
