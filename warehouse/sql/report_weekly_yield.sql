-- Share of each week's days with usable signal, for the participants the report's heatmap shows: the
-- lowest data yield first, ties by id (parameters: min_coverage, how many participants).
SELECT participant_id, date_trunc('week', day) AS week,
       count(DISTINCT day) FILTER (WHERE coverage IS NULL OR coverage >= ?) / 7.0 AS share
FROM analytics.daily_metrics
SEMI JOIN (SELECT participant_id FROM quality.participant_coverage
           GROUP BY participant_id ORDER BY min(data_yield), participant_id LIMIT ?) shown USING (participant_id)
GROUP BY ALL ORDER BY participant_id, week;
