-- The latest recorded version of every landing path, with its outcome.
SELECT path, source_format, status, rows_read, rows_accepted, rows_quarantined, message
FROM ops.ingested_files
QUALIFY row_number() OVER (PARTITION BY path ORDER BY ingested_at DESC, status <> 'superseded' DESC) = 1
ORDER BY path;
