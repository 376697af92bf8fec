"""Store sync at head office: the ``/sync/v1`` endpoints stores talk to.

``views`` (the endpoints) -> ``push`` (a batch applied exactly once) -> ``apply`` (one event
onto head office's records) and ``sale_batch`` (a run of sales in a few statements);
``pull`` (changes a store has not seen); ``health`` (each store's last 24 hours).
"""
