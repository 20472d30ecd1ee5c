"""Synthetic cohorts written in real vendor export formats, with injected episodes as ground truth."""
