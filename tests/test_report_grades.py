"""Grades and the per-street evaluation on a toy district computed by hand; [grades] validation.

Toy district (3 services; basic = vegetable + breakfast, improved = repair;
rules basic: basic >= 90; improved: basic >= 95 and improved >= 80; quality:
all >= 95). Households reaching each service after the plan (before in brackets):

    street  community  building  households  vegetable  breakfast  repair
    甲      甲一        a1        60          1 (1)      1 (0)      1 (0)
    甲      甲二        a2        40          1 (0)      1 (0)      0 (0)
    乙      乙一        b1        95          1 (1)      1 (1)      1 (1)
    乙      乙一        b2         5          1 (1)      0 (0)      1 (1)
    丙      丙一        c1        91          1 (1)      1 (1)      1 (1)
    丙      丙一        c2         9          0 (0)      1 (1)      1 (0)

    甲 after: 100 / 100 / 60  -> basic rule holds; improved needs repair >= 80 -> 基础型
       before: 60 / 0 / 0     -> 未达基础型
    乙 after = before: 100 / 95 / 100 -> every rule holds (95 is exactly enough) -> 品质型
    丙 after: 91 / 100 / 100  -> basic holds; improved needs vegetable >= 95 -> 基础型
       before: 91 / 100 / 91  -> 基础型 too (repair is not a basic service)
    ranking: 乙 (品质型), then the two 基础型 streets by average coverage after:
             丙 (97.0) before 甲 (86.7)
"""

from __future__ import annotations

import pandas as pd
import pytest
from factories import random_district, write_case

from solver.errors import InputError
from solver.inputs.grades import (
    DEFAULT_LEVELS,
    Grade,
    GradeRules,
    LevelRule,
    Shortfall,
    default_grade_rules,
    rules_from_dict,
)
from solver.inputs.scenario import load_scenario
from solver.report.evaluation import CHECK_ALL, CHECK_NONE, CHECK_PART, evaluate, evaluation_frame

SERVICES = ("vegetable", "breakfast", "repair")
RULES = GradeRules(basic_services=("vegetable", "breakfast"), improved_services=("repair",), services=SERVICES,
                   levels=dict(DEFAULT_LEVELS))


def toy() -> pd.DataFrame:
    rows = [  # street, community, id, households, after v/b/r, before v/b/r
        ("甲", "甲一", "a1", 60, (1, 1, 1), (1, 0, 0)),
        ("甲", "甲二", "a2", 40, (1, 1, 0), (0, 0, 0)),
        ("乙", "乙一", "b1", 95, (1, 1, 1), (1, 1, 1)),
        ("乙", "乙一", "b2", 5, (1, 0, 1), (1, 0, 1)),
        ("丙", "丙一", "c1", 91, (1, 1, 1), (1, 1, 1)),
        ("丙", "丙一", "c2", 9, (0, 1, 1), (0, 1, 0)),
    ]
    out = []
    for st, cm, i, h, after, before in rows:
        row = {"id": i, "street": st, "community": cm, "households": h}
        for s, a, b in zip(SERVICES, after, before):
            row[f"before_{s}"], row[f"after_{s}"] = b, a
        out.append(row)
    return pd.DataFrame(out)


def test_grades_and_ranking_match_the_hand_computation():
    ev = evaluate(toy(), services=SERVICES, rules=RULES)
    assert [a.street for a in ev.streets] == ["乙", "丙", "甲"]
    assert [a.rank for a in ev.streets] == [1, 2, 3]
    st = {a.street: a for a in ev.streets}
    assert st["甲"].grade_after is Grade.BASIC and st["甲"].grade_before is Grade.BELOW
    assert st["乙"].grade_after is Grade.QUALITY and st["乙"].grade_before is Grade.QUALITY
    assert st["丙"].grade_after is Grade.BASIC and st["丙"].grade_before is Grade.BASIC  # 91 / 100 before
    assert st["甲"].pct_after("repair") == pytest.approx(60.0)
    assert st["乙"].pct_after("breakfast") == pytest.approx(95.0)
    assert st["甲"].avg_pct(after=True) == pytest.approx(260 / 3)
    assert st["丙"].avg_pct(after=True) == pytest.approx(97.0)
    # what the next grade needs
    assert st["甲"].next_grade is Grade.IMPROVED
    assert st["甲"].next_needs == (Shortfall(group="improved", required_pct=80.0, service="repair", pct=60.0),)
    assert st["丙"].next_needs == (Shortfall(group="basic", required_pct=95.0, service="vegetable", pct=91.0),)
    assert st["乙"].next_grade is None and st["乙"].next_needs == ()
    # the district: 300 households; breakfast 60+40+95+91+9 = 295 -> 98.3%, repair 60+95+5+91+9 = 260 -> 86.7%
    d = ev.district
    assert d.households == 300 and d.covered_after == {"vegetable": 291, "breakfast": 295, "repair": 260}
    assert st["甲"].sites == 0 and d.cost == 0.0


def test_district_improved_when_every_rule_up_to_improved_holds():
    d = evaluate(toy(), services=SERVICES, rules=RULES).district
    # vegetable 291/300 = 97.0 >= 95, breakfast 98.3 >= 95, repair 86.7 >= 80 -> improved; quality needs repair >= 95
    assert d.grade_after is Grade.IMPROVED
    assert d.next_needs == (Shortfall(group="all", required_pct=95.0, service="repair", pct=pytest.approx(260 / 3)),)


def test_communities_and_checklist():
    ev = evaluate(toy(), services=SERVICES, rules=RULES)
    assert [(a.street, a.community) for a in ev.communities] == [("乙", "乙一"), ("丙", "丙一"), ("甲", "甲一"),
                                                                 ("甲", "甲二")]
    a2 = next(a for a in ev.communities if a.community == "甲二")
    assert a2.grade_after is Grade.BASIC  # 100 / 100 / 0: repair fails the improved rule
    assert a2.checklist("repair") == CHECK_NONE
    jia = ev.street("甲")
    assert jia.checklist("repair") == CHECK_PART and jia.checklist("repair", after=False) == CHECK_NONE
    assert jia.checklist("breakfast", after=False) == CHECK_NONE and jia.checklist("vegetable") == CHECK_ALL
    frame = evaluation_frame(ev)
    assert list(frame["level"]) == ["district"] + ["street"] * 3 + ["community"] * 4
    assert list(frame["grade_after"][:4]) == ["improved", "quality", "basic", "basic"]


def test_grades_are_cumulative_and_empty_groups_are_not_met():
    # a lower rule that fails caps the grade even when higher rules hold
    odd = GradeRules(basic_services=("vegetable", "breakfast"), improved_services=("repair",), services=SERVICES,
                     levels={"basic": LevelRule(basic_services_pct=99.0), "improved": LevelRule(),
                             "quality": LevelRule()})
    assert odd.grade({"vegetable": 98.0, "breakfast": 100.0, "repair": 100.0}) is Grade.BELOW
    assert odd.grade({"vegetable": 99.0, "breakfast": 100.0, "repair": 0.0}) is Grade.QUALITY
    # no improvement services: 提升型 cannot be reached, and the shortfall says why
    rules = default_grade_rules(SERVICES)
    assert rules.basic_services == SERVICES and rules.improved_services == ()
    full = {s: 100.0 for s in SERVICES}
    assert rules.grade(full) is Grade.BASIC
    assert rules.next_step(full) == (Grade.IMPROVED, [Shortfall(group="improved", required_pct=80.0)])
    assert rules.grade(None) is None


def test_area_without_households_has_no_grade():
    hh = toy()
    hh.loc[hh["street"] == "甲", "households"] = 0
    ev = evaluate(hh, services=SERVICES, rules=RULES)
    jia = ev.street("甲")
    assert jia.grade_after is None and jia.pct_after("vegetable") is None and jia.rank == 3


def test_rules_round_trip_through_summary_json():
    assert rules_from_dict(RULES.to_dict(), SERVICES) == RULES
    assert rules_from_dict(None, SERVICES) == default_grade_rules(SERVICES)


def _case(tmp_path, grades: str):
    tables = random_district(seed=3, n_households=8, n_candidates=4, n_existing=2, size_m=600.0, spacing=200.0)
    return write_case(tmp_path / "case", tables, network=False, scenario=f"budget_yuan = 1e6\n{grades}")


def test_scenario_grades_are_read(tmp_path):
    sc = load_scenario(_case(tmp_path, '[grades]\nbasic_services = ["vegetable", "pharmacy"]\n'
                                       'improved_services = ["repair"]\nquality = { all_services_pct = 90 }\n'))
    g = sc.grades
    assert g.basic_services == ("vegetable", "pharmacy") and g.improved_services == ("repair",)
    assert g.levels["quality"] == LevelRule(all_services_pct=90.0)
    assert g.levels["basic"] == DEFAULT_LEVELS["basic"]
    assert g.services == ("vegetable", "breakfast", "repair", "pharmacy")


def test_scenario_grade_problems_all_at_once(tmp_path):
    path = _case(tmp_path, '[grades]\nbasic_services = ["vegtable", "breakfast"]\nimproved_services = ["breakfast"]\n'
                           'bogus = 1\nimproved = { improved_services_pct = 120 }\nquality = { all_pct = 95 }\n')
    with pytest.raises(InputError) as err:
        load_scenario(path)
    text = str(err.value)
    assert f"{path}, field 'grades.bogus': unknown key" in text
    assert (f"{path}, field 'grades.basic_services': unknown or disabled service (did you mean 'vegetable'?); "
            "enabled: vegetable, breakfast, repair, pharmacy; got 'vegtable'") in text
    assert f"{path}, field 'grades.improved_services': a service cannot be both basic and improved; got 'breakfast'" \
        in text
    assert (f"{path}, field 'grades.improved.improved_services_pct': must be between 0 and 100 (a percentage); "
            "got 120") in text
    assert f"{path}, field 'grades.quality.all_pct': unknown key (did you mean 'all_services_pct'?)" in text
    assert len(err.value.problems) == 5
