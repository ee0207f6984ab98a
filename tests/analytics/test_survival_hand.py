"""Survival statistics on a six-patient cohort worked by hand (the oracle is the arithmetic in the
comments, not another program).

Patients (months, event): 1 dead, 2 dead, 3 censored, 4 dead, 5 dead, 6 censored.
Group X = {2, 3, 5}, group Y = {1, 4, 6}; risk scores 3, 2, 2, 1, 0, 1 in time order.
"""

from __future__ import annotations

import math

import pytest

from livermdt.analytics.survival import c_index, cox, kaplan_meier, logrank

TIMES = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
EVENTS = [True, True, False, True, True, False]
GROUPS = ["Y", "X", "X", "Y", "X", "Y"]
SCORES = [3, 2, 2, 1, 0, 1]


def test_kaplan_meier_by_hand() -> None:
    km = kaplan_meier(TIMES, EVENTS, "all")
    # t=1: 6 at risk, 1 death  -> S = 5/6
    # t=2: 5 at risk, 1 death  -> S = 5/6 * 4/5 = 2/3
    # t=3: censored, S unchanged
    # t=4: 3 at risk, 1 death  -> S = 2/3 * 2/3 = 4/9
    # t=5: 2 at risk, 1 death  -> S = 4/9 * 1/2 = 2/9
    expected = {0.5: 1.0, 1: 5 / 6, 2: 2 / 3, 3.5: 2 / 3, 4: 4 / 9, 5: 2 / 9, 6: 2 / 9}
    for t, s in expected.items():
        assert km.survival_at(t) == pytest.approx(s, abs=1e-12), t
    # the median is the first time S <= 0.5: S(4) = 4/9 < 0.5, S(3) = 2/3
    assert km.median_months == 4.0
    assert (km.n, km.events) == (6, 4)


def test_median_not_reached_is_none() -> None:
    # one death among four: S never falls to 0.5
    km = kaplan_meier([1, 2, 3, 4], [True, False, False, False], "few events")
    assert km.median_months is None
    assert km.to_json()["median_months"] is None


def test_logrank_by_hand() -> None:
    # At each death time (n at risk, d deaths, nX at risk in X, dX deaths in X):
    #   t=1: n=6 d=1 nX=3 dX=0  E_X = 3/6 = 0.5    V = 3*3*1*5/(36*5) = 0.25
    #   t=2: n=5 d=1 nX=3 dX=1  E_X = 3/5 = 0.6    V = 3*2*1*4/(25*4) = 0.24
    #   t=4: n=3 d=1 nX=1 dX=0  E_X = 1/3          V = 1*2*1*2/(9*2)  = 2/9
    #   t=5: n=2 d=1 nX=1 dX=1  E_X = 1/2          V = 1*1*1*1/(4*1)  = 0.25
    # O_X - E_X = 2 - 29/15 = 1/15; V = 0.25 + 0.24 + 2/9 + 0.25 = 0.962222...
    # chi2 = (1/15)^2 / V = 0.0046189...
    v = 0.25 + 0.24 + 2 / 9 + 0.25
    chi2 = (1 / 15) ** 2 / v
    lr = logrank(TIMES, EVENTS, GROUPS)
    assert lr.statistic == pytest.approx(chi2, rel=1e-9)
    assert lr.degrees_of_freedom == 1
    # p of a chi-square with 1 df: erfc(sqrt(chi2 / 2))
    assert lr.p_value == pytest.approx(math.erfc(math.sqrt(chi2 / 2)), rel=1e-9)


def test_logrank_needs_two_groups() -> None:
    with pytest.raises(ValueError, match="two groups"):
        logrank(TIMES, EVENTS, ["X"] * 6)


def test_c_index_by_hand() -> None:
    # usable pairs (the earlier time is a death): from t=1: 5, t=2: 4, t=4: 2, t=5: 1 -> 12.
    # concordant (earlier death has the higher score), ties 1/2:
    #   t=1 (3) vs 2,2,1,0,1: 5;  t=2 (2) vs 2,1,0,1: 0.5 + 3 = 3.5
    #   t=4 (1) vs 0,1: 1 + 0.5 = 1.5;  t=5 (0) vs 1: 0  -> 10 / 12
    assert c_index(TIMES, SCORES, EVENTS) == pytest.approx(10 / 12, abs=1e-12)
    # a score that orders perfectly the other way gives 1 - C for the negated score
    assert c_index(TIMES, [-s for s in SCORES], EVENTS) == pytest.approx(2 / 12, abs=1e-12)


def test_cox_single_binary_covariate_matches_the_score_equation() -> None:
    # For one covariate the maximum partial likelihood estimate b solves U(b) = 0 with
    # U(b) = sum over deaths of (x_i - sum_{at risk} x e^{bx} / sum_{at risk} e^{bx}) (no tied
    # death times here, so Efron = Breslow). Check lifelines' HR satisfies it.
    x = [1.0 if g == "X" else 0.0 for g in GROUPS]
    term = cox(TIMES, EVENTS, {"x": x})[0]

    def score(b: float) -> float:
        u = 0.0
        for i, t in enumerate(TIMES):
            if not EVENTS[i]:
                continue
            risk = [j for j, tj in enumerate(TIMES) if tj >= t]
            w = [math.exp(b * x[j]) for j in risk]
            u += x[i] - sum(x[j] * wj for j, wj in zip(risk, w, strict=True)) / sum(w)
        return u

    # U is decreasing in b; bisection between -5 and 5 finds its root independently
    lo, hi = -5.0, 5.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if score(mid) > 0 else (lo, mid)
    # lifelines stops its Newton steps at its own tolerance: agree to 1e-3 on log(HR)
    assert math.log(term.hazard_ratio) == pytest.approx(lo, abs=1e-3)
    assert term.ci_lower < term.hazard_ratio < term.ci_upper
