DELETE FROM quality.blocked_partitions WHERE asset = ? AND day BETWEEN ? AND ?;
