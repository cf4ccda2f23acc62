"""The editions one project builds: this year's campaign and the archived ones before it.

The current edition is the project's own `config.yaml`, `content/` and `templates/`. An archived
edition is a year's sources as they were when the next campaign was started (`new-edition`):
`editions/<folder>/` holds its own `config.yaml`, `content/` and `templates/`, so it renders as
it always did. Each edition lives in its own folder under the campaign's address, the last
segment of its `base_url` (/jnxcz/2024/ -> 2024), so one output folder, one release and one
nginx block serve every edition at once.
"""

from __future__ import annotations

from pathlib import Path

ARCHIVE = "editions"  # the project's folder of archived editions


def edition_roots(project: Path) -> list[Path]:
    """Where each edition's config.yaml, content/ and templates/ are: the archived editions
    (oldest first), then the current one, the project itself."""
    folder = project / ARCHIVE
    archived = []
    if folder.is_dir():
        archived = sorted(
            (path for path in folder.iterdir() if path.is_dir() and (path / "config.yaml").is_file()),
            key=lambda path: path.name,
        )
    return [*archived, project]


def shown(root: Path, name: str, project: Path) -> str:
    """A file of the edition at `root` as the clerk finds it from the project: content/x.md for
    the current edition's, editions/2024/content/x.md for an archived one's."""
    if root == project:
        return name
    return f"{root.relative_to(project).as_posix()}/{name}"
