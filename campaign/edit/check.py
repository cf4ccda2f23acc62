"""Whether a changed file would build: the build's own loader, run on a copy with the change.

The copy is made of hard links beside the project (a hidden folder, which neither the build nor
the preview reads), so it costs no copying of photos; the changed file alone is written anew.
The whole project is loaded and checked there as `build` loads it (`pipeline.load_project`),
with the preview's caches, so the messages are the build's own, in its words, at the lines of
the changed text, cross-references between files included.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

from campaign import pipeline
from campaign.context import BuildContext, Memo, default_moment
from campaign.errors import ContentError, ContentProblem
from campaign.load.editions import ARCHIVE

PARTS = ("config.yaml", "content", "templates", ARCHIVE)  # what a build of the project reads


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another disk, or a file system without hard links
        shutil.copy2(source, target)


def problems_with(ctx: BuildContext, file: str, data: bytes) -> list[ContentProblem]:
    """Every problem the build would find with `file` holding `data` (none: it builds)."""
    return problems_with_files(ctx, {file: data})


def problems_with_files(ctx: BuildContext, files: dict[str, bytes]) -> list[ContentProblem]:
    """Every problem the build would find with each of `files` (project-relative) holding its bytes."""
    root = ctx.root
    copy = Path(tempfile.mkdtemp(prefix=".edit-check-", dir=root))
    try:
        for part in PARTS:
            source = root / part
            if source.is_dir():
                shutil.copytree(source, copy / part, symlinks=True, copy_function=_link_or_copy)
            elif source.is_file():
                _link_or_copy(str(source), str(copy / part))
        for file, data in files.items():
            changed = copy / file
            changed.unlink(missing_ok=True)  # a hard link: writing into it would write the original
            changed.parent.mkdir(parents=True, exist_ok=True)
            changed.write_bytes(data)
        memo = ctx.memo
        # parsed files are shared (keyed by name and text); file stamps are the copy's own
        kept = Memo(memo.keep, yaml=memo.yaml, front=memo.front, environments=memo.environments)
        trial = dataclasses.replace(ctx, root=copy, memo=kept, clock=default_moment())
        try:
            pipeline.load_project(trial)
        except ContentError as exc:
            return list(exc.problems)
        return []
    finally:
        shutil.rmtree(copy, ignore_errors=True)
