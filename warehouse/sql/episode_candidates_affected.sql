-- Series (participant·metric) whose episodes the day ranges rewritten since the last update can change
-- (ops.summary_pending, summary 'episodes'): a flagged day within a day of a range (runs may join, split
-- or start), or an existing episode whose inputs reach into a range: from the day before it starts
-- (flags, its band at start_day, the values after it) to the later of the day after it ends and the day
-- its recovery was confirmed (no end when it has not recovered). Data after that day cannot change it.
WITH ranges AS (SELECT first_day, last_day FROM ops.summary_pending WHERE summary = 'episodes')
SELECT DISTINCT participant_id, metric FROM (
    SELECT d.participant_id, d.metric
    FROM analytics.drift d JOIN ranges r ON d.day BETWEEN r.first_day - 1 AND r.last_day + 1
    WHERE d.flagged
    UNION ALL
    SELECT e.participant_id, e.metric
    FROM analytics.episodes e JOIN ranges r
      ON e.start_day - 1 <= r.last_day
     AND (e.recovery_confirmed_day IS NULL OR greatest(e.end_day + 1, e.recovery_confirmed_day) >= r.first_day)
);
