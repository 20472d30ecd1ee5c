SELECT participant_id, day, value FROM analytics.daily_metrics WHERE metric = ? AND day BETWEEN ? AND ?;
