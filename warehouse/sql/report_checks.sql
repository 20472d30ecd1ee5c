-- The latest evaluation of every check, with its failing days.
SELECT asset, check_name, severity, passed, unexpected_count, rows_checked, partition, checked_at,
       json_extract(details, '$.failing_days') AS failing_days
FROM quality.check_results
QUALIFY row_number() OVER (PARTITION BY asset, check_name ORDER BY checked_at DESC) = 1
ORDER BY passed, severity, asset, check_name;
