-- Data yield per participant and source from the monthly partial sums in ``months``
-- (coverage_months.sql): days_in_span = last − first day + 1; data_yield = days_with_signal / days_in_span;
-- mean_coverage = mean over days with a known coverage of the day's lowest coverage.
SELECT participant_id, source,
       min(first_day) AS first_day, max(last_day) AS last_day,
       date_diff('day', min(first_day), max(last_day)) + 1 AS days_in_span,
       CAST(sum(days_with_signal) AS BIGINT) AS days_with_signal,
       CAST(sum(low_coverage_days) AS BIGINT) AS low_coverage_days,
       CAST(sum(nights_with_sleep) AS BIGINT) AS nights_with_sleep,
       sum(coverage_sum) / nullif(sum(coverage_days), 0) AS mean_coverage,
       round(sum(days_with_signal) / (date_diff('day', min(first_day), max(last_day)) + 1), 4) AS data_yield
FROM months
GROUP BY ALL
ORDER BY participant_id, source
