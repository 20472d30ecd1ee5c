SELECT asset, day, reason, blocked_at FROM quality.blocked_partitions ORDER BY day, asset;
