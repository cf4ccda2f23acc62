"""A static site generator for a public-institution energy-saving campaign microsite.

Data flows one way through the stages its folders are named after: `load` reads and checks
`config.yaml` and `content/` into the frozen `model`; `render` turns the model into a mapping
of output path to bytes, recording what each file read (`incremental`); `inspection` checks
the very bytes that ship; `ship` writes them (`output/`, poster PDFs, releases). `pipeline`
runs those stages for every command, and `preview` for the live preview.
"""
