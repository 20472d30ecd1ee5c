SELECT * FROM analytics.questionnaire_scores
WHERE participant_id IN (SELECT participant_id FROM analytics.questionnaire_scores WHERE day BETWEEN ? AND ?)
  AND day <= ?;
