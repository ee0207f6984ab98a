"""Survival statistics, all from lifelines (none hand-written): Kaplan–Meier estimates with the
median and its 95% confidence interval, log-rank tests, Cox proportional-hazards models and
Harrell's concordance index.

- Median and CI: ``KaplanMeierFitter.median_survival_time_`` and
  ``lifelines.utils.median_survival_times(kmf.confidence_interval_)`` (the CI of the median is where
  the pointwise 95% band — lifelines' default exponential Greenwood band — crosses 0.5).
  A median that is not reached is ``None`` (``inf`` in lifelines).
- Log-rank: ``lifelines.statistics.multivariate_logrank_test`` (two or more groups).
- Cox: ``CoxPHFitter`` (Efron ties), hazard ratio per unit of the covariate with its 95% CI.
- C-index: ``lifelines.utils.concordance_index(time, -score, event)``: a higher score means a
  worse prognosis, so its negative is the predicted survival ordering.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from livermdt.analytics._lazy import require


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


@dataclass(frozen=True)
class KMSummary:
    """One Kaplan–Meier curve, summarised."""

    label: str
    n: int
    events: int
    median_months: float | None
    median_ci_lower: float | None
    median_ci_upper: float | None
    fitter: Any  # lifelines.KaplanMeierFitter, for plotting

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": self.events,
            "median_months": self.median_months,
            "median_ci95": [self.median_ci_lower, self.median_ci_upper],
        }

    def survival_at(self, months: float) -> float:
        return float(self.fitter.survival_function_at_times(months).iloc[0])


def kaplan_meier(times: Sequence[float], events: Sequence[bool], label: str) -> KMSummary:
    """Fit a Kaplan–Meier curve; ``events`` True = the event happened at ``times``."""
    lifelines = require("lifelines")
    utils = require("lifelines.utils")
    kmf = lifelines.KaplanMeierFitter(label=label)
    kmf.fit(list(map(float, times)), event_observed=[bool(e) for e in events], label=label)
    median = _finite(kmf.median_survival_time_)
    ci = utils.median_survival_times(kmf.confidence_interval_)
    lower = _finite(ci.iloc[0, 0])
    upper = _finite(ci.iloc[0, 1])
    return KMSummary(
        label=label,
        n=len(times),
        events=int(sum(bool(e) for e in events)),
        median_months=median,
        median_ci_lower=lower,
        median_ci_upper=upper,
        fitter=kmf,
    )


@dataclass(frozen=True)
class LogRank:
    statistic: float
    degrees_of_freedom: int
    p_value: float

    def to_json(self) -> dict[str, Any]:
        return {"chi2": self.statistic, "df": self.degrees_of_freedom, "p": self.p_value}


def logrank(times: Sequence[float], events: Sequence[bool], groups: Sequence[str]) -> LogRank:
    """Log-rank test of equal survival across ``groups`` (two or more distinct labels)."""
    stats = require("lifelines.statistics")
    if len(set(groups)) < 2:
        raise ValueError("a log-rank test needs at least two groups")
    res = stats.multivariate_logrank_test(
        list(map(float, times)), list(groups), [bool(e) for e in events]
    )
    return LogRank(
        statistic=float(res.test_statistic),
        degrees_of_freedom=int(res.degrees_of_freedom),
        p_value=float(res.p_value),
    )


@dataclass(frozen=True)
class CoxTerm:
    covariate: str
    hazard_ratio: float
    ci_lower: float
    ci_upper: float
    p_value: float
    n: int
    events: int

    def to_json(self) -> dict[str, Any]:
        return {
            "covariate": self.covariate,
            "hazard_ratio": self.hazard_ratio,
            "hr_ci95": [self.ci_lower, self.ci_upper],
            "p": self.p_value,
            "n": self.n,
            "events": self.events,
        }


def cox(
    times: Sequence[float], events: Sequence[bool], covariates: dict[str, Sequence[float]]
) -> list[CoxTerm]:
    """Cox proportional-hazards model; one hazard ratio per covariate (per unit)."""
    pd = require("pandas")
    lifelines = require("lifelines")
    df = pd.DataFrame({k: list(map(float, v)) for k, v in covariates.items()})
    df["_time"] = list(map(float, times))
    df["_event"] = [int(bool(e)) for e in events]
    cph = lifelines.CoxPHFitter()
    cph.fit(df, duration_col="_time", event_col="_event")
    s = cph.summary
    return [
        CoxTerm(
            covariate=str(name),
            hazard_ratio=float(s.loc[name, "exp(coef)"]),
            ci_lower=float(s.loc[name, "exp(coef) lower 95%"]),
            ci_upper=float(s.loc[name, "exp(coef) upper 95%"]),
            p_value=float(s.loc[name, "p"]),
            n=len(df),
            events=int(df["_event"].sum()),
        )
        for name in covariates
    ]


def c_index(times: Sequence[float], scores: Sequence[float], events: Sequence[bool]) -> float:
    """Harrell's C of a risk score (higher = worse) for survival: lifelines' concordance_index
    on the negated score."""
    utils = require("lifelines.utils")
    return float(
        utils.concordance_index(
            list(map(float, times)), [-float(s) for s in scores], [bool(e) for e in events]
        )
    )
