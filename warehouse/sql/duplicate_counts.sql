-- ops.ingested_files rows of the affected paths (affected_paths) with their counts brought up to date with
-- the duplicate records (duplicates: duplicate_records.sql), moved from accepted to quarantined as
-- rows_duplicate: a duplicate source record counts one; a file read into daily aggregates (Apple Health,
-- intraday CSVs) has the share of its accepted records that its duplicate aggregates' samples are of all its
-- aggregates' samples (so a file whose every aggregate another file holds has all of them). Never more than
-- the file's own quarantine, empties and ignored records leave.
WITH dup AS (
    SELECT split_part(source_file, '//', 1) AS path,
           sum(records) FILTER (WHERE NOT aggregate) AS records, sum(records) FILTER (WHERE aggregate) AS samples
    FROM duplicates GROUP BY ALL
), samples AS (
    SELECT split_part(source_file, '//', 1) AS path, sum(n_samples) AS samples
    FROM staging.observations
    WHERE n_samples IS NOT NULL AND split_part(source_file, '//', 1) IN (SELECT path FROM affected_paths)
    GROUP BY ALL
), files AS (
    SELECT f.*, f.rows_read - (f.rows_quarantined - coalesce(f.rows_duplicate, 0)) - f.rows_empty - f.rows_ignored
                AS available,
           coalesce(d.records, 0) AS records, coalesce(d.samples, 0) / nullif(s.samples, 0) AS sample_share
    FROM ops.ingested_files f LEFT JOIN dup d USING (path) LEFT JOIN samples s USING (path)
    WHERE f.path IN (SELECT path FROM affected_paths) AND f.status = 'ingested'
), counted AS (
    SELECT *, greatest(least(records + CAST(round(coalesce(sample_share, 0) * greatest(available - records, 0))
                                            AS BIGINT), available), 0) AS new_duplicate
    FROM files
)
SELECT * EXCLUDE (available, records, sample_share, new_duplicate) REPLACE (
    rows_quarantined - coalesce(rows_duplicate, 0) + new_duplicate AS rows_quarantined,
    rows_read - (rows_quarantined - coalesce(rows_duplicate, 0) + new_duplicate) - rows_empty - rows_ignored
        AS rows_accepted,
    new_duplicate AS rows_duplicate)
FROM counted
