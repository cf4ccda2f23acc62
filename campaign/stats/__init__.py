"""Campaign statistics from nginx access logs (`python build.py stats LOG...`): scans, page views, visitors."""
