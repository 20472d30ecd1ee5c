SELECT participant_id, metric, day, direction, recent_z FROM analytics.drift WHERE flagged;
