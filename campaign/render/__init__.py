"""Stage 2: the model turned into the site's files in memory, through the templates."""
