SELECT status, count(*) FROM ops.ingested_files WHERE status <> 'superseded' GROUP BY status ORDER BY status;
