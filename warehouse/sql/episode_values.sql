SELECT m.participant_id, m.metric, m.day, m.value
FROM analytics.daily_metrics m
SEMI JOIN (SELECT DISTINCT participant_id, metric FROM analytics.drift WHERE flagged) f USING (participant_id, metric);
