"""Whether text quoted from a source line is in the files that ship.

The wording and punctuation checks read the sources, since each finding names the line the
clerk edits. A source line may hold text that no page shows, though: a template branch never
taken, a value no page uses. A finding quotes its slip with the running text around it
(`Quote`), and it stands only when the rendered pages, feed and calendars hold that same run
(`ShippedText.holds`).

Running text here means characters that are not ASCII and not spaces. Markdown, Jinja and HTML
escaping only ever add, drop or escape ASCII, so such a run from a source line either ships
unchanged or is not shown at all. Each distinct slip costs one pass over the rendered text, so a
whole site is checked in time linear in its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Characters of running text on each side of a slip that must ship with it: enough to tell one
# sentence's 低炭日 from another's.
CONTEXT = 4
# What a visitor reads: the pages, the news feed and the calendars.
SHIPPED_TEXT = (".html", ".xml", ".ics")


def _running(char: str) -> bool:
    return ord(char) > 0x7F and not char.isspace()


def _run_before(text: str, end: int) -> str:
    start = end
    while start > max(0, end - CONTEXT) and _running(text[start - 1]):
        start -= 1
    return text[start:end]


def _run_after(text: str, start: int) -> str:
    end = start
    while end < min(len(text), start + CONTEXT) and _running(text[end]):
        end += 1
    return text[start:end]


@dataclass(frozen=True)
class Quote:
    """A slip as a source line writes it, with the running text just before and after it."""

    before: str
    slip: str
    after: str

    @classmethod
    def within(cls, text: str, start: int, end: int) -> Quote:
        return cls(_run_before(text, start), text[start:end], _run_after(text, end))


class ShippedText:
    """The text of the rendered files, asked whether each quoted slip is in it."""

    def __init__(self, files: Mapping[str, bytes]) -> None:
        self._text = "\n".join(
            data.decode("utf-8", "replace") for path, data in sorted(files.items()) if path.endswith(SHIPPED_TEXT)
        )
        self._around: dict[str, frozenset[tuple[str, str]]] = {}  # slip -> every (before, after) it ships with

    def holds(self, quote: Quote) -> bool:
        around = self._around.get(quote.slip)
        if around is None:
            around = self._around[quote.slip] = self._contexts(quote.slip)
        return (quote.before, quote.after) in around

    def _contexts(self, slip: str) -> frozenset[tuple[str, str]]:
        """Every (before, after) a quote of `slip` may have and still be shipped text: each
        occurrence's runs, cut to any shorter length (a source line's run may end where the
        page's goes on, as around a value a template puts inside a sentence)."""
        text = self._text
        found: set[tuple[str, str]] = set()
        at = text.find(slip) if slip else -1
        while at != -1:
            before, after = _run_before(text, at), _run_after(text, at + len(slip))
            found.update(
                (before[cut:], after[:keep]) for cut in range(len(before) + 1) for keep in range(len(after) + 1)
            )
            at = text.find(slip, at + 1)
        return frozenset(found)
