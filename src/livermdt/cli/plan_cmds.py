"""``livermdt plan`` and ``livermdt phantom``: thin layers over ``livermdt.imaging.plan`` and
``livermdt.imaging.phantom`` (imaging-v1)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer

from livermdt.errors import ImagingInputError


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


def _label_specs(options: list[str], inputs: list[Path]) -> dict[Path, str]:
    """``PATH=SPEC`` pairs, each PATH one of the inputs (the same syntax as ``volumetry``)."""
    known = {p.resolve(): p for p in inputs}
    out: dict[Path, str] = {}
    for option in options:
        path_text, sep, spec = option.partition("=")
        if not sep or not path_text or not spec:
            raise ImagingInputError(f"--labels expects PATH=SPEC (got {option!r})")
        target = Path(path_text).resolve()
        if target not in known:
            raise ImagingInputError(
                f"--labels {option!r}: {path_text} is not one of the label maps given"
            )
        out[known[target]] = spec
    return out


def plan_command(
    labelmaps: list[Path] = typer.Argument(
        ..., help="Label maps with Couinaud segments and tumours (files or mask folders)."
    ),
    labels: list[str] = typer.Option(
        [], "--labels", help="PATH=SPEC: the label table of one input (as for volumetry)."
    ),
    case: Path | None = typer.Option(
        None, "--case", help="Case document (case-v1): TELV and the required sFLR (A1, A2)."
    ),
    margin_mm: float = typer.Option(1.0, "--margin-mm", help="Resection margin (mm)."),
    max_options: int = typer.Option(25, "--max-options", help="Options listed after ranking."),
    max_wedge_diameter_mm: float = typer.Option(
        50.0,
        "--max-wedge-diameter-mm",
        help="Largest tumour offered a wedge (planner setting; 0 = no limit).",
    ),
    no_ablation: bool = typer.Option(False, "--no-ablation", help="Do not offer ablation."),
    output_format: OutputFormat = typer.Option(
        OutputFormat.json, "--format", help="json (livermdt/plan/v1) or text."
    ),
) -> None:
    """Propose resections that clear every tumour and leave two contiguous segments."""
    from livermdt.imaging.io import read_labelmaps
    from livermdt.imaging.labelmap import LabelMap
    from livermdt.imaging.plan import plan, render_text

    specs = _label_specs(labels, labelmaps)
    maps: list[LabelMap] = []
    for path in labelmaps:
        maps.extend(read_labelmaps(path, specs.get(path)))
    the_case = None
    if case is not None:
        from livermdt.case import load_case

        the_case = load_case(case)
    result = plan(
        maps,
        margin_mm=margin_mm,
        case=the_case,
        max_options=max_options,
        max_wedge_diameter_mm=max_wedge_diameter_mm or None,
        allow_ablation=not no_ablation,
    )
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(render_text(result))


def _floats(text: str, n: int, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.replace("x", ",").split(","))
    except ValueError:
        values = ()
    if len(values) != n:
        raise ImagingInputError(f"{what} must be {n} numbers separated by commas (got {text!r})")
    return values


def _tumour(text: str) -> tuple[object, float]:
    """``SEG:RADIUS`` (a segment's anchor) or ``X,Y,Z:RADIUS`` (patient mm)."""
    where, sep, radius = text.partition(":")
    if not sep:
        raise ImagingInputError(f"--tumour expects SEG:RADIUS or X,Y,Z:RADIUS (got {text!r})")
    (r,) = _floats(radius, 1, "--tumour radius")
    if "," in where:
        return (_floats(where, 3, "--tumour centre"), r)
    try:
        return (int(where), r)
    except ValueError:
        raise ImagingInputError(f"--tumour segment must be 1..8 (got {where!r})") from None


def phantom_command(
    directory: Path = typer.Argument(..., help="Folder to write the phantom into."),
    shape: str = typer.Option("128,128,96", "--shape", help="Voxels along each axis."),
    spacing_mm: str = typer.Option("1.5,1.5,2.0", "--spacing-mm", help="Voxel spacing (mm)."),
    tumour: list[str] = typer.Option(
        [], "--tumour", help="SEG:RADIUS_MM or X,Y,Z:RADIUS_MM (patient mm). Repeatable."
    ),
    random_tumours: int = typer.Option(0, "--random-tumours", help="More tumours, at random."),
    seed: int = typer.Option(0, "--seed", help="Seed for the random tumours."),
    no_vessels: bool = typer.Option(False, "--no-vessels", help="Leave the vessels out."),
    stem: str = typer.Option("phantom", "--stem", help="File name prefix."),
) -> None:
    """Write an analytic liver phantom (segments, tumours, vessels) as NIfTI with label tables
    and its analytic truth, to validate an imaging pipeline."""
    from livermdt.imaging.phantom import make_phantom, save_nifti

    dims = _floats(shape, 3, "--shape")
    if any(d != int(d) for d in dims):
        raise ImagingInputError(f"--shape must be whole numbers (got {shape!r})")
    p = make_phantom(
        tuple(int(d) for d in dims),
        _floats(spacing_mm, 3, "--spacing-mm"),
        tumours=[_tumour(t) for t in tumour],  # type: ignore[misc]
        vessels=() if no_vessels else None,
        random_tumours=random_tumours,
        seed=seed,
    )
    for path in save_nifti(p, directory, stem=stem):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
    app.command(name="plan")(plan_command)
    app.command(name="phantom")(phantom_command)
