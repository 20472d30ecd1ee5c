-- Quarantined records per file and kind of reason (numbers, locators and quoted values stripped).
SELECT split_part(source_file, '//', 1) AS file, source_format,
       trim(regexp_replace(regexp_replace(reason, '(line|Record|\$\S*)\s*\d+.*$', ''), '[=''].*$', '')) AS reason_kind,
       count(*) AS records, min(locator) AS first_locator
FROM quality.quarantine
GROUP BY ALL ORDER BY records DESC, file;
