from __future__ import annotations

from infucode.models.features import (
    LineIndex,
    link_candidate,
    link_feature_dicts,
    section_of,
    status_context_dicts,
    status_sample,
    status_window_texts,
)
from infucode.models.linking import gold_link_set, note_candidates


def _span(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    i = -1
    for _ in range(nth):
        i = text.index(needle, i + 1)
    return i, i + len(needle)


def test_link_candidate_counts_intervening_drug_and_distance():
    text = "Zofran 4 mg and Toradol 15 mg IVP"
    li = LineIndex.of(text)
    zofran, toradol = _span(text, "Zofran"), _span(text, "Toradol")
    ivp = (*_span(text, "IVP"), "ROUTE")
    far = link_candidate(text, li, zofran, ivp, [zofran, toradol])
    near = link_candidate(text, li, toradol, ivp, [zofran, toradol])
    assert far["n_drugs_between"] == 1 and near["n_drugs_between"] == 0
    assert far["char_dist"] > near["char_dist"]
    assert near["drug_rank"] == 0 and far["drug_rank"] == 1
    assert far["after"] and near["after"]
    f_far, f_near = link_feature_dicts([far, near])
    assert f_far["n_drugs_between"] == 1.0 and f_near["n_drugs_between"] == 0.0
    assert f_near["nearest_drug"] == 1.0 and f_far["nearest_drug"] == 0.0
    assert f_far["log_char_dist"] > f_near["log_char_dist"]
    assert "conj=and" in f_far and "conj=and" not in f_near
    assert "label_side=ROUTE|after" in f_far


def test_link_candidate_order_lines_and_separators():
    text = "1410 Zofran 4 mg\n1500 Toradol 15 mg; site L AC"
    li = LineIndex.of(text)
    zofran, toradol = _span(text, "Zofran"), _span(text, "Toradol")
    time1 = (*_span(text, "1410"), "TIME")
    time2 = (*_span(text, "1500"), "TIME")
    c_before = link_candidate(text, li, zofran, time1, [zofran, toradol])
    assert not c_before["after"] and c_before["attr_line"] == c_before["drug_line"] == 0
    c_other_line = link_candidate(text, li, zofran, time2, [zofran, toradol])
    assert c_other_line["attr_line"] == 1 and c_other_line["drug_line"] == 0
    f_before, f_other = link_feature_dicts([c_before, c_other_line])
    assert f_before["same_line"] == 1.0 and f_before["attr_line_starts_time"] == 1.0
    assert f_other["same_line"] == 0.0 and f_other["newlines_between"] == 1.0
    site = (*_span(text, "L AC"), "SITE")
    f_site = link_feature_dicts([link_candidate(text, li, toradol, site, [zofran, toradol])])[0]
    assert f_site["sep=semicolon"] == 1.0


def test_note_candidates_respects_the_window():
    text = "Zofran 4 mg\n\n\n\n\n\nIVP"
    zofran = _span(text, "Zofran")
    attrs = [(*_span(text, "4 mg"), "DOSE"), (*_span(text, "IVP"), "ROUTE"), (0, 3, "DRUG")]
    got = note_candidates(text, [zofran], attrs, max_line_dist=3)
    assert [(di, ai) for di, ai, _ in got] == [(0, 0)]


def test_gold_link_set_labels_shared_time_span_for_both_drugs(tiny_records):
    rec = next(r for r in tiny_records if r["id"] == "tiny-01")
    ls = gold_link_set([rec])
    text = rec["text"]
    t1500 = _span(text, "1500")
    pairs = zip(ls.candidates, ls.labels, strict=True)
    pos = {(text[c["drug_start"]:c["drug_end"]], c["label"]) for c, y in pairs
           if y and (c["attr_start"], c["attr_end"]) == t1500}
    assert pos == {("Toradol", "TIME"), ("Reglan", "TIME")}
    # Zofran's dose is not linked to Toradol
    z_dose = _span(text, "4 mg")
    neg = [y for c, y in zip(ls.candidates, ls.labels, strict=True)
           if (c["attr_start"], c["attr_end"]) == z_dose and text[c["drug_start"]:c["drug_end"]] == "Toradol"]
    assert neg == [0]


def test_status_sample_masks_the_drug_and_other_drugs():
    text = "EMS gave aspirin 324 mg and nitro 0.4 mg SL. Given Zofran 4 mg IV."
    li = LineIndex.of(text)
    asp, nitro, zof = _span(text, "aspirin"), _span(text, "nitro"), _span(text, "Zofran")
    s = status_sample(text, li, asp, [asp, nitro, zof], rule_status="historical")
    assert "_drug_" in s["window"] and "_otherdrug_" in s["window"]
    assert "aspirin" not in s["window"] and "nitro" not in s["window"]
    # the window is the clause: the next sentence (Zofran) is not in it
    assert "Given" not in s["window"]
    assert s["left"].strip() == "EMS gave"
    [txt] = status_window_texts([s])
    assert "000" not in txt and "0 mg" in txt  # digits normalised
    f = status_context_dicts([s], cues=(("ems", "historical"), ("given", "given")))[0]
    assert f["rule=historical"] == 1.0
    assert f["cue_left=historical"] == 1.0 and f["cue_left_near=historical"] == 1.0
    assert "cue_right=given" not in f


def test_section_header_is_found_above_the_line():
    text = "HOME MEDICATIONS:\nlisinopril 10 mg daily\nmetformin 500 mg\n\nPlan: give Zofran"
    li = LineIndex.of(text)
    assert section_of(text, li, li.line_of(text.index("metformin"))) == "home medications"
    assert section_of(text, li, li.line_of(text.index("Zofran"))) == "plan"
    assert section_of("1410 Zofran 4 mg", LineIndex.of("1410 Zofran 4 mg"), 0) == ""
