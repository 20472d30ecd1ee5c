"""Quality: row-level quarantine rules and table checks. Judges data; never opens the database."""
