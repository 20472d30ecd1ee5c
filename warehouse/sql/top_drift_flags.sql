-- The largest drift episodes (analytics.episodes: runs of flagged days), largest |peak z| first.
SELECT participant_id, metric, direction, start_day, end_day, n_days, peak_z, recovery_days
FROM analytics.episodes
ORDER BY abs(peak_z) DESC, participant_id, metric, start_day
LIMIT ?;
