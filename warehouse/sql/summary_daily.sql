SELECT count(DISTINCT participant_id), min(day), max(day), count(DISTINCT day), count(*)
FROM analytics.daily_metrics;
