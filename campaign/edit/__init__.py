"""Editing the sources in the browser: forms made from the field declarations, written back as found."""
