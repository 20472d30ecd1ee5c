INSERT INTO quality.blocked_partitions BY NAME SELECT asset, day, reason, run_id, blocked_at FROM incoming_blocked;
