import pickle

import pytest
from infucode.pipeline.extract import build_nlp, doc_events


def one(extract, text):
    evs = extract(text)
    assert len(evs) == 1, [e.drug for e in evs]
    return evs[0]


def test_push_with_glued_units_time_and_site(extract):
    e = one(extract, "1410 Zofran 4mg IVP L AC")
    assert (e.drug, e.rxcui, e.dose.value, e.dose.unit, e.route, e.site, e.status) == (
        "ondansetron", "26225", 4.0, "mg", "IV_PUSH", "L AC", "given")
    assert [(t.text, t.role) for t in e.time_mentions] == [("1410", "at")]
    assert {s.label for s in e.spans} >= {"DRUG", "DOSE", "ROUTE", "SITE", "TIME"}
    assert all(s.rule for s in e.spans)


def test_given_push_wording(extract):
    e = one(extract, "Given ondansetron 4 mg IV push")
    assert (e.route, e.status) == ("IV_PUSH", "given")


def test_fluid_bolus_dose_is_volume_in_ml_and_access_device(extract):
    e = one(extract, "1410 - NS 1L bolus started via 20g L AC")
    assert (e.drug, e.dose.value, e.dose.unit, e.volume_ml, e.route) == (
        "sodium chloride 0.9%", 1000.0, "mL", 1000.0, "IV_INFUSION")
    assert e.site == "L AC" and e.device.startswith("20g")
    assert e.time_mentions[0].role == "start"


def test_ivpb_with_duration_start_and_end(extract):
    e = one(extract, "Rocephin 1gm IVPB over 30 min, started 1300 completed 1330")
    assert (e.drug, e.dose.value, e.dose.unit, e.route, e.documented_duration_min) == (
        "ceftriaxone", 1.0, "g", "IV_INFUSION", 30.0)
    assert [(t.text, t.role) for t in e.time_mentions] == [("1300", "start"), ("1330", "end")]


def test_held_and_refused_is_not_given(extract):
    e = one(extract, "vanc 1.25 g IV q12h - held, pt refused")
    assert (e.drug, e.status) == ("vancomycin", "not_given")


def test_home_med_section_is_historical(extract):
    e = one(extract, "Home meds: lisinopril 10 mg PO daily")
    assert (e.drug, e.status, e.route) == ("lisinopril", "historical", "PO")


def test_allergy_list_gives_no_event(extract):
    assert extract("Allergies: penicillin, morphine (hives)") == []
    assert extract("Pt allergic to levaquin.") == []


def test_planned_ordered_and_prior_to_arrival(extract):
    assert one(extract, "Will give toradol 15 mg IV if pain persists").status == "planned"
    assert one(extract, "Zofran 4 mg IV q6h PRN nausea ordered").status == "ordered"
    assert one(extract, "EMS gave ASA 324 mg PO prior to arrival").status == "historical"


def test_allergy_section_does_not_swallow_following_lines(extract):
    evs = extract("Allergies: NKDA.\n0800 NS 250 mL KVO started via port.")
    assert [(e.drug, e.purpose, e.status) for e in evs] == [("sodium chloride 0.9%", "kvo", "given")]


def test_several_drugs_per_line_get_their_own_attributes(extract):
    evs = extract("Given Toradol 30 mg IV, Zofran 4 mg IVP and 1 L NS bolus; dilaudid 0.5 mg IV held")
    got = [(e.drug, e.dose.value, e.dose.unit, e.route, e.status) for e in evs]
    assert got == [
        ("ketorolac", 30.0, "mg", "IV", "given"),
        ("ondansetron", 4.0, "mg", "IV_PUSH", "given"),
        ("sodium chloride 0.9%", 1000.0, "mL", "IV_INFUSION", "given"),
        ("hydromorphone", 0.5, "mg", "IV", "not_given"),
    ]


def test_flowsheet_row(extract):
    e = one(extract, "ondansetron (ZOFRAN) injection 4 mg | Route: Intravenous | Admin time: 1410 | Given")
    assert (e.drug, e.dose.value, e.route, e.status) == ("ondansetron", 4.0, "IV", "given")
    assert [(t.text, t.role) for t in e.time_mentions] == [("1410", "at")]


def test_flowsheet_row_held(extract):
    e = one(extract, "morphine injection 4 mg | Route: Intravenous | Admin time: 1105 | Held - pt declined")
    assert e.status == "not_given"


def test_mixture_components_share_infusate(extract):
    evs = extract("D5 1/2NS with 20 mEq KCl at 125 mL/hr started 1400")
    assert [e.drug for e in evs] == ["dextrose 5%/sodium chloride 0.45%", "potassium chloride"]
    assert evs[0].infusate_id and evs[0].infusate_id == evs[1].infusate_id
    assert (evs[1].dose.value, evs[1].dose.unit) == (20.0, "mEq")


def test_ivpb_diluent_is_not_an_event(extract):
    e = one(extract, "ceftriaxone 1 g in 100 mL NS IVPB")
    assert (e.drug, e.volume_ml, e.route) == ("ceftriaxone", 100.0, "IV_INFUSION")
    e = one(extract, "Mg 2 g/50 mL IVPB over 1 hr")
    assert (e.drug, e.dose.value, e.dose.unit, e.volume_ml) == ("magnesium sulfate", 2.0, "g", 50.0)


def test_saline_flush_is_an_event_with_purpose(extract):
    e = one(extract, "flushed with 10 mL NS")
    assert (e.drug, e.purpose, e.dose.value) == ("sodium chloride 0.9%", "flush", 10.0)


def test_completion_entry_closes_the_infusion(extract):
    evs = extract("1412 NS 1L bolus started wide open.\n1455 pt resting.\n1515 NS bolus complete.")
    assert len(evs) == 1
    assert [(t.text, t.role) for t in evs[0].time_mentions] == [("1412", "start"), ("1515", "end")]
    evs = extract("2305 NS 1000ML BOLUS HUNG R AC\n0010 BOLUS INFUSED")
    assert [(t.text, t.role) for t in evs[0].time_mentions] == [("2305", "start"), ("0010", "end")]


def test_repeat_dose_is_a_new_event(extract):
    evs = extract("0620 dilaudid 0.5 mg IVP given\n0650 dilaudid 0.5mg IVP repeated per order")
    assert [t.text for e in evs for t in e.time_mentions] == ["0620", "0650"]


def test_lab_values_are_not_administrations(extract):
    assert extract("K+ 3.1, Mg 1.8, glucose 250") == []


def test_waste_documentation(extract):
    e = one(extract, "Venofer 200 mg IV push over 5 minutes. Single-dose vial 200 mg/10 mL, wasted 0 mg")
    assert e.waste is not None and e.waste.single_dose_vial


def test_event_ids_in_text_order_and_offsets(extract):
    text = "1410 Zofran 4mg IVP\n1420 toradol 15 mg IVP"
    evs = extract(text)
    assert [e.event_id for e in evs] == ["e1", "e2"]
    for e in evs:
        drug_span = next(s for s in e.spans if s.label == "DRUG")
        assert text[drug_span.start:drug_span.end] == e.drug_text


def test_build_nlp_is_cached_and_doc_events_returns_fresh_objects(nlp):
    assert build_nlp() is nlp
    doc = nlp("Zofran 4 mg IVP")
    a, b = doc_events(doc), doc_events(doc)
    assert a[0] is not b[0] and a[0].to_dict() == b[0].to_dict()
    assert doc._.admin_events[0].drug == "ondansetron"


def test_docs_serialize_and_pipe_with_two_processes(nlp):
    texts = ["1410 Zofran 4mg IVP L AC", "Home meds: lisinopril 10 mg PO daily", "NS 1L bolus @ 125 mL/hr",
             "vanc 1.25 g IV - held, pt refused"] * 3
    single = [[e.to_dict() for e in doc_events(d)] for d in nlp.pipe(texts)]
    multi = [[e.to_dict() for e in doc_events(d)] for d in nlp.pipe(texts, n_process=2, batch_size=3)]
    assert single == multi and all(single)
    doc = nlp(texts[0])
    assert doc_events(pickle.loads(pickle.dumps(doc)))[0].drug == "ondansetron"


@pytest.mark.parametrize("text", ["", "   \n\n", "no meds documented", "1410", "|||", "\t\t"])
def test_degenerate_texts(extract, text):
    assert extract(text) == []


def test_arbitrary_text_never_crashes_and_spans_stay_in_bounds(nlp):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    alphabet = st.sampled_from(list("abcNSLR0123456789 .,;:|/-@\n\t()%+") + [
        "zofran ", "4 mg ", "IVP ", "1410 ", "NS ", "1L ", "held ", "given ", "KCl ", "in ", "mL/hr "])

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(alphabet, max_size=60).map("".join))
    def check(text):
        for e in doc_events(nlp(text)):
            assert e.status in ("given", "not_given", "planned", "ordered", "historical", "uncertain")
            for s in e.spans:
                assert 0 <= s.start < s.end <= len(text)
            for t in e.time_mentions:
                assert text[t.start:t.end] == t.text

    check()


def test_dose_given_at_a_list_of_times_is_one_event_per_time(extract):
    evs = extract("Dilaudid 1 mg IV given 0210 and 0545, last dose 0545.")
    assert [t.text for e in evs for t in e.time_mentions][:2] == ["0210", "0545"]
    assert len(evs) == 2 and all(e.dose.value == 1.0 for e in evs)


def test_dictated_spelled_out_amounts(extract):
    evs = extract("Patient was given two grams of Ancef IV piggyback. We gave one liter of lactated ringers.")
    assert [(e.drug, e.dose.value, e.dose.unit) for e in evs] == [
        ("cefazolin", 2.0, "g"), ("lactated ringer's", 1000.0, "mL")]


def test_mar_block_with_indented_detail_lines(extract):
    text = ("ondansetron (ZOFRAN) 2 mg/mL injection 4 mg\n  Action: Given\n  Dose: 4 mg\n  Rate: -\n"
            "  Route: Intravenous\n  Site: Right Forearm\n  Time: 05/04/26 0913\n")
    e = one(extract, text)
    assert (e.dose.value, e.route, e.site, [t.text for t in e.time_mentions]) == (
        4.0, "IV", "Right Forearm", ["0913"])


def test_table_dose_column_wins_over_product_strength(extract):
    e = one(extract, "fentaNYL (SUBLIMAZE) 100 mcg/2 mL inj | 50 mcg | IV Push | 0212 | Given")
    assert (e.dose.value, e.dose.unit, e.route) == (50.0, "mcg", "IV_PUSH")


def test_restart_after_reaction_stop_is_a_new_event(extract):
    text = ("0900 rituximab 700 mg in 500 mL NS started at 50 mL/hr.\n"
            "1005 throat tightness. INFUSION STOPPED.\n"
            "1040 rituximab restarted at 75 mL/hr.\n1340 rituximab infusion complete.")
    evs = [e for e in extract(text) if e.drug == "rituximab"]
    assert [[(t.text, t.role) for t in e.time_mentions] for e in evs] == [
        [("0900", "start"), ("1005", "end")], [("1040", "start"), ("1340", "end")]]
