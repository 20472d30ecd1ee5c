-- Quarantined records grouped by the kind of reason (text before the first digit or quote).
SELECT source_format,
       regexp_replace(regexp_replace(reason, '(line|\$\[)\s*\d+\]?', '<record>', 'g'), '[=''].*$', '') AS reason_kind,
       count(*) AS rows
FROM quality.quarantine
GROUP BY ALL
ORDER BY rows DESC;
