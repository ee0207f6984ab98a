"""The cohort report: the tables and survival analyses a liver unit publishes, as files.

``cohort_report(frame, out_dir)`` writes into ``out_dir``:

- ``descriptive.csv``: timing, resectability at presentation, pre-operative chemotherapy, PVE,
  pathological response, R0 rate, complications, and the patient characteristics;
- ``survival_medians.csv``: per endpoint (OS, DFS), overall and per stratum: n, events, median
  (months) with its 95% CI;
- ``logrank.csv``, ``cox.csv``, ``c_index.csv``;
- ``km_<endpoint>_<stratification>.png`` and ``.svg``: Kaplan–Meier curves with numbers at risk;
- ``report.html``: everything above in one self-contained page (figures inlined), with the
  decision-support notice;
- ``summary.json``: the numbers of the report for machines (see ``docs/registry.md``).

All survival statistics come from lifelines (``livermdt.analytics.survival``). A stratification
is reported only when at least two of its groups have patients; otherwise ``summary.json`` says
why it was left out. Warnings of the fitting libraries (e.g. a Cox model that converges poorly)
are caught and written into the report, not lost.
"""

from __future__ import annotations

import base64
import html
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livermdt.about import DISCLAIMER, __version__
from livermdt.analytics._lazy import require
from livermdt.analytics.survival import (
    CoxTerm,
    KMSummary,
    c_index,
    cox,
    kaplan_meier,
    logrank,
)
from livermdt.analytics.tcia import ATTRIBUTION
from livermdt.analytics.tcia import SOURCE as TCIA_SOURCE


@dataclass(frozen=True)
class Endpoint:
    key: str
    time: str
    event: str
    title: str


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("os", "os_months", "os_event", "Overall survival"),
    Endpoint("dfs", "dfs_months", "dfs_event", "Disease-free survival"),
)


@dataclass(frozen=True)
class Stratification:
    key: str
    column: str
    title: str
    order: tuple[str, ...]


STRATIFICATIONS: tuple[Stratification, ...] = (
    Stratification(
        "fong_recorded",
        "fong_group_recorded",
        "Fong clinical risk score as recorded by the registry",
        ("low (0-2)", "high (3-5)"),
    ),
    Stratification(
        "fong_computed",
        "fong_group",
        "Fong clinical risk score computed by livermdt",
        ("low (0-2)", "high (3-5)"),
    ),
    Stratification(
        "game",
        "game_group",
        "GAME score groups (computed)",
        ("low (0-1)", "medium (2-3)", "high (4-7)"),
    ),
    Stratification(
        "tbs",
        "tbs_zone",
        "Tumour burden score zones (computed)",
        ("low (<3)", "medium (3-9)", "high (>=9)"),
    ),
    Stratification("ras", "ras", "RAS status (known only)", ("wild_type", "mutated")),
)

#: Scores whose concordance index and Cox hazard ratio (per point) are reported.
SCORES: tuple[tuple[str, str], ...] = (
    ("fong_crs_recorded", "Fong CRS, recorded"),
    ("fong_crs", "Fong CRS, computed"),
    ("tumour_burden_score", "Tumour burden score"),
    ("game", "GAME score"),
    ("m_cs", "m-CS"),
    ("oslo_score", "Oslo score"),
)

#: Fewer patients than this with a score known: no C-index / Cox for that score.
MIN_PATIENTS = 10


def _fmt(x: float | None, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NR"
    return f"{x:.{digits}f}"


def _median_text(km: KMSummary) -> str:
    return f"{_fmt(km.median_months)} ({_fmt(km.median_ci_lower)}–{_fmt(km.median_ci_upper)})"


class _Notes:
    """Warnings raised while fitting, kept for the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def run(self, what: str, fn: Any, *args: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*args)
            except Exception as ex:  # lifelines raises ConvergenceError and friends
                self.lines.append(f"{what}: not computed ({type(ex).__name__}: {ex})")
                return None
        for w in caught:
            self.lines.append(f"{what}: {w.category.__name__}: {str(w.message).splitlines()[0]}")
        return result


def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no inf or NaN; in this
    report a missing number means "not reached" or "not estimable", as the notes say)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _estimable(terms: list[CoxTerm] | None, what: str, notes: _Notes) -> list[CoxTerm] | None:
    """The terms, or None with a note when a hazard ratio or its CI is not finite (a group
    without events, complete separation): such a model is reported as not estimable."""
    if not terms:
        return None
    for t in terms:
        if not all(math.isfinite(v) for v in (t.hazard_ratio, t.ci_lower, t.ci_upper, t.p_value)):
            notes.lines.append(
                f"{what}: not estimable ({t.covariate}: infinite hazard ratio or CI)"
            )
            return None
    return terms


# ---------------------------------------------------------------------------------------------
# descriptive table


def descriptive_rows(frame: Any) -> list[dict[str, Any]]:
    """Rows of the descriptive table: characteristic, level, n, of (patients with the value
    known), percent (of known), missing, and a text summary."""
    rows: list[dict[str, Any]] = []
    total = len(frame)
    rows.append(
        {
            "characteristic": "patients",
            "level": "",
            "n": total,
            "of": total,
            "percent": 100.0 if total else None,
            "missing": 0,
            "summary": str(total),
        }
    )

    def categorical(col: str, label: str, levels: Sequence[Any] | None = None) -> None:
        s = frame[col]
        known = s[s.notna()]
        values = list(levels) if levels is not None else sorted(known.unique(), key=str)
        for level in values:
            n = int((known == level).sum())
            pct = 100.0 * n / len(known) if len(known) else None
            rows.append(
                {
                    "characteristic": label,
                    "level": str(level).lower(),
                    "n": n,
                    "of": len(known),
                    "percent": pct,
                    "missing": int(s.isna().sum()),
                    "summary": f"{n}/{len(known)} ({_fmt(pct)}%)" if len(known) else "no data",
                }
            )

    def continuous(col: str, label: str) -> None:
        s = frame[col].dropna().astype(float)
        missing = total - len(s)
        if len(s):
            q1, med, q3 = (float(s.quantile(q)) for q in (0.25, 0.5, 0.75))
            text = f"median {med:.3g} (IQR {q1:.3g}–{q3:.3g})"
        else:
            med, text = float("nan"), "no data"
        rows.append(
            {
                "characteristic": label,
                "level": "median",
                "n": len(s),
                "of": len(s),
                "percent": None,
                "missing": missing,
                "summary": text,
            }
        )

    continuous("age_years", "age (years)")
    categorical("sex", "sex", ["female", "male"])
    categorical("timing", "timing of liver metastases", ["synchronous", "metachronous"])
    categorical("primary_in_situ", "primary in situ at the liver operation", [True])
    categorical(
        "resectability_at_presentation",
        "resectability at presentation",
        ["resectable", "potentially_resectable", "unresectable"],
    )
    categorical("resected", "liver resection", [True])
    categorical(
        "converted",
        "converted to resection (not resectable at presentation)",
        [True],
    )
    categorical("preop_chemotherapy", "pre-operative chemotherapy", [True])
    categorical("pve", "portal vein embolisation", [True])
    categorical("node_positive", "node-positive primary", [True])
    categorical("multiple_metastases", "more than one liver metastasis", [True])
    categorical("bilobar", "bilobar metastases", [True])
    categorical("extrahepatic_disease", "extrahepatic disease", [True])
    continuous("largest_diameter_mm", "largest metastasis (mm)")
    continuous("cea_ng_ml", "CEA (ng/mL)")
    continuous("pathological_response_fraction", "pathological response (fraction)")
    categorical("r0", "R0 resection", [True])
    categorical("major_hepatectomy", "major hepatectomy (>= 3 segments)", [True])
    categorical("major_complication", "major complication (Clavien-Dindo >= IIIa)", [True])
    categorical("fong_group_recorded", "Fong score recorded (group)", ["low (0-2)", "high (3-5)"])
    categorical("fong_group", "Fong score computed (group)", ["low (0-2)", "high (3-5)"])
    categorical("os_event", "deaths", [True])
    categorical("recurrence", "recurrences", [True])
    return rows


def fong_agreement(frame: Any) -> dict[str, Any] | None:
    """How livermdt's Fong score compares with the one the registry recorded, on the patients
    with both: exact agreement, within one point, same high/low group, and the cross-table
    (``"computed/recorded": count``)."""
    both = frame[frame["fong_crs"].notna() & frame["fong_crs_recorded"].notna()]
    if not len(both):
        return None
    computed = both["fong_crs"].astype(int)
    recorded = both["fong_crs_recorded"].astype(int)
    n = len(both)
    table: dict[str, int] = {}
    for c, r in zip(computed, recorded, strict=True):
        key = f"{c}/{r}"
        table[key] = table.get(key, 0) + 1
    return {
        "n": n,
        "exact": int((computed == recorded).sum()),
        "within_one_point": int(((computed - recorded).abs() <= 1).sum()),
        "same_group": int(((computed >= 3) == (recorded >= 3)).sum()),
        "computed_lower": int((computed < recorded).sum()),
        "computed_higher": int((computed > recorded).sum()),
        "table_computed_recorded": dict(sorted(table.items())),
    }


# ---------------------------------------------------------------------------------------------
# figures


@dataclass(frozen=True)
class Figure:
    """A Kaplan–Meier figure to draw: file stem (``km_os_overall``), caption, curves."""

    stem: str
    caption: str
    title: str
    endpoint: Endpoint
    kms: tuple[KMSummary, ...]


def draw(figure: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG or SVG bytes: curves with 95% bands, censoring ticks, and the numbers
    at risk under the axis (lifelines ``add_at_risk_counts``)."""
    import io

    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot")
    plotting = require("lifelines.plotting")
    # SVG text stays text (searchable, readable by screen readers), not glyph outlines
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(8, 5.5))
        try:
            for km in figure.kms:
                km.fitter.plot_survival_function(
                    ax=ax, ci_show=True, show_censors=True, censor_styles={"ms": 4, "marker": "|"}
                )
            ax.set_title(figure.title)
            ax.set_xlabel("months")
            ax.set_ylabel(f"{figure.endpoint.title} probability")
            ax.set_ylim(0, 1.02)
            with warnings.catch_warnings():
                # lifelines' at-risk table calls tight_layout on a figure it did not lay out
                warnings.simplefilter("ignore", UserWarning)
                plotting.add_at_risk_counts(
                    *(km.fitter for km in figure.kms), ax=ax, rows_to_show=["At risk"]
                )
                fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=110)
            return buf.getvalue()
        finally:
            plt.close(fig)


# ---------------------------------------------------------------------------------------------
# the report


def _write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})


def _km_for(sub: Any, endpoint: Endpoint, label: str) -> KMSummary:
    return kaplan_meier(
        sub[endpoint.time].astype(float).tolist(), sub[endpoint.event].astype(bool).tolist(), label
    )


@dataclass
class Analysis:
    """Everything the report shows, before it is written anywhere."""

    summary: dict[str, Any]
    descriptive: list[dict[str, Any]]
    medians: list[dict[str, Any]]
    logranks: list[dict[str, Any]]
    coxes: list[dict[str, Any]]
    cindices: list[dict[str, Any]]
    figures: list[Figure]

    def figure(self, stem: str) -> Figure | None:
        return next((f for f in self.figures if f.stem == stem), None)


def analyse(
    frame: Any, title: str = "livermdt cohort report", filters: Sequence[str] = ()
) -> Analysis:
    """Compute the report's tables, statistics and figures (not drawn) for ``frame``."""
    notes = _Notes()
    summary: dict[str, Any] = {
        "schema": "livermdt/cohort-summary/v1",
        "generated_by": f"livermdt {__version__}",
        "disclaimer": DISCLAIMER,
        "title": title,
        "filters": list(filters),
        "n_patients": len(frame),
        "sources": {str(k): int(v) for k, v in frame["source"].value_counts().items()}
        if len(frame)
        else {},
        "time_unit": "months",
        "endpoints": {},
        "c_index": {},
        "cox": {},
    }
    if TCIA_SOURCE in summary["sources"]:
        summary["attribution"] = ATTRIBUTION

    desc = descriptive_rows(frame)

    median_rows: list[dict[str, Any]] = []
    logrank_rows: list[dict[str, Any]] = []
    cox_rows: list[dict[str, Any]] = []
    cindex_rows: list[dict[str, Any]] = []
    figures: list[Figure] = []

    for ep in ENDPOINTS:
        data = frame[frame[ep.time].notna() & frame[ep.event].notna()]
        ep_summary: dict[str, Any] = {
            "title": ep.title,
            "excluded_missing": len(frame) - len(data),
            "stratifications": {},
        }
        summary["endpoints"][ep.key] = ep_summary
        if len(data) == 0:
            ep_summary["overall"] = None
            notes.lines.append(f"{ep.title}: no patient has this endpoint recorded")
            continue
        overall = _km_for(data, ep, "all patients")
        ep_summary["overall"] = overall.to_json()
        median_rows.append(
            {
                "endpoint": ep.key,
                "stratification": "overall",
                "group": "all",
                "n": overall.n,
                "events": overall.events,
                "median_months": overall.median_months,
                "ci_lower": overall.median_ci_lower,
                "ci_upper": overall.median_ci_upper,
            }
        )
        figures.append(
            Figure(
                f"km_{ep.key}_overall",
                f"{ep.title}, all patients",
                f"{ep.title}, all patients (n={overall.n})",
                ep,
                (overall,),
            )
        )

        for st in STRATIFICATIONS:
            col = data[st.column]
            sub = data[col.notna() & col.isin(st.order)]
            groups = [g for g in st.order if (sub[st.column] == g).any()]
            entry: dict[str, Any] = {
                "title": st.title,
                "column": st.column,
                "excluded_missing": len(data) - len(sub),
            }
            ep_summary["stratifications"][st.key] = entry
            if len(groups) < 2:
                entry["reported"] = False
                entry["reason"] = (
                    f"fewer than two groups with data ({len(sub)} patients with a value)"
                )
                continue
            entry["reported"] = True
            kms = [_km_for(sub[sub[st.column] == g], ep, g) for g in groups]
            entry["groups"] = {km.label: km.to_json() for km in kms}
            for km in kms:
                median_rows.append(
                    {
                        "endpoint": ep.key,
                        "stratification": st.key,
                        "group": km.label,
                        "n": km.n,
                        "events": km.events,
                        "median_months": km.median_months,
                        "ci_lower": km.median_ci_lower,
                        "ci_upper": km.median_ci_upper,
                    }
                )
            lr = notes.run(
                f"log-rank {ep.key} {st.key}",
                logrank,
                sub[ep.time].astype(float).tolist(),
                sub[ep.event].astype(bool).tolist(),
                sub[st.column].astype(str).tolist(),
            )
            entry["logrank"] = lr.to_json() if lr is not None else None
            if lr is not None:
                logrank_rows.append(
                    {
                        "endpoint": ep.key,
                        "stratification": st.key,
                        "groups": len(groups),
                        "n": len(sub),
                        "chi2": lr.statistic,
                        "df": lr.degrees_of_freedom,
                        "p": lr.p_value,
                    }
                )
            # hazard ratio of each group against the first (the lowest-risk) group
            reference = groups[0]
            indicators = {
                f"{g} vs {reference}": (sub[st.column] == g).astype(float).tolist()
                for g in groups[1:]
            }
            terms = notes.run(
                f"Cox {ep.key} {st.key}",
                cox,
                sub[ep.time].astype(float).tolist(),
                sub[ep.event].astype(bool).tolist(),
                indicators,
            )
            terms = _estimable(terms, f"Cox {ep.key} {st.key}", notes)
            entry["cox"] = [t.to_json() for t in terms] if terms else None
            for term in terms or []:
                cox_rows.append(
                    {
                        "endpoint": ep.key,
                        "covariate": f"{st.key}: {term.covariate}",
                        "label": f"{st.title}: {term.covariate}",
                        "unit": "group",
                        "n": term.n,
                        "events": term.events,
                        "hazard_ratio": term.hazard_ratio,
                        "ci_lower": term.ci_lower,
                        "ci_upper": term.ci_upper,
                        "p": term.p_value,
                    }
                )
            p_text = f", log-rank p={lr.p_value:.3g}" if lr is not None else ""
            by = f"{ep.title} — {st.title}"
            figures.append(Figure(f"km_{ep.key}_{st.key}", by, f"{by}{p_text}", ep, tuple(kms)))

        summary["c_index"][ep.key] = {}
        summary["cox"][ep.key] = {}
        for col, label in SCORES:
            known = data[data[col].notna()]
            if len(known) < MIN_PATIENTS or known[ep.event].astype(bool).sum() == 0:
                summary["c_index"][ep.key][col] = None
                summary["cox"][ep.key][col] = None
                continue
            t = known[ep.time].astype(float).tolist()
            e = known[ep.event].astype(bool).tolist()
            s = known[col].astype(float).tolist()
            ci = notes.run(f"C-index {ep.key} {col}", c_index, t, s, e)
            summary["c_index"][ep.key][col] = (
                {"c_index": ci, "n": len(known), "events": int(sum(e))} if ci is not None else None
            )
            if ci is not None:
                cindex_rows.append(
                    {
                        "endpoint": ep.key,
                        "score": col,
                        "label": label,
                        "n": len(known),
                        "events": int(sum(e)),
                        "c_index": ci,
                    }
                )
            if len(set(s)) < 2:
                summary["cox"][ep.key][col] = None
                continue
            terms = _estimable(
                notes.run(f"Cox {ep.key} {col}", cox, t, e, {col: s}), f"Cox {ep.key} {col}", notes
            )
            if terms:
                term = terms[0]
                summary["cox"][ep.key][col] = term.to_json()
                cox_rows.append(
                    {
                        "endpoint": ep.key,
                        "covariate": col,
                        "label": label,
                        "unit": "per point",
                        "n": term.n,
                        "events": term.events,
                        "hazard_ratio": term.hazard_ratio,
                        "ci_lower": term.ci_lower,
                        "ci_upper": term.ci_upper,
                        "p": term.p_value,
                    }
                )
            else:
                summary["cox"][ep.key][col] = None

    summary["fong_agreement"] = fong_agreement(frame)
    summary["notes"] = notes.lines
    return Analysis(summary, desc, median_rows, logrank_rows, cox_rows, cindex_rows, figures)


_CSV_COLUMNS: dict[str, list[str]] = {
    "descriptive": ["characteristic", "level", "n", "of", "percent", "missing", "summary"],
    "survival_medians": [
        "endpoint",
        "stratification",
        "group",
        "n",
        "events",
        "median_months",
        "ci_lower",
        "ci_upper",
    ],
    "logrank": ["endpoint", "stratification", "groups", "n", "chi2", "df", "p"],
    "cox": [
        "endpoint",
        "covariate",
        "label",
        "unit",
        "n",
        "events",
        "hazard_ratio",
        "ci_lower",
        "ci_upper",
        "p",
    ],
    "c_index": ["endpoint", "score", "label", "n", "events", "c_index"],
}


def cohort_report(
    frame: Any,
    out_dir: Path,
    title: str = "livermdt cohort report",
    filters: Sequence[str] = (),
) -> dict[str, Any]:
    """Write the report files into ``out_dir`` (created if absent); returns the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    a = analyse(frame, title, filters)
    summary = a.summary
    tables = {
        "descriptive": a.descriptive,
        "survival_medians": a.medians,
        "logrank": a.logranks,
        "cox": a.coxes,
        "c_index": a.cindices,
    }
    for name, rows in tables.items():
        _write_csv(out_dir / f"{name}.csv", rows, _CSV_COLUMNS[name])
    pngs: dict[str, bytes] = {}
    for fig in a.figures:
        pngs[fig.stem] = draw(fig, "png")
        (out_dir / f"{fig.stem}.png").write_bytes(pngs[fig.stem])
        (out_dir / f"{fig.stem}.svg").write_bytes(draw(fig, "svg"))
    summary["files"] = sorted(
        [f"{name}.csv" for name in tables]
        + [f"{fig.stem}.{ext}" for fig in a.figures for ext in ("png", "svg")]
        + ["report.html", "summary.json"]
    )
    (out_dir / "summary.json").write_text(
        json.dumps(json_safe(summary), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
        encoding="utf-8",
    )
    (out_dir / "report.html").write_text(render_html(a, pngs), encoding="utf-8")
    return summary


# ---------------------------------------------------------------------------------------------
# HTML


_COLS_DESC: list[tuple[str, str]] = [
    ("characteristic", "characteristic"),
    ("level", "level"),
    ("summary", "n (%) / median"),
    ("missing", "missing"),
]
_COLS_MEDIANS: list[tuple[str, str]] = [
    ("endpoint", "endpoint"),
    ("stratification", "stratification"),
    ("group", "group"),
    ("n", "n"),
    ("events", "events"),
    ("median_months", "median"),
    ("ci_lower", "95% CI lower"),
    ("ci_upper", "95% CI upper"),
]
_COLS_LOGRANKS: list[tuple[str, str]] = [
    ("endpoint", "endpoint"),
    ("stratification", "stratification"),
    ("groups", "groups"),
    ("n", "n"),
    ("chi2", "chi²"),
    ("df", "df"),
    ("p", "p"),
]
_COLS_COXES: list[tuple[str, str]] = [
    ("endpoint", "endpoint"),
    ("label", "covariate"),
    ("unit", "unit"),
    ("n", "n"),
    ("events", "events"),
    ("hazard_ratio", "HR"),
    ("ci_lower", "95% CI lower"),
    ("ci_upper", "95% CI upper"),
    ("p", "p"),
]
_COLS_CINDICES: list[tuple[str, str]] = [
    ("endpoint", "endpoint"),
    ("label", "score"),
    ("n", "n"),
    ("events", "events"),
    ("c_index", "C-index"),
]


#: Columns in months: one decimal, and an absent value means "not reached".
_MONTH_COLUMNS = frozenset({"median_months", "ci_lower", "ci_upper"})


def _cell(key: str, v: Any) -> str:
    if key in _MONTH_COLUMNS:
        return "NR" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}"
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:.3g}" if abs(v) < 0.01 else f"{v:.3f}".rstrip("0").rstrip(".")
    return html.escape(str(v))


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    if not rows:
        return "<p><em>nothing to show</em></p>"
    head = "".join(f"<th>{html.escape(t)}</th>" for _, t in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(k, r.get(k))}</td>" for k, _ in columns) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _agreement_html(agreement: dict[str, Any] | None) -> str:
    if not agreement:
        return ""
    n = agreement["n"]
    return (
        "<h2>Fong score: computed by livermdt vs recorded by the registry</h2>"
        f"<p>{n} patients have both: identical in {agreement['exact']} "
        f"({100 * agreement['exact'] / n:.0f}%), within one point in "
        f"{agreement['within_one_point']}, same high/low group in {agreement['same_group']} "
        f"({100 * agreement['same_group'] / n:.0f}%); livermdt lower in "
        f"{agreement['computed_lower']}, higher in {agreement['computed_higher']}. "
        "The recorded score used information the registry does not carry (see "
        "docs/registry.md); both are kept and both stratify.</p>"
    )


def render_html(a: Analysis, pngs: dict[str, bytes]) -> str:
    """A self-contained HTML page (figures inlined as PNG data URIs)."""
    summary = a.summary
    imgs = []
    for fig in a.figures:
        data = base64.b64encode(pngs[fig.stem]).decode("ascii")
        imgs.append(
            f'<figure><img alt="{html.escape(fig.caption)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{html.escape(fig.caption)} (<a href="{fig.stem}.svg">SVG</a>)'
            "</figcaption></figure>"
        )
    filters = ", ".join(summary["filters"]) or "none"
    attribution = (
        f'<p class="attribution">{html.escape(summary["attribution"])}</p>'
        if "attribution" in summary
        else ""
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary["notes"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(summary["title"])}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:.5em 0 1.5em}}
td,th{{border:1px solid #ccc;padding:.25em .5em;text-align:left;font-size:.9em}}
th{{background:#f2f2f2}} figure{{margin:1em 0}} img{{max-width:100%}}
.notice{{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em 1em}}
.attribution{{font-size:.85em;color:#555}}
</style></head><body>
<h1>{html.escape(summary["title"])}</h1>
<p class="notice">{html.escape(DISCLAIMER)}</p>
<p>{summary["n_patients"]} patients; filters: {html.escape(filters)};
generated by {html.escape(summary["generated_by"])}. Times in months.
Survival statistics: lifelines (Kaplan–Meier, log-rank, Cox proportional hazards,
Harrell's C).</p>
{attribution}
<h2>Descriptive table</h2>
{_table(a.descriptive, _COLS_DESC)}
<h2>Median survival (months, 95% CI)</h2>
{_table(a.medians, _COLS_MEDIANS)}
<p>NR: not reached.</p>
<h2>Log-rank tests</h2>
{_table(a.logranks, _COLS_LOGRANKS)}
<h2>Cox proportional hazards (per score point; per group against the lowest-risk group)</h2>
{_table(a.coxes, _COLS_COXES)}
<h2>Concordance index of each score (higher score = worse)</h2>
{_table(a.cindices, _COLS_CINDICES)}
{_agreement_html(summary.get("fong_agreement"))}
<h2>Kaplan–Meier curves</h2>
{"".join(imgs)}
<h2>Notes</h2>
<ul>{notes or "<li>none</li>"}</ul>
</body></html>
"""
