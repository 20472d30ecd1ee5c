-- The landing paths with rows in the participant·source groups of ops.duplicates_pending.
SELECT DISTINCT split_part(o.source_file, '//', 1) AS path
FROM staging.observations o SEMI JOIN (SELECT DISTINCT participant_id, source FROM ops.duplicates_pending) g
  ON o.participant_id = g.participant_id AND o.source = g.source
UNION
SELECT DISTINCT split_part(r.source_file, '//', 1)
FROM staging.questionnaire_responses r SEMI JOIN (SELECT DISTINCT participant_id, source FROM ops.duplicates_pending) g
  ON r.participant_id = g.participant_id AND r.source = g.source
