SELECT coalesce(sum(rows_accepted), 0), coalesce(sum(rows_empty), 0)
FROM ops.ingested_files WHERE status <> 'superseded';
