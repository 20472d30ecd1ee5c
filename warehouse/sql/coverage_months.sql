-- Partial sums of participant_coverage per participant, source and calendar month, for the months from
-- the one holding the first day to the one holding the last day (parameters: first day, last day,
-- min_coverage three times). A day has signal when its source reported something usable that day: the
-- lowest coverage of that source's metrics that day is unknown or at least min_coverage.
WITH per_day AS (
    SELECT participant_id, source, day,
           min(coverage) AS coverage,
           bool_or(metric = 'sleep_minutes') AS has_sleep
    FROM analytics.daily_metrics
    WHERE day >= CAST(date_trunc('month', CAST(? AS DATE)) AS DATE)
      AND day < CAST(date_trunc('month', CAST(? AS DATE)) + INTERVAL 1 MONTH AS DATE)
    GROUP BY ALL
)
SELECT participant_id, source, CAST(date_trunc('month', day) AS DATE) AS month,
       min(day) AS first_day, max(day) AS last_day,
       count(*) FILTER (WHERE coverage IS NULL OR coverage >= ?) AS days_with_signal,
       count(*) FILTER (WHERE coverage IS NOT NULL AND coverage < ?) AS low_coverage_days,
       count(*) FILTER (WHERE has_sleep) AS nights_with_sleep,
       sum(coverage) AS coverage_sum,
       count(coverage) AS coverage_days,
       CAST(? AS DOUBLE) AS min_coverage
FROM per_day
GROUP BY ALL
