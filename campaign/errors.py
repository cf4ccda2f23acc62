"""The one error the user is meant to see: a content mistake with its file and line.

Every problem in config or content is reported as a `ContentProblem`; loaders collect as many
as they can find before raising `ContentError`, so a clerk fixes a file in one pass rather than
one error per build.
"""

from __future__ import annotations

import errno
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


REASONS: dict[int | None, str] = {  # keyed by OSError.errno, which may be None
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "磁盘是只读的",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一项是文件而不是文件夹",
    errno.EISDIR: "同名文件夹已存在",
    errno.EEXIST: "同名文件已存在",
}


def machine_trouble(exc: OSError, named: bool = True) -> str:
    """A failure of the machine (disk full, read-only, permission) as one sentence a clerk can act on.

    The system's own words are kept in brackets for IT staff. `named`: with the file the system
    names, for a caller whose message does not already say where it was writing.
    """
    words = REASONS.get(exc.errno, "读写文件出错")
    where = f"：{exc.filename}" if exc.filename and named else ""
    return f"{words}{where}（{exc.strerror or exc}）"
