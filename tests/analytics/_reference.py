"""Independent reference implementations (numpy/scipy only, no lifelines) used as oracles.

Written from the textbook formulas, not from lifelines' code:
- Kaplan–Meier product-limit estimate S(t) = prod_{t_i <= t} (1 - d_i / n_i);
- median = the smallest time at which S(t) <= 0.5;
- 95% CI of S(t) by the "exponential Greenwood" (log-log) method, Kalbfleisch & Prentice (2002)
  §1.3: V = sum d/(n(n-d)) / (log S)^2; bounds exp(-exp(log(-log S) ± 1.96 sqrt(V))); the CI of
  the median is where the lower / upper band first reaches 0.5 (Brookmeyer–Crowley style reading);
- log-rank statistic (O - E)^2 / V for two groups, hypergeometric variance;
- Harrell's C: over usable pairs (the shorter time is an event), concordant when the shorter time
  has the higher risk score, ties in score count 1/2.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def km(
    times: np.ndarray, events: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Event times, S(t), lower and upper 95% bands (log-log) just after each event time."""
    ts = np.unique(times[events])
    s = 1.0
    green = 0.0
    surv, lo, hi = [], [], []
    z = stats.norm.ppf(0.975)
    for t in ts:
        n = np.sum(times >= t)
        d = np.sum((times == t) & events)
        s *= 1 - d / n
        if n > d:
            green += d / (n * (n - d))
        surv.append(s)
        if 0 < s < 1:
            v = green / math.log(s) ** 2
            c = math.log(-math.log(s))
            lo.append(math.exp(-math.exp(c + z * math.sqrt(v))))
            hi.append(math.exp(-math.exp(c - z * math.sqrt(v))))
        else:
            lo.append(s)
            hi.append(s)
    return ts, np.array(surv), np.array(lo), np.array(hi)


def first_time_at_or_below(ts: np.ndarray, curve: np.ndarray, level: float = 0.5) -> float:
    idx = np.nonzero(curve <= level)[0]
    return float(ts[idx[0]]) if len(idx) else math.inf


def median_with_ci(times: np.ndarray, events: np.ndarray) -> tuple[float, float, float]:
    ts, s, lo, hi = km(times, events)
    return (
        first_time_at_or_below(ts, s),
        first_time_at_or_below(ts, lo),
        first_time_at_or_below(ts, hi),
    )


def logrank_two(times: np.ndarray, events: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """Chi-square (1 df) and p of the two-group log-rank test; ``group`` is boolean."""
    o_minus_e = 0.0
    var = 0.0
    for t in np.unique(times[events]):
        at_risk = times >= t
        n = at_risk.sum()
        n1 = (at_risk & group).sum()
        d = ((times == t) & events).sum()
        d1 = ((times == t) & events & group).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    chi2 = o_minus_e**2 / var
    return float(chi2), float(stats.chi2.sf(chi2, 1))


def harrell_c(times: np.ndarray, scores: np.ndarray, events: np.ndarray) -> float:
    num = 0.0
    den = 0
    n = len(times)
    for i in range(n):
        if not events[i]:
            continue
        for j in range(n):
            if times[i] < times[j] or (times[i] == times[j] and not events[j]):
                den += 1
                if scores[i] > scores[j]:
                    num += 1
                elif scores[i] == scores[j]:
                    num += 0.5
    return num / den


def efron_score(times: np.ndarray, events: np.ndarray, x: np.ndarray, b: float) -> float:
    """Derivative of the Cox partial log-likelihood with Efron's handling of tied deaths, for one
    covariate x at log hazard ratio b (Efron 1977; Therneau & Grambsch 2000, §3.3). The
    maximum-likelihood b is its root."""
    u = 0.0
    w = np.exp(b * x)
    for time in np.unique(times[events]):
        risk = times >= time
        dead = (times == time) & events
        d = int(dead.sum())
        s0, s1 = w[risk].sum(), (w * x)[risk].sum()
        d0, d1 = w[dead].sum(), (w * x)[dead].sum()
        u += x[dead].sum()
        for k in range(d):
            f = k / d
            u -= (s1 - f * d1) / (s0 - f * d0)
    return float(u)
