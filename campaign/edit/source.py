"""A source file's bytes as the editor reads and writes them: its YAML, a page's body, BOM and CRLF.

A Markdown page (`notice.md`, `contact.md`) is front matter between two 「---」 lines and a body
below; the form edits the front matter as YAML and the body as text. Notepad's BOM and CRLF line
ends are noted and put back, so a saved file differs from the old one in the changed lines only.
"""

from __future__ import annotations

from campaign.load.roundtrip import front_matter
from campaign.load.source import BOM, decode_text


class SourceText:
    def __init__(self, data: bytes, file: str):
        decode_text(data, file)  # raises ContentError (GBK, a control character) in the build's words
        text = data.decode("utf-8")
        self.bom = text.startswith(BOM)
        self.newline = "\r\n" if "\r\n" in text else "\n"
        text = text.removeprefix(BOM).replace("\r\n", "\n")
        self.page = file.endswith(".md")
        self.head, self.closing, self.body = "", "", ""
        self.yaml = text
        if self.page:
            self.head, self.yaml, rest = front_matter(text)
            self.closing, _, self.body = rest.partition("\n")

    @property
    def first_line(self) -> int:
        """The line of the file the YAML's first line is."""
        return 2 if self.head else 1

    def encode(self, yaml: str, body: str | None = None) -> bytes:
        """The file with `yaml` (and a page's `body`) in place of what it held."""
        if self.page:
            text = self.head + yaml + self.closing + "\n" + (self.body if body is None else body)
        else:
            text = yaml
        return ((BOM if self.bom else "") + text.replace("\n", self.newline)).encode("utf-8")
