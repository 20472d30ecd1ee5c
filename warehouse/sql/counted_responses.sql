-- The questionnaire answers that count (the filter is appended by the caller): an answer found in several
-- landing files (the same participant, source, instrument, administration and item) counts in the first
-- path only.
SELECT * FROM staging.questionnaire_responses
QUALIFY dense_rank() OVER (PARTITION BY participant_id, source, instrument, administered_at, item
                           ORDER BY source_file) = 1
