"""Which editions a command means and where each one's files go: all the up-to-date check needs, kept apart from
the build so that a build with nothing to do never imports the pipeline."""
from __future__ import annotations

from pathlib import Path

from ..infra.errors import BookError
from ..load.config import BookConfig
from ..load.editions import Edition


def select_editions(config: BookConfig, names: list[str]) -> list[Edition]:
    """The editions asked for (all when none are named); an unknown name is an error listing the known ones."""
    known = {e.name: e for e in config.editions}
    for name in names:
        if name not in known:
            raise BookError("book.yaml", None, f"unknown edition '{name}'", f"editions are: {', '.join(known)}")
    return [known[n] for n in names] if names else list(config.editions)


def output_path(out: Path, config: BookConfig, edition: Edition) -> Path:
    return out / f"{config.slug}-{edition.name}.{edition.extension}"


def clinic_output_path(out: Path, config: BookConfig, edition: Edition, clinic_id: str) -> Path:
    return out / f"{config.slug}-{edition.name}-{clinic_id}.{edition.extension}"


def edition_outputs(out: Path, config: BookConfig, edition: Edition) -> list[Path]:
    """The files an edition writes: one, or with a clinic list (its own or its source's) one per clinic."""
    source = next((e for e in config.editions if e.name == edition.source), None)
    clinics = edition.clinics or (source.clinics if source is not None else ())
    if clinics:
        return [clinic_output_path(out, config, edition, clinic.id) for clinic in clinics]
    return [output_path(out, config, edition)]
