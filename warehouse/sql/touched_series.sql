-- The participant·metrics a batch of files touches: those of its staged observations ({staged}) and of the
-- rows its files' earlier versions hold (incoming_files: path).
SELECT DISTINCT participant_id, metric FROM {staged}
UNION
SELECT DISTINCT participant_id, metric FROM staging.observations
 WHERE split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files)
