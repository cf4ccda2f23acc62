"""The one error the user is meant to see: a content mistake with its file and line.

Every problem in config or content is reported as a `ContentProblem`; loaders collect as many
as they can find before raising `ContentError`, so a clerk fixes a file in one pass rather than
one error per build.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ContentProblem:
    """One mistake: where it is (project-relative path, 1-based line or 0) and what to do."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found; `str()` is what the command line prints."""

    def __init__(self, problems: list[ContentProblem] | ContentProblem):
        if isinstance(problems, ContentProblem):
            problems = [problems]
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):
        # travels intact from a worker process of a parallel build
        return (ContentError, (self.problems,))

    @classmethod
    def at(cls, file: str, line: int, message: str) -> ContentError:
        return cls(ContentProblem(file, line, message))


class Problems:
    """A collector a loader passes around so one bad value does not hide the next."""

    def __init__(self) -> None:
        self.items: list[ContentProblem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.items.append(ContentProblem(file, line, message))

    def extend(self, error: ContentError) -> None:
        self.items.extend(error.problems)

    def raise_if_any(self) -> None:
        if self.items:
            raise ContentError(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)
