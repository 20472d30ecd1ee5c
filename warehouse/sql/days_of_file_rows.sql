-- Days holding rows from the incoming files' earlier versions (they change when those rows go).
SELECT DISTINCT day FROM staging.observations
 WHERE split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files)
UNION
SELECT DISTINCT day FROM staging.questionnaire_responses
 WHERE split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files);
