"""A static site generator for a public-institution energy-saving campaign microsite.

The build runs in three stages that never mix: `content.load_site` reads and validates
everything into frozen data objects, `render.render_site` turns them into a mapping of output
path to bytes, and `output.write_site` puts those bytes on disk.
"""

__version__ = "1.0.0"
