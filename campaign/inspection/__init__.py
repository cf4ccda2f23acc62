"""Stage 3: the government website inspection, run on the very bytes that ship."""
