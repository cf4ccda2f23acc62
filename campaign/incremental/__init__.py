"""What makes a rebuild cheap and still exact: recorded reads, build state, caches, fingerprint."""
