"""Vendor CSV exports as background jobs (staff): a `VendorExport` row per request,
written by a Celery task to a private file with its row count and SHA-256.

- models.py: the job row (status, progress, the file's count, checksum and size, the claim).
- services.py: start (the row is the outbox; the task is sent after commit), execute
  (claim, stream to a temporary file, rename into place, mark succeeded), fail, sweep,
  and the bounded synchronous export behind GET /api/v1/vendors/export.csv.
- selectors.py: reads for the pages and the API.

The task itself lives in engagements/tasks.py (the thin top layer), sent by name.
"""
