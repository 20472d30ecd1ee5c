-- The observations that count, on days ? … ?. A record found in several landing files (the same participant,
-- source, metric, day, time and record_key: an export unzipped next to its zip, one Fitabase folder copied
-- into another) counts in one file only: the one with the most samples behind that participant·source·day
-- (of two exports, the fuller), then the first path. The others' rows stay in staging, listed in
-- quality.quarantine as duplicates (duplicate_records.sql); nothing is summed across files.
WITH rows AS (
    SELECT * FROM staging.observations WHERE day BETWEEN ? AND ?
), weight AS (
    SELECT participant_id, source, day, source_file, sum(coalesce(n_samples, 1)) AS samples
    FROM rows GROUP BY ALL
)
SELECT rows.* FROM rows JOIN weight USING (participant_id, source, day, source_file)
QUALIFY dense_rank() OVER (PARTITION BY participant_id, source, metric, day, observed_at, record_key
                           ORDER BY samples DESC, source_file) = 1
