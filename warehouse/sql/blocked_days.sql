SELECT DISTINCT day FROM quality.blocked_partitions WHERE list_contains(?, asset) AND day BETWEEN ? AND ?;
