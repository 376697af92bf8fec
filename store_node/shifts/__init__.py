"""Registers and cashier shifts: a counted float, cash in and out, X and Z reports."""
