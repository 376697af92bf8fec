"""Replenishment: requested -> approved | rejected -> shipped -> received."""
