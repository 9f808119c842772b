"""Saving and loading model artifacts with skops (never pickle) plus a metadata JSON next to each.

``<name>.skops`` holds the fitted scikit-learn pipeline; ``<name>.json`` holds the metadata (scikit-learn
version, data sha256, feature config, training date, git sha, held-out scores, the use-in-pipeline
decision). Loading refuses an artifact made with another scikit-learn minor version, and only accepts the
types of scikit-learn, numpy, scipy, builtins and this package.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from pathlib import Path
from typing import Any

import sklearn

#: Where the shipped artifacts live.
ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts"

#: Module prefixes whose types an artifact may contain.
TRUSTED_PREFIXES: tuple[str, ...] = ("sklearn.", "numpy.", "scipy.", "builtins.", "infucode.models.",
                                     "collections.", "functools.")


class ModelLoadError(RuntimeError):
    """An artifact cannot be used (missing, other scikit-learn version, untrusted content)."""


class ModelVersionError(ModelLoadError):
    """The artifact was made with another scikit-learn minor version."""


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_artifact(
    model: Any, name: str, metadata: dict[str, Any], directory: str | Path | None = None
) -> Path:
    """Write ``<name>.skops`` and ``<name>.json``; return the ``.skops`` path.

    The metadata gets ``name``, ``sklearn_version``, ``skops_version``, ``python_version`` and
    ``artifact_sha256`` added.
    """
    import skops
    import skops.io as sio

    d = Path(directory) if directory is not None else ARTIFACT_DIR
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{name}.skops"
    sio.dump(model, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    meta = dict(metadata)
    meta.update(
        {
            "name": name,
            "sklearn_version": sklearn.__version__,
            "skops_version": skops.__version__,
            "python_version": platform.python_version(),
            "artifact_sha256": _sha256(path),
        }
    )
    (d / f"{name}.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_metadata(name: str, directory: str | Path | None = None) -> dict[str, Any]:
    """Return the metadata of an artifact.

    Raises
    ------
    ModelLoadError
        When the metadata file is missing or not JSON.
    """
    d = Path(directory) if directory is not None else ARTIFACT_DIR
    p = d / f"{name}.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"model artifact {name!r}: metadata {p.name} not found in {d}") from None
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"model artifact {name!r}: metadata is not valid JSON ({exc.msg})") from None


def check_version(meta: dict[str, Any], current: str | None = None) -> None:
    """Raise :class:`ModelVersionError` unless the artifact's scikit-learn minor version is ``current``'s."""
    cur = current or sklearn.__version__
    saved = str(meta.get("sklearn_version", "unknown"))
    if _minor(saved) != _minor(cur):
        raise ModelVersionError(
            f"model artifact {meta.get('name')!r} was trained with scikit-learn {saved}, but scikit-learn "
            f"{cur} is installed; minor versions must match. Retrain with `infucode train` (or install "
            f"scikit-learn {'.'.join(_minor(saved))}.x)."
        )


def load_artifact(name: str, directory: str | Path | None = None) -> tuple[Any, dict[str, Any]]:
    """Load ``<name>.skops`` after checking its metadata; return ``(model, metadata)``.

    Raises
    ------
    ModelVersionError
        On a scikit-learn minor-version mismatch.
    ModelLoadError
        When the files are missing, the checksum differs, or the artifact holds untrusted types.
    """
    import skops.io as sio

    d = Path(directory) if directory is not None else ARTIFACT_DIR
    meta = read_metadata(name, d)
    check_version(meta)
    path = d / f"{name}.skops"
    if not path.exists():
        raise ModelLoadError(f"model artifact {name!r}: {path.name} not found in {d}")
    if meta.get("artifact_sha256") and _sha256(path) != meta["artifact_sha256"]:
        raise ModelLoadError(f"model artifact {name!r}: checksum differs from its metadata")
    untrusted = sio.get_untrusted_types(file=path)
    bad = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if bad:
        raise ModelLoadError(f"model artifact {name!r} contains untrusted types: {sorted(bad)}")
    return sio.load(path, trusted=untrusted), meta
