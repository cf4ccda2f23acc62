"""The editions one project builds: this year's campaign and the archived ones before it.

The current edition is the project's own `config.yaml`, `content/` and `templates/`. An archived
edition is a year's sources as they were when the next campaign was started (`new-edition`):
`editions/<folder>/` holds its own `config.yaml`, `content/` and `templates/`, so it renders as
it always did. Each edition lives in its own folder under the campaign's address, the last
segment of its `base_url` (/jnxcz/2024/ -> 2024), so one output folder, one release and one
nginx block serve every edition at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ARCHIVE = "editions"  # the project's folder of archived editions


@dataclass(frozen=True)
class EditionSource:
    root: Path  # where its config.yaml, content/ and templates/ are
    archived: bool

    def shown(self, name: str, project: Path) -> str:
        """A file of this edition as the clerk finds it from the project, e.g. editions/2024/content/x.md."""
        if not self.archived:
            return name
        return f"{self.root.relative_to(project).as_posix()}/{name}"


def edition_sources(project: Path) -> list[EditionSource]:
    """The archived editions (oldest first), then the current one."""
    folder = project / ARCHIVE
    archived = []
    if folder.is_dir():
        archived = sorted(
            (path for path in folder.iterdir() if path.is_dir() and (path / "config.yaml").is_file()),
            key=lambda path: path.name,
        )
    return [EditionSource(path, True) for path in archived] + [EditionSource(project, False)]
