"""What the last build of an output folder was made from, so the next one renders only what changed.

Kept in `.cache/state/` (safe to delete): the site model, every file's plan and record (what it
read, which templates and assets it used) and the hash of every file written. The state is
trusted only when its key matches (the generator's code fingerprint, the output folder, whether
PDFs are linked) and the files on disk are exactly the ones it recorded; otherwise everything
is rendered again, which gives the same bytes, only slower.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path

from campaign.model.site import Site
from campaign.render.site import Output, Record, Rendering
from campaign.render.templates import Use
from campaign.ship.write import Files, Stored, Written, on_disk_as_recorded

STATE_FORMAT = 3


@dataclass(frozen=True)
class EditionState:
    site: Site
    outputs: dict[str, Output]
    records: dict[str, Record]
    uses: dict[Use, str]


@dataclass(frozen=True)
class State:
    key: str
    editions: dict[str, EditionState]  # edition folder -> EditionState
    hashes: dict[str, str]  # output path (in the whole tree) -> sha256 of the bytes written


def state_key(fingerprint: str, out: Path, with_pdf: bool) -> str:
    return hashlib.sha256(repr((STATE_FORMAT, fingerprint, str(out.resolve()), with_pdf)).encode()).hexdigest()


def _name(out: Path) -> str:
    return hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]


def state_file(cache: Path, out: Path) -> Path:
    return cache / "state" / f"{_name(out)}.pickle"


def record_file(cache: Path, out: Path) -> Path:
    """Where the hash, size and dates of every file written into `out` are kept."""
    return cache / "state" / f"{_name(out)}.written.json"


def load(cache: Path, out: Path, key: str, record: Written) -> dict[str, tuple[Site, Rendering]] | None:
    """The previous build's {edition folder: (site, rendering)}, or None when it cannot be trusted."""
    try:
        state = pickle.loads(state_file(cache, out).read_bytes())
    except Exception:  # missing, half-written or from another version: not an error
        return None
    if not isinstance(state, State) or state.key != key:
        return None
    if {path: entry[0] for path, entry in record.items()} != state.hashes:
        return None  # the output folder is not what that build left
    if not on_disk_as_recorded(out, record):
        return None  # someone changed a file by hand: render everything again
    previous = {}
    for folder, edition in state.editions.items():
        prefix = folder + "/"
        files: Files = {
            path[len(prefix) :]: Stored(sha) for path, sha in state.hashes.items() if path.startswith(prefix)
        }
        previous[folder] = edition.site, Rendering(files, edition.outputs, edition.records, edition.uses, frozenset())
    return previous


def save(cache: Path, out: Path, key: str, editions: dict[str, tuple[Site, Rendering]], record: Written) -> None:
    """`editions`: each edition's site and rendering; `record`: what `write.write_site` recorded
    of the files it left, hashes included."""
    hashes = {path: str(entry[0]) for path, entry in record.items()}  # the sha256, as written
    kept = {
        folder: EditionState(site, rendering.outputs, rendering.records, rendering.uses)
        for folder, (site, rendering) in editions.items()
    }
    state = State(key, kept, hashes)
    path = state_file(cache, out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as stream:  # streamed: no second copy of the site in memory
            pickle.dump(state, stream, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:
        pass
