-- Every questionnaire answer up to a day (parameters: first day, last day, last day) of the participants who
-- answered something in first … last: questionnaire change scores them all (from the answers, not from
-- analytics.questionnaire_scores, so a run never depends on another day range's run having finished).
SELECT * FROM staging.questionnaire_responses
WHERE participant_id IN (SELECT participant_id FROM staging.questionnaire_responses WHERE day BETWEEN ? AND ?)
  AND day <= ?;
