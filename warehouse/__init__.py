"""Warehouse: the only package that talks to DuckDB (DDL, transactional writes, reads, summaries)."""
