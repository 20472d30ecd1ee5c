-- The participant·source groups holding rows of the incoming files' earlier versions (incoming_files: path).
SELECT participant_id, source FROM staging.observations WHERE split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files)
UNION
SELECT participant_id, source FROM staging.questionnaire_responses
 WHERE split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files)
