-- The data spans (first and last observation day) of the participant·metrics in touched_series, as the
-- warehouse holds them now (read before and after a batch is written: the days whose place inside or
-- outside a span changed must be recomputed, METHODS.md "Which rows exist").
SELECT o.participant_id, o.metric, min(o.day) AS first_day, max(o.day) AS last_day
FROM staging.observations o SEMI JOIN touched_series t ON o.participant_id = t.participant_id AND o.metric = t.metric
GROUP BY o.participant_id, o.metric
