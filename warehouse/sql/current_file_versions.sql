-- The latest recorded version of every landing path.
SELECT path, sha256, source_format, participant_map_sha256, status, message, day_ranges
FROM ops.ingested_files
QUALIFY row_number() OVER (PARTITION BY path ORDER BY ingested_at DESC, status <> 'superseded' DESC) = 1;
