"""Known extraction bugs found by other helpers (round 2): each test states the rule it checks.

The note lines are written for these tests (fictional, no corpus text).
"""

from __future__ import annotations

from datetime import date, datetime

from infucode.pipeline.temporal import resolve_timeline

D = date(2026, 3, 5)


def at(h: int, m: int) -> datetime:
    return datetime(2026, 3, 5, h, m)


def _one(events, drug):
    found = [e for e in events if e.drug == drug]
    assert len(found) == 1, [e.drug for e in events]
    return found[0]


def test_a_million_units_amount_is_the_dose_in_units(extract) -> None:
    ev = _one(extract("1000 penicillin G benzathine 2.4 million units IM given L glute.\n"),
              "penicillin g benzathine")
    assert ev.dose is not None and (ev.dose.value, ev.dose.unit) == (2_400_000.0, "units")
    assert ev.route == "IM"


def test_a_million_units_amount_of_a_brand_and_an_iv_drug(extract) -> None:
    ev = _one(extract("Bicillin L-A 1.2 million units IM x1 R ventrogluteal.\n"), "penicillin g benzathine")
    assert ev.dose is not None and ev.dose.value == 1_200_000.0
    ev = _one(extract("1200 penicillin G 4 mil units IVPB started.\n"), "penicillin g")
    assert ev.dose is not None and (ev.dose.value, ev.dose.unit) == (4_000_000.0, "units")


def _timeline(extract, text):
    events = extract(text)
    resolve_timeline(text, events, D)
    return events


def test_a_stop_sentence_saying_the_other_bag_continues_leaves_that_bag_running(extract) -> None:
    t = "0100 D5 1/2NS + 20 mEq KCl at 150 mL/hr started.\n0200 NS stopped, D5 1/2NS continues.\n"
    events = _timeline(extract, t)
    bag = _one(events, "dextrose 5%/sodium chloride 0.45%")
    kcl = _one(events, "potassium chloride")
    assert bag.start == at(1, 0) and bag.end is None
    assert kcl.end is None  # the rider of the continuing bag runs on with it


def test_a_stop_sentence_still_closes_the_one_run_it_does_not_say_continues(extract) -> None:
    t = "0100 D5 1/2NS at 150 mL/hr started.\n0200 Infusion stopped, site red.\n"
    bag = _one(_timeline(extract, t), "dextrose 5%/sodium chloride 0.45%")
    assert bag.end == at(2, 0)


def test_a_bag_named_as_turned_off_when_switching_fluids_gets_that_row_time_as_stop(extract) -> None:
    t = "0900 NS at 125 mL/hr R FA started.\n1300 switched to LR at 125 mL/hr, NS off.\n"
    events = _timeline(extract, t)
    ns, lr = _one(events, "sodium chloride 0.9%"), _one(events, "lactated ringer's")
    assert (ns.start, ns.end) == (at(9, 0), at(13, 0))
    assert lr.start == at(13, 0)


def test_a_stop_named_before_the_switch_closes_the_earlier_bag(extract) -> None:
    t = "0900 NS 1000 mL started at 125 mL/hr.\n1300 NS off, LR 1000 mL hung at 125 mL/hr.\n"
    ns = _one(_timeline(extract, t), "sodium chloride 0.9%")
    assert ns.end == at(13, 0)



def test_a_site_in_an_earlier_sentence_of_the_timestamped_row_is_the_rows_drug_site(extract) -> None:
    ev = _one(extract("1405 20g L AC. NS 1 L bolus started.\n"), "sodium chloride 0.9%")
    assert ev.site == "L AC"
    ev = _one(extract("1405 IV 18g R forearm placed. Ceftriaxone 1 g IVPB started.\n"), "ceftriaxone")
    assert ev.site == "R forearm"


def test_the_drugs_own_sentence_site_wins_over_the_rows_earlier_one(extract) -> None:
    ev = _one(extract("1405 PIV 20g R hand placed. NS 1 L bolus started L AC.\n"), "sodium chloride 0.9%")
    assert ev.site == "L AC"


def test_an_earlier_sentence_site_is_not_linked_without_a_row_time_or_past_another_drug(extract) -> None:
    ev = _one(extract("PIV 20g R hand placed. NS 1 L bolus started.\n"), "sodium chloride 0.9%")
    assert ev.site is None
    events = extract("1405 Zofran 4 mg IVP given. IV 20 g R hand placed. NS 1 L bolus started.\n")
    assert _one(events, "sodium chloride 0.9%").site is None  # the row's drug before it may own the site


def test_a_plural_brand_with_a_count_is_one_administration_of_that_many_tablets(extract) -> None:
    assert len(extract("1100 percocets x2 given PO for pain.\n")) == 1
    assert len(extract("1100 norcos x2 PO given.\n")) == 1


def test_tablets_counted_after_their_strength_are_one_dose_of_the_total(extract) -> None:
    events = extract("1100 tylenol 325 mg tabs x2 PO.\n")
    assert len(events) == 1
    assert events[0].dose is not None and (events[0].dose.value, events[0].dose.unit) == (650.0, "mg")


def test_a_singular_drug_with_a_count_is_still_that_many_doses(extract) -> None:
    assert len(extract("1100 Ativan 1 mg IV x2.\n")) == 2
    assert len(extract("EMS gave NTG 0.4 mg SL x2.\n")) == 2


def test_a_hold_in_a_medication_list_stops_at_its_line(extract) -> None:
    events = extract("Current medications: aspirin 81 mg daily; lisinopril held\nmetoprolol 25 mg BID\n")
    assert _one(events, "lisinopril").status == "not_given"
    assert _one(events, "metoprolol").status == "historical"


def test_a_hold_on_a_drugless_line_under_a_listed_drug_is_still_that_drugs(extract) -> None:
    events = extract("Home medications:\nlisinopril 10 mg daily\n  held for AKI\nmetoprolol 25 mg BID\n")
    assert _one(events, "lisinopril").status == "not_given"
    assert _one(events, "metoprolol").status == "historical"


def test_an_earlier_sentence_site_needs_iv_access_wording_and_a_drug_given_by_vein(extract) -> None:
    ev = _one(extract("1405 Pain 8/10 L flank. Toradol 30 mg IV given.\n"), "ketorolac")
    assert ev.site is None  # a pain location is no access site
    ev = _one(extract("1405 20g L AC placed. Oxycodone 5 mg PO given.\n"), "oxycodone")
    assert ev.site is None  # an oral dose has no IV site


def test_a_refusal_on_one_order_row_does_not_reach_the_prn_order_below(extract) -> None:
    t = ("MAR 24-HR VIEW\n"
         "Medication                          0900     1200     1800\n"
         "furosemide 40 mg IV daily           -        REFUSED  -\n"
         "acetaminophen 650 mg PO q6h PRN     -        -        -\n")
    assert _one(extract(t), "acetaminophen").status == "ordered"
