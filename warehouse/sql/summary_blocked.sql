SELECT asset, day, reason FROM quality.blocked_partitions ORDER BY day, asset;
