SELECT path, source_format, status, rows_read, rows_accepted, rows_quarantined, rows_empty, rows_ignored, message
FROM ops.ingested_files WHERE status <> 'superseded' ORDER BY status DESC, path;
