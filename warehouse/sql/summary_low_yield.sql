SELECT count(*) FROM quality.participant_coverage WHERE data_yield < 0.5;
