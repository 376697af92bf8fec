"""Shared domain rules of Comptoir: money, taxes, business days, ids, config, errors.

Imports no Flask and no database library.
"""
