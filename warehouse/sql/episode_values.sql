-- Daily values of the candidate series from their first flagged day on: recovery is looked for after an
-- episode starts, never before (parameters: first and last participant id of the chunk, twice).
SELECT m.participant_id, m.metric, m.day, m.value
FROM analytics.daily_metrics m
JOIN (SELECT participant_id, metric, min(day) AS first_flag FROM analytics.drift
      SEMI JOIN episode_candidates USING (participant_id, metric)
      WHERE flagged AND participant_id BETWEEN ? AND ? GROUP BY ALL) f USING (participant_id, metric)
WHERE m.day >= f.first_flag AND m.participant_id BETWEEN ? AND ?;
