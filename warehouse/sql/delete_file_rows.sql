-- Remove everything an earlier version of the incoming files produced (incoming_files: path). Rows from
-- a zip archive's members carry source_file '<archive path>//<member>'.
DELETE FROM staging.observations
 WHERE source_file IN (SELECT path FROM incoming_files)
    OR split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files);
DELETE FROM staging.questionnaire_responses
 WHERE source_file IN (SELECT path FROM incoming_files)
    OR split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files);
DELETE FROM quality.quarantine
 WHERE source_file IN (SELECT path FROM incoming_files)
    OR split_part(source_file, '//', 1) IN (SELECT path FROM incoming_files);
UPDATE ops.ingested_files SET status = 'superseded'
 WHERE path IN (SELECT path FROM incoming_files) AND status <> 'superseded';
