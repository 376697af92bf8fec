"""Turning store events into head-office records (the push side of sync)."""
