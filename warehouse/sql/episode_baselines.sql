SELECT b.participant_id, b.metric, b.day, b.p10, b.p90
FROM analytics.baselines b
SEMI JOIN (SELECT participant_id, metric, day FROM analytics.drift WHERE flagged) f USING (participant_id, metric, day);
