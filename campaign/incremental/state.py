"""What the last build of an output folder was made from, so the next one renders only what changed.

Kept in `.cache/` (safe to delete): the site model and the hash of every file written. A
rebuild compares the new model with the old one (`changes.changed_parts`) and renders only
the pages that show a changed part; every other file is left on disk as it is. The state is
trusted only when everything that is not in the model matches exactly (templates, options,
this code's version, the output folder) and the files on disk are the ones it recorded.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path

from campaign import __version__
from campaign.model.site import Site
from campaign.ship.write import Stored
from campaign.render.pages import Rendering
from campaign.render.templates import Theme

STATE_FORMAT = 1


@dataclass(frozen=True)
class State:
    key: str
    site: Site
    hashes: dict  # output path -> sha256 of the bytes written


def state_key(theme: Theme, out: Path, with_pdf: bool) -> str:
    digest = hashlib.sha256(repr((STATE_FORMAT, __version__, str(out.resolve()), with_pdf)).encode())
    for name, text in sorted(theme.templates.items()):
        digest.update(name.encode() + b"\0" + text.encode())
    for name, data in sorted(theme.static.items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def _name(out: Path) -> str:
    return hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]


def state_file(cache: Path, out: Path) -> Path:
    return cache / "state" / f"{_name(out)}.pickle"


def record_file(cache: Path, out: Path) -> Path:
    """Where the hash, size and date of every file written into `out` are kept."""
    return cache / "state" / f"{_name(out)}.written.json"


def load(cache: Path, out: Path, key: str, record: dict) -> State | None:
    """The previous build's state, or None when it cannot be trusted (then build everything)."""
    try:
        state = pickle.loads(state_file(cache, out).read_bytes())
    except Exception:  # missing, half-written or from another version: not an error
        return None
    if not isinstance(state, State) or state.key != key:
        return None
    if {path: entry[0] for path, entry in record.items()} != state.hashes:
        return None  # the output folder is not what that build left
    for path, (_, size, mtime) in record.items():
        try:
            stat = (out / path).stat()
        except OSError:
            return None
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
            return None  # someone changed a file by hand: render everything again
    return state


def save(cache: Path, out: Path, key: str, site: Site, record: dict) -> None:
    """`record`: what `output.write_site` recorded of the files it left, hashes included."""
    hashes = {path: entry[0] for path, entry in record.items()}
    path = state_file(cache, out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("wb") as stream:  # streamed: no second copy of the site in memory
            pickle.dump(State(key, site, hashes), stream, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)
    except OSError:
        pass


def previous_rendering(state: State) -> Rendering:
    """The last build's files, standing for themselves without being read back."""
    return Rendering({path: Stored(sha) for path, sha in state.hashes.items()}, frozenset())
