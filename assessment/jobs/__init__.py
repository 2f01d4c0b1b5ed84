"""The background worker: a job queue in the database (:mod:`.queue`), the scheduled work (:mod:`.schedule`) and
the worker process (:mod:`.worker`) that ``desa-digital worker`` and ``make run`` start."""
