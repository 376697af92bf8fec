"""This store's side of sync: the outbox its events wait in, the data the sync library works on
(:mod:`.store_data`), the runner and scheduled jobs (:mod:`.runner`), the ``comptoir sync``
commands (:mod:`.cli`) and ``/api/v1/sync/status`` (:mod:`.api`)."""
