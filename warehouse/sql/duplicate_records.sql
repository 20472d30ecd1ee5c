-- The records of the participant·source groups in ops.duplicates_pending that another landing file already
-- holds, by the rules of counted_observations.sql and counted_responses.sql: one row per record, with the
-- file and record that count instead, and how many source records it stands for (a daily aggregate: its
-- samples; ``aggregate``).
WITH groups AS (
    SELECT DISTINCT participant_id, source FROM ops.duplicates_pending
), rows AS (
    SELECT o.* FROM staging.observations o SEMI JOIN groups g
        ON o.participant_id = g.participant_id AND o.source = g.source
), weight AS (
    SELECT participant_id, source, day, source_file, sum(coalesce(n_samples, 1)) AS samples FROM rows GROUP BY ALL
), answers AS (
    SELECT r.*, dense_rank() OVER by_file AS file_rank, first_value(source_file) OVER by_answer AS kept_file,
           first_value(locator) OVER by_answer AS kept_locator, first_value(value) OVER by_answer AS kept_value
    FROM staging.questionnaire_responses r SEMI JOIN groups g
        ON r.participant_id = g.participant_id AND r.source = g.source
    WINDOW by_file AS (PARTITION BY participant_id, source, instrument, administered_at, item ORDER BY source_file),
           by_answer AS (PARTITION BY participant_id, source, instrument, administered_at, item
                         ORDER BY source_file, locator)
), ranked AS (
    SELECT rows.*, dense_rank() OVER by_file AS file_rank, first_value(source_file) OVER by_record AS kept_file,
           first_value(locator) OVER by_record AS kept_locator, first_value(value) OVER by_record AS kept_value
    FROM rows JOIN weight USING (participant_id, source, day, source_file)
    WINDOW by_file AS (PARTITION BY participant_id, source, metric, day, observed_at, record_key
                       ORDER BY samples DESC, source_file),
           by_record AS (PARTITION BY participant_id, source, metric, day, observed_at, record_key
                         ORDER BY samples DESC, source_file, locator)
)
SELECT source_file, source AS source_format,
       CASE WHEN n_samples IS NULL THEN locator
            ELSE locator || ' (' || metric || ', ' || strftime(day, '%Y-%m-%d') || ')' END AS locator,
       min(CASE WHEN value = kept_value THEN 'duplicate of file ' ELSE 'conflicting duplicate of file ' END
           || kept_file || ' (' || kept_locator || ')') AS reason,
       max(coalesce(n_samples, 1)) AS records, bool_or(n_samples IS NOT NULL) AS aggregate
FROM ranked WHERE file_rank > 1
GROUP BY ALL
UNION ALL
SELECT source_file, source, locator,
       min(CASE WHEN value = kept_value THEN 'duplicate of file ' ELSE 'conflicting duplicate of file ' END
           || kept_file || ' (' || kept_locator || ')'), 1, false
FROM answers WHERE file_rank > 1
GROUP BY ALL
