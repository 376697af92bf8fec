"""The stores' cashier shifts as head office sees them: per store and day, with their differences."""
