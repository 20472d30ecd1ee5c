-- Once per warehouse: ops.series_spans (kept by every ingestion commit since) filled from what staging holds.
DELETE FROM ops.series_spans;
INSERT INTO ops.series_spans
SELECT participant_id, metric, min(day), max(day) FROM staging.observations GROUP BY participant_id, metric;
INSERT INTO ops.migrations VALUES ('series_spans');
