"""API helpers shared by every app's API: cursor pagination with delta sync
(pagination.py, sync.py) and ETag / If-Match (etag.py)."""
