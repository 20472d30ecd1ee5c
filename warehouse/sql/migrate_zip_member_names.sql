-- Once per warehouse: zip members were named '<archive>!<member>' before '//' (which no path can hold)
-- replaced '!'. Rows of a recorded zip archive's members get the new name; a row whose name is itself a
-- recorded landing path (a real file whose name holds '!') is left alone.
CREATE TEMP TABLE legacy_member_names AS
SELECT DISTINCT source_file, split_part(source_file, '!', 1) || '//' || substr(source_file, length(split_part(source_file, '!', 1)) + 2) AS renamed
FROM (SELECT source_file FROM staging.observations UNION ALL SELECT source_file FROM staging.questionnaire_responses
      UNION ALL SELECT source_file FROM quality.quarantine)
WHERE source_file LIKE '%!%'
  AND split_part(source_file, '!', 1) IN (SELECT path FROM ops.ingested_files WHERE lower(path) LIKE '%.zip')
  AND source_file NOT IN (SELECT path FROM ops.ingested_files);
UPDATE staging.observations o SET source_file = l.renamed FROM legacy_member_names l WHERE o.source_file = l.source_file;
UPDATE staging.questionnaire_responses r SET source_file = l.renamed FROM legacy_member_names l WHERE r.source_file = l.source_file;
UPDATE quality.quarantine q SET source_file = l.renamed FROM legacy_member_names l WHERE q.source_file = l.source_file;
DROP TABLE legacy_member_names;
INSERT INTO ops.migrations VALUES ('zip_member_names');
