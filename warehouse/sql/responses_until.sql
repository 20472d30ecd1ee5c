-- The participants who answered something in ? … ? (their every answer up to a day is then read from
-- counted_responses.sql: questionnaire change scores them all, from the answers, not from
-- analytics.questionnaire_scores, so a run never depends on another day range's run having finished).
SELECT DISTINCT participant_id FROM staging.questionnaire_responses WHERE day BETWEEN ? AND ?
