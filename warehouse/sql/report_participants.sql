SELECT c.participant_id, c.source, c.first_day, c.last_day, c.days_in_span, c.days_with_signal,
       c.low_coverage_days, c.nights_with_sleep, round(c.mean_coverage, 3) AS mean_coverage, c.data_yield,
       o.observations
FROM quality.participant_coverage c
LEFT JOIN (SELECT participant_id, source, count(*) AS observations FROM staging.observations GROUP BY ALL) o
  USING (participant_id, source)
ORDER BY c.data_yield, c.participant_id;
