-- Each participant·metric's data span (parameters: first and last participant id): the first and last day
-- with an observation of it, kept in ops.series_spans by every ingestion commit; the derived daily metric
-- sleep_regularity_sd_min spans its input's, sleep_midpoint_min. Baselines, drift and the derived daily
-- metrics hold rows only within it (METHODS.md "Which rows exist"); staging is complete once ingested, so the
-- span never depends on which day ranges have been computed.
SELECT participant_id, metric, first_day, last_day FROM ops.series_spans
WHERE participant_id BETWEEN ? AND ?
UNION ALL
SELECT participant_id, 'sleep_regularity_sd_min', first_day, last_day FROM ops.series_spans
WHERE metric = 'sleep_midpoint_min' AND participant_id BETWEEN ? AND ?;
