"""Stage 4: putting the site on disk, printing poster PDFs, releasing to a server or a zip."""
