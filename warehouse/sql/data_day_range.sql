SELECT min(first_day), max(last_day) FROM (
    SELECT min(day) AS first_day, max(day) AS last_day FROM staging.observations
    UNION ALL
    SELECT min(day), max(day) FROM staging.questionnaire_responses
);
