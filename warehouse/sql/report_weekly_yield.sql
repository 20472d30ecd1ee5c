-- Share of each week's days with usable signal, per participant (parameter: min_coverage).
SELECT participant_id, date_trunc('week', day) AS week,
       count(DISTINCT day) FILTER (WHERE coverage IS NULL OR coverage >= ?) / 7.0 AS share
FROM analytics.daily_metrics
GROUP BY ALL ORDER BY participant_id, week;
