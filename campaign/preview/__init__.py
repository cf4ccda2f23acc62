"""The live preview: the pipeline rerun on every save, served from memory with live reload."""
