"""Readers: NIfTI, NRRD / 3D Slicer ``.seg.nrrd``, DICOM SEG and a folder of binary masks.

The I/O libraries (nibabel, pynrrd, highdicom/pydicom) are imported inside the reader that needs
them, so the rest of ``livermdt.imaging`` works on arrays alone. Every reader returns
``LabelMap`` objects whose affine maps voxel indices to patient millimetres in RAS+ (nibabel's
convention); NRRD and DICOM are LPS and are converted.

Where the label names come from, first match wins (imaging-v1):

1. ``labels=`` (``--labels PATH=SPEC`` on the command line): a built-in convention name or a
   JSON label table;
2. a sidecar ``NAME.labels.json`` next to the file (``seg.nii.gz`` -> ``seg.labels.json``);
3. the file's own names: ``.seg.nrrd`` segment names, DICOM SEG segment labels;
4. for a folder of masks, each file's name (``liver.nii.gz`` is the liver).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from livermdt.errors import ImagingInputError, MissingExtraError
from livermdt.imaging.conventions import (
    BUILTIN_CONVENTIONS,
    canonical_labels,
    canonical_name,
    resolve_label_spec,
)
from livermdt.imaging.labelmap import FloatArray, LabelMap, describe_geometry

__all__ = ["LabelSpec", "read_labelmap", "read_labelmaps", "sidecar_path"]

#: A label table, or where to find one (a built-in convention name or a JSON file path).
LabelSpec = str | Path | Mapping[int, str]

_NIFTI_SUFFIXES = (".nii.gz", ".nii")
_NRRD_SUFFIXES = (".seg.nrrd", ".nrrd", ".nhdr")
_LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])

_HOW_TO_NAME = (
    "give its labels with --labels PATH=SPEC (SPEC: "
    + " | ".join(BUILTIN_CONVENTIONS)
    + " | a JSON table file), or a sidecar NAME.labels.json next to it, or use a format that "
    "names its segments (.seg.nrrd, DICOM SEG) or a folder of masks named by structure"
)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (*_NIFTI_SUFFIXES, *_NRRD_SUFFIXES, ".dcm"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def sidecar_path(path: Path) -> Path | None:
    """The sidecar label table of ``path``, if there is one."""
    for candidate in (
        path.with_name(f"{_stem(path)}.labels.json"),
        path.with_name(f"{path.name}.labels.json"),
    ):
        if candidate.is_file():
            return candidate
    return None


def _table_from(spec: LabelSpec) -> dict[int, str]:
    if isinstance(spec, Mapping):
        return {int(k): str(v) for k, v in spec.items()}
    return resolve_label_spec(str(spec))


# ---------------------------------------------------------------------------------------------
def _as_labels(array: npt.NDArray[Any], source: str) -> npt.NDArray[np.integer[Any]]:
    """Integer labels from whatever the file stored; refuse what is not a label map."""
    arr = np.asarray(array)
    if arr.dtype == np.bool_:
        return arr.view(np.uint8)
    if np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.signedinteger) and arr.size and int(arr.min()) < 0:
            raise ImagingInputError(
                f"{source}: not a label map: negative values (got {int(arr.min())})"
            )
        return arr
    if not np.issubdtype(arr.dtype, np.floating):
        raise ImagingInputError(f"{source}: not a label map: values are {arr.dtype}")
    # Some tools store masks as floats; accept them only when every value is a whole number.
    if not np.all(np.isfinite(arr)):
        raise ImagingInputError(f"{source}: not a label map: non-finite values (NaN or inf)")
    fractional = arr != np.round(arr)
    if fractional.any():
        example = float(arr[fractional].flat[0])
        raise ImagingInputError(
            f"{source}: not a label map: non-integer values (e.g. {example:g}); "
            "is this the image rather than its segmentation?"
        )
    lo, hi = float(arr.min()), float(arr.max())
    if lo < 0:
        raise ImagingInputError(f"{source}: not a label map: negative values (got {lo:g})")
    dtype = np.uint8 if hi <= 255 else np.uint16 if hi <= 65535 else np.uint32
    return arr.astype(dtype)


def _present_values(arr: npt.NDArray[np.integer[Any]]) -> list[int]:
    if arr.size == 0:
        return []
    hi = int(arr.max())
    if hi > 65535:
        return [int(v) for v in np.unique(arr) if v]
    counts = np.zeros(hi + 1, dtype=np.int64)
    flat = np.ravel(arr, order="K")
    step = 1 << 22  # bounded temporaries: bincount widens its input to 64-bit integers
    for s in range(0, flat.size, step):
        counts += np.bincount(flat[s : s + step], minlength=hi + 1)
    return [int(v) for v in np.flatnonzero(counts) if v]


def _labelmap(
    array: npt.NDArray[Any],
    affine: FloatArray,
    table: Mapping[int, str],
    source: str,
    table_source: str,
) -> LabelMap:
    labels_arr = _as_labels(array, source)
    if labels_arr.ndim != 3:
        raise ImagingInputError(
            f"{source}: a label map must be 3-D (got shape {tuple(labels_arr.shape)})"
        )
    present = _present_values(labels_arr)
    stray = [v for v in present if v not in table]
    if stray:
        shown = ", ".join(str(v) for v in stray[:10]) + (" ..." if len(stray) > 10 else "")
        raise ImagingInputError(
            f"{source}: label values {shown} are not in its label table ({table_source}): "
            "wrong label convention?"
        )
    labels = canonical_labels(table)
    if not any(v in labels for v in present):
        names = ", ".join(sorted({table[v] for v in present})) or "only background"
        raise ImagingInputError(
            f"{source}: no structure livermdt uses (liver, segments, tumour, vessels) is labelled "
            f"(found: {names})"
        )
    return LabelMap(
        array=labels_arr,
        affine=affine,
        labels={v: n for v, n in labels.items() if v in present},
        source=source,
    )


def _split_masks(
    masks: Sequence[tuple[str, npt.NDArray[np.bool_]]], affine: FloatArray, source: str
) -> list[LabelMap]:
    """Binary masks -> as few label maps as possible: one when no two masks overlap, else one
    per mask (overlap is legitimate: a tumour mask inside a liver mask)."""
    named = [(canonical_name(n), n, m) for n, m in masks]
    used = [(c, n, m) for c, n, m in named if c is not None and m.any()]
    if not used:
        names = ", ".join(n for _, n, _ in named) or "none"
        raise ImagingInputError(
            f"{source}: no structure livermdt uses among its masks (found: {names})"
        )
    total = np.zeros(used[0][2].shape, dtype=np.uint8)
    overlap = False
    for _, _, m in used:
        if (total[m] != 0).any():
            overlap = True
            break
        total[m] = 1
    if not overlap:
        arr = np.zeros(used[0][2].shape, dtype=np.uint8 if len(used) < 255 else np.uint16)
        labels: dict[int, str] = {}
        for value, (canon, _, m) in enumerate(used, start=1):
            arr[m] = value
            labels[value] = canon
        return [LabelMap(array=arr, affine=affine, labels=labels, source=source)]
    return [
        LabelMap(
            array=m.view(np.uint8), affine=affine, labels={1: canon}, source=f"{source} ({name})"
        )
        for canon, name, m in used
    ]


# ---------------------------------------------------------------------------------------------
def _read_error(path: Path, kind: str, ex: BaseException) -> ImagingInputError:
    detail = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
    return ImagingInputError(f"{path}: cannot read {kind} file (truncated or corrupt?): {detail}")


def _read_nifti(path: Path) -> tuple[npt.NDArray[Any], FloatArray]:
    try:
        import nibabel as nib
    except ImportError:  # pragma: no cover - the imaging extra is installed in development
        raise MissingExtraError("imaging", "nibabel") from None
    try:
        img: Any = nib.load(str(path))
        data = np.asanyarray(img.dataobj)
        affine = np.asarray(img.affine, dtype=np.float64)
    except (OSError, EOFError, ValueError, zlib.error, gzip.BadGzipFile) as ex:
        raise _read_error(path, "NIfTI", ex) from None
    except Exception as ex:  # nibabel's ImageFileError and friends
        raise _read_error(path, "NIfTI", ex) from None
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    return data, affine


def _nrrd_affine(header: Mapping[str, Any], spatial_axes: Sequence[int], path: Path) -> FloatArray:
    directions = np.asarray(header.get("space directions"), dtype=np.float64)
    space = str(header.get("space", "")).lower()
    if directions.ndim != 2 or directions.shape[1] != 3:
        raise ImagingInputError(f"{path}: NRRD header has no 3-D 'space directions'")
    dirs = directions[list(spatial_axes)]
    if not np.all(np.isfinite(dirs)):
        raise ImagingInputError(f"{path}: NRRD 'space directions' are not finite")
    origin = np.asarray(header.get("space origin", np.zeros(3)), dtype=np.float64)
    affine = np.eye(4)
    affine[:3, :3] = dirs.T  # row i of 'space directions' is the step along axis i
    affine[:3, 3] = origin
    if space in {"left-posterior-superior", "lps"}:
        affine = _LPS_TO_RAS @ affine
    elif space not in {"right-anterior-superior", "ras"}:
        raise ImagingInputError(
            f"{path}: NRRD space {header.get('space')!r} is not supported "
            "(left-posterior-superior or right-anterior-superior)"
        )
    return affine


def _seg_nrrd_segments(header: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(name, label value, layer) of each segment of a 3D Slicer ``.seg.nrrd`` header."""
    out: list[tuple[str, int, int]] = []
    i = 0
    while f"Segment{i}_Name" in header:
        name = str(header[f"Segment{i}_Name"])
        value = int(header.get(f"Segment{i}_LabelValue", i + 1))
        layer = int(header.get(f"Segment{i}_Layer", 0))
        out.append((name, value, layer))
        i += 1
    return out


def _read_nrrd(path: Path, table: Mapping[int, str] | None, table_source: str) -> list[LabelMap]:
    try:
        import nrrd
    except ImportError:  # pragma: no cover
        raise MissingExtraError("imaging", "pynrrd") from None
    try:
        data, header = nrrd.read(str(path))
    except Exception as ex:  # pynrrd raises NRRDError, ValueError, zlib/EOF errors
        raise _read_error(path, "NRRD", ex) from None
    kinds = [str(k).lower() for k in header.get("kinds", ["domain"] * data.ndim)]
    spatial = [i for i, k in enumerate(kinds) if k in {"domain", "space"}]
    if len(spatial) != 3:
        raise ImagingInputError(f"{path}: NRRD must have 3 spatial axes (kinds: {kinds})")
    affine = _nrrd_affine(header, spatial, path)
    segments = _seg_nrrd_segments(header)
    source = str(path)
    if table is not None or not segments:
        if table is None:
            raise ImagingInputError(f"{path}: the label names are unknown: {_HOW_TO_NAME}")
        if data.ndim != 3:
            raise ImagingInputError(f"{path}: a label map must be 3-D (got shape {data.shape})")
        return [_labelmap(data, affine, table, source, table_source)]
    # A .seg.nrrd: names from the header; several layers when segments overlap.
    if data.ndim == 3:
        layers = {0: data}
    else:
        layer_axis = next(i for i in range(data.ndim) if i not in spatial)
        layers = {k: np.take(data, k, axis=layer_axis) for k in range(data.shape[layer_axis])}
    maps: list[LabelMap] = []
    for layer, arr in sorted(layers.items()):
        layer_table = {v: n for n, v, lay in segments if lay == layer}
        if not layer_table:
            continue
        maps.append(
            _labelmap(
                arr,
                affine,
                layer_table,
                source if len(layers) == 1 else f"{source} (layer {layer})",
                "its .seg.nrrd header",
            )
        )
    return maps


def _is_dicom(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    return len(head) == 132 and head[128:132] == b"DICM"


def _read_dicom_seg(path: Path) -> list[LabelMap]:
    try:
        import highdicom as hd
    except ImportError:  # pragma: no cover
        raise MissingExtraError("imaging", "highdicom") from None
    try:
        seg: Any = hd.seg.segread(str(path))
    except Exception as ex:  # pydicom InvalidDicomError, highdicom ValueError ...
        raise _read_error(path, "DICOM SEG", ex) from None
    try:
        volume: Any = seg.get_volume(combine_segments=False)
    except Exception as ex:
        raise ImagingInputError(
            f"{path}: DICOM SEG frames do not form one regular volume ({ex})"
        ) from None
    numbers = [int(s.SegmentNumber) for s in seg.SegmentSequence]
    names = {int(s.SegmentNumber): str(s.SegmentLabel) for s in seg.SegmentSequence}
    array = np.asarray(volume.array)
    affine = _LPS_TO_RAS @ np.asarray(volume.affine, dtype=np.float64)
    if array.ndim == 3:
        array = array[..., None]
    if array.shape[-1] != len(numbers):
        raise ImagingInputError(
            f"{path}: DICOM SEG has {len(numbers)} segments but {array.shape[-1]} channels"
        )
    # FRACTIONAL segmentations come back rescaled to 0..1: a voxel is inside from one half.
    inside = 0.5 if np.issubdtype(array.dtype, np.floating) else 0
    masks = [
        (names[n], array[..., i] >= inside if inside else array[..., i] > 0)
        for i, n in enumerate(numbers)
    ]
    return _split_masks(masks, affine, str(path))


def _read_mask_folder(path: Path) -> list[LabelMap]:
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and p.name.lower().endswith((*_NIFTI_SUFFIXES, ".nrrd"))
    )
    if not files:
        raise ImagingInputError(f"{path}: the folder holds no .nii, .nii.gz or .nrrd mask")
    masks: list[tuple[str, npt.NDArray[np.bool_]]] = []
    affine: FloatArray | None = None
    first: Path | None = None
    for f in files:
        if canonical_name(_stem(f)) is None:
            continue  # spleen, gallbladder ...: structures livermdt does not use
        if f.name.lower().endswith(_NIFTI_SUFFIXES):
            data, aff = _read_nifti(f)
        else:
            import nrrd

            try:
                data, header = nrrd.read(str(f))
            except Exception as ex:
                raise _read_error(f, "NRRD", ex) from None
            aff = _nrrd_affine(header, [0, 1, 2], f)
        arr = _as_labels(data, str(f))
        if arr.ndim != 3:
            raise ImagingInputError(f"{f}: a mask must be 3-D (got shape {arr.shape})")
        if affine is None or first is None:
            affine, first = aff, f
        else:
            same = masks[0][1].shape == arr.shape and np.allclose(affine, aff, rtol=0, atol=1e-3)
            if not same:
                raise ImagingInputError(
                    f"masks on different grids in {path}: {first.name} has "
                    f"{describe_geometry(masks[0][1].shape, affine)}; {f.name} has "
                    f"{describe_geometry(arr.shape, aff)}"
                )
        masks.append((_stem(f), arr != 0))
    if affine is None:
        names = ", ".join(_stem(f) for f in files)
        raise ImagingInputError(
            f"{path}: no mask of a structure livermdt uses (liver, liver_segment_N, "
            f"liver_tumour, portal_vein, hepatic_vein, inferior_vena_cava; found: {names})"
        )
    return _split_masks(masks, affine, str(path))


# ---------------------------------------------------------------------------------------------
def read_labelmaps(path: str | Path, labels: LabelSpec | None = None) -> list[LabelMap]:
    """Read a label map file or a folder of masks into one or more ``LabelMap`` (more than one
    when its segments overlap: layers of a ``.seg.nrrd``, overlapping DICOM SEG segments or
    masks)."""
    p = Path(path)
    if not p.exists():
        raise ImagingInputError(f"{p}: no such file or folder")
    table: dict[int, str] | None = None
    table_source = ""
    if labels is not None:
        table = _table_from(labels)
        table_source = str(labels) if not isinstance(labels, Mapping) else "the given table"
    elif p.is_file() and (side := sidecar_path(p)) is not None:
        table = resolve_label_spec(str(side))
        table_source = str(side)
    if p.is_dir():
        if table is not None:
            raise ImagingInputError(
                f"{p}: a folder of masks is named by its file names; --labels does not apply"
            )
        return _read_mask_folder(p)
    name = p.name.lower()
    if name.endswith(_NRRD_SUFFIXES):
        return _read_nrrd(p, table, table_source)
    if name.endswith(_NIFTI_SUFFIXES):
        if table is None:
            raise ImagingInputError(f"{p}: the label names are unknown: {_HOW_TO_NAME}")
        data, affine = _read_nifti(p)
        return [_labelmap(data, affine, table, str(p), table_source)]
    if name.endswith(".dcm") or _is_dicom(p):
        return _read_dicom_seg(p)
    raise ImagingInputError(
        f"{p}: unknown label map format (NIfTI .nii/.nii.gz, NRRD .nrrd/.seg.nrrd, "
        "DICOM SEG, or a folder of masks)"
    )


def read_labelmap(path: str | Path, labels: LabelSpec | None = None) -> LabelMap:
    """Read one label map; an input that needs several (overlapping segments) is an error
    pointing to ``read_labelmaps``."""
    maps = read_labelmaps(path, labels)
    if len(maps) != 1:
        raise ImagingInputError(
            f"{path}: holds {len(maps)} overlapping label maps; use read_labelmaps"
        )
    return maps[0]
