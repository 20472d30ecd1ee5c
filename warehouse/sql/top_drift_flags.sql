-- Runs of consecutive flagged days per participant·metric (gaps-and-islands), largest |recent_z| first.
WITH flagged AS (
    SELECT participant_id, metric, day, direction, recent_z,
           day - CAST(row_number() OVER (PARTITION BY participant_id, metric ORDER BY day) AS INTEGER) AS run_key
    FROM analytics.drift
    WHERE flagged
)
SELECT participant_id, metric, any_value(direction) AS direction, min(day) AS first_day, max(day) AS last_day,
       count(*) AS flagged_days, max(abs(recent_z)) AS peak_abs_recent_z
FROM flagged
GROUP BY participant_id, metric, run_key
ORDER BY peak_abs_recent_z DESC, participant_id, metric
LIMIT ?;
