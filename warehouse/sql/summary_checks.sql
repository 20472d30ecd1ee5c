-- Outcome of each check in the most recent run that evaluated it.
SELECT asset, check_name, severity, passed, unexpected_count, rows_checked, partition
FROM quality.check_results
QUALIFY row_number() OVER (PARTITION BY asset, check_name ORDER BY checked_at DESC) = 1
ORDER BY asset, check_name;
