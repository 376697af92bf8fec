"""The ``/sync/v1`` endpoints stores talk to."""
