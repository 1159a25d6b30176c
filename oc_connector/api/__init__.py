"""The catalog API (``index.php?route=api/...``): the client, cart sessions and typed records."""
