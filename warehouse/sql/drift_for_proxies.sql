-- Robust z and baseline sufficiency for the proxies (parameters: first day, last day, first and last
-- participant id).
SELECT d.participant_id, d.day, d.metric, d.robust_z, coalesce(b.sufficient, false) AS baseline_sufficient
FROM analytics.drift d
LEFT JOIN analytics.baselines b USING (participant_id, day, metric)
WHERE d.day BETWEEN ? AND ?
  AND d.participant_id BETWEEN ? AND ?;
