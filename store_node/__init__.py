"""Comptoir store node: the till web app, its JSON API and the store SQLite file."""
