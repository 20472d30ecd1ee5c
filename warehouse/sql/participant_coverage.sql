-- Data yield per participant and source (parameter: min_coverage, three times). A day has signal when the
-- source reported something usable that day (coverage unknown, or at least min_coverage).
WITH per_day AS (
    SELECT participant_id, source, day,
           min(coverage) AS coverage,
           bool_or(metric = 'sleep_minutes') AS has_sleep
    FROM analytics.daily_metrics
    GROUP BY ALL
)
SELECT participant_id, source,
       min(day) AS first_day, max(day) AS last_day,
       date_diff('day', min(day), max(day)) + 1 AS days_in_span,
       count(*) FILTER (WHERE coverage IS NULL OR coverage >= ?) AS days_with_signal,
       count(*) FILTER (WHERE coverage IS NOT NULL AND coverage < ?) AS low_coverage_days,
       count(*) FILTER (WHERE has_sleep) AS nights_with_sleep,
       avg(coverage) AS mean_coverage,
       round(count(*) FILTER (WHERE coverage IS NULL OR coverage >= ?) / (date_diff('day', min(day), max(day)) + 1), 4)
           AS data_yield
FROM per_day
GROUP BY ALL
ORDER BY participant_id, source;
