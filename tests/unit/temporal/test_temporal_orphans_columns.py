"""Round 2 of the resolver: drug-less time statements, table columns, completion entries, clock formats."""

from __future__ import annotations

from datetime import date, datetime

from infucode.pipeline.temporal import resolve_timeline
from infucode.pipeline.temporal.textscan import clock_tokens, column_mentions

D = date(2026, 11, 20)


def at(h: int, m: int, day: int = 20) -> datetime:
    return datetime(2026, 11, day, h, m)


def toks(t: str) -> list[str]:
    return [t[a:b] for a, b in clock_tokens(t, 0, len(t))]


def test_start_and_stop_sentences_after_the_drug_line_belong_to_the_bag(ev) -> None:
    t = ("Zoledronic acid 4 mg in 100 mL NS IV for bone mets.\n"
         "Begin 1315 via port. End 1350. Port flushed with NS 10 mL, de-accessed.")
    bag = ev(t, "e1", "zoledronic acid", "Zoledronic", route="IV", volume_ml=100.0)
    # extraction linked the run's times to the flush written after them
    flush = ev(t, "e2", "sodium chloride 0.9%", "NS 10", [("1315", "start"), ("1350", "end")],
               route="IV", purpose="flush")
    resolve_timeline(t, [bag, flush], D)
    assert (bag.start, bag.end, bag.duration_min) == (at(13, 15), at(13, 50), 35.0)
    assert flush.start is None and flush.end is None


def test_epic_action_lines_give_start_and_stop(ev) -> None:
    t = ("Order: lactated ringers bolus 1,000 mL IV once\n"
         "21-Nov-2026 0740  Action: New Bag  Rate: 500 mL/hr\n"
         "21-Nov-2026 0935  Action: Stopped  Volume infused: 950 mL\n")
    e = ev(t, "e1", "lactated ringer's", "lactated", route="IV_INFUSION", volume_ml=1000.0)
    resolve_timeline(t, [e], D)
    assert (e.start, e.end) == (at(7, 40, 21), at(9, 35, 21))


def test_stop_sentence_on_the_drug_line_closes_the_infusion(ev) -> None:
    t = ("Around 0915h cefazolin 2 g in 100 mL was hung via L AC. Infusion done about 0950h, "
         "no reaction.")
    e = ev(t, "e1", "cefazolin", "cefazolin", [("0915h", "start")], route="IV_INFUSION", volume_ml=100.0)
    resolve_timeline(t, [e], D)
    assert (e.start, e.end, e.duration_min) == (at(9, 15), at(9, 50), 35.0)


def test_subcutaneous_pump_infusion_keeps_its_stop_time(ev) -> None:
    t = "Cuvitru 8 g (40 mL) SQ via pump, 2 sites thighs. Started 1010, completed 1125."
    e = ev(t, "e1", "immune globulin", "Cuvitru", [("1010", "start"), ("1125", "end")], route="SQ",
           volume_ml=40.0)
    resolve_timeline(t, [e], D)
    assert (e.start, e.end, e.duration_min) == (at(10, 10), at(11, 25), 75.0)


def test_sq_injection_still_has_no_stop(ev) -> None:
    t = "Enoxaparin 40 mg SQ abdomen at 0900. Pt tolerated, done 0905."
    e = ev(t, "e1", "enoxaparin", "Enoxaparin", [("0900", "at"), ("0905", "end")], route="SQ")
    resolve_timeline(t, [e], D)
    assert e.start == at(9, 0) and e.end is None


def test_pause_and_resume_lines_without_a_drug_are_subtracted(ev) -> None:
    t = ("1300 D5W 500 mL IV at 250 mL/hr started R FA\n"
         "1330 line clamped, pt to MRI\n"
         "1415 back on unit, infusion resumed\n"
         "1520 D5W complete\n")
    e = ev(t, "e1", "dextrose 5%", "D5W", [("1300", "start"), ("1520", "end")], route="IV_INFUSION",
           volume_ml=500.0, rate_ml_hr=250.0)
    resolve_timeline(t, [e], D)
    assert (e.start, e.end) == (at(13, 0), at(15, 20))
    assert e.pauses_min == 45.0 and e.duration_min == 95.0


def test_start_and_stop_columns_of_a_pipe_table(ev) -> None:
    t = ("Drug | Dose | Start | Stop\n"
         "cefepime | 2 g/100 mL | 0700 | 0730\n"
         "meropenem | 1 g/100 mL | 0705 | 0735\n")
    e1 = ev(t, "e1", "cefepime", "cefepime", [("0700", "at"), ("0730", "at")], route="IV_INFUSION")
    e2 = ev(t, "e2", "meropenem", "meropenem", [("0705", "at"), ("0735", "at")], route="IV_INFUSION")
    resolve_timeline(t, [e1, e2], D)
    assert (e1.start, e1.end) == (at(7, 0), at(7, 30))
    assert (e2.start, e2.end) == (at(7, 5), at(7, 35))


def test_column_roles_skip_volume_and_scheduled_columns() -> None:
    t = ("TIME   FLUID                 VOL     RATE\n"
         "0600   NS 1000 mL            1000    125 ml/h\n")
    roles = [(m.text, m.role) for m in column_mentions(t, t.index("NS"))]
    assert roles == [("0600", "at"), ("1000", "skip")]
    tab = "Order\tScheduled\tAdmin\nheparin 5000 units\t0800\t0812\n"
    assert [(m.text, m.role) for m in column_mentions(tab, tab.index("heparin"))] == [
        ("0800", "skip"), ("0812", "at")]
    assert column_mentions("ondansetron 4 mg IV at 0800", 0) == []


def test_flowsheet_volume_column_is_not_a_clock_time(ev) -> None:
    t = ("TIME   FLUID                 VOL     RATE\n"
         "0600   NS 1000 mL            1000    125 ml/h\n")
    e = ev(t, "e1", "sodium chloride 0.9%", "NS", [("1000", "at")], route="IV_INFUSION")
    resolve_timeline(t, [e], D)
    assert e.start == at(6, 0)


def test_completion_entry_closes_the_open_run_and_is_dropped(ev) -> None:
    t = ("0700 vanco 1.5 g IV via PICC started\n"
         "0715 meropenem 1 g IV same lumen, concurrent\n"
         "0745 meropenem done\n"
         "0850 vanco done\n")
    v = ev(t, "e1", "vancomycin", "vanco", [("0700", "start")], route="IV")
    m = ev(t, "e2", "meropenem", "meropenem", [("0715", "at")], route="IV")
    m_done = ev(t, "e3", "meropenem", "meropenem", [("0745", "end")], after=t.index("0745"))
    v_done = ev(t, "e4", "vancomycin", "vanco", [("0850", "end")], after=t.index("0850"))
    events = [v, m, m_done, v_done]
    tl = resolve_timeline(t, events, D)
    assert [e.event_id for e in tl.events] == ["e1", "e2"]
    assert (v.start, v.end) == (at(7, 0), at(8, 50))
    assert (m.start, m.end) == (at(7, 15), at(7, 45))


def test_time_first_rows_keep_their_own_time(ev) -> None:
    t = (" Time  | Medication            | Rate\n"
         " 08:05 | NS 1000 mL            | 125 mL/hr\n"
         " 08:20 | cefazolin 2 g/100 mL  | 200 mL/hr\n")
    ns = ev(t, "e1", "sodium chloride 0.9%", "NS", [("08:05", "at")], route="IV_INFUSION")
    cz = ev(t, "e2", "cefazolin", "cefazolin", [("08:20", "at")], route="IV_INFUSION")
    resolve_timeline(t, [ns, cz], D)
    assert ns.start == at(8, 5) and cz.start == at(8, 20)


def test_dotted_leader_rows_take_the_time_at_their_end(ev) -> None:
    t = ("Meds given:\n"
         "   Aranesp 40 mcg IV ............. 09:40\n"
         "   Ferrlecit 125 mg IV ........... 09:45\n")
    a = ev(t, "e1", "darbepoetin alfa", "Aranesp", route="IV")
    f = ev(t, "e2", "sodium ferric gluconate", "Ferrlecit", [("09:40", "at")], route="IV")
    resolve_timeline(t, [a, f], D)
    assert a.start == at(9, 40) and f.start == at(9, 45)


def test_clock_formats_and_years() -> None:
    assert toks("given 14h25, ended 14h40") == ["14h25", "14h40"]
    assert toks("At noon: epinephrine; at midnight") == ["noon", "midnight"]
    assert toks("20-Nov-2026 0910 Action") == ["0910"]
    assert toks("Nov 20, 2026 at 1410") == ["1410"]
    assert toks("last Tdap in 2019") == []
    assert toks("ran over 2h30 min") == []


def test_repeated_at_times_are_not_the_entry_time(ev) -> None:
    t = "16h05 : fentanyl 50 mcg IV push, repeated at 16h15 and 16h30, pain 2/10."
    e = ev(t, "e1", "fentanyl", "fentanyl", route="IV_PUSH")
    resolve_timeline(t, [e], D)
    assert e.start == at(16, 5)


def test_date_with_clock_sets_the_day_for_later_times(ev) -> None:
    t = ("Transfer, arrived 11/21 0210.\n"
         "Outside records: cefepime 2 g IV at 2250.\n"
         "Here: Keppra 1 g IVPB started 0300, completed 0315.")
    hist = ev(t, "e1", "cefepime", "cefepime", [("2250", "at")], status="historical")
    e = ev(t, "e2", "levetiracetam", "Keppra", [("0300", "start"), ("0315", "end")], route="IV_INFUSION")
    resolve_timeline(t, [hist, e], D)
    assert (e.start, e.end) == (at(3, 0, 21), at(3, 15, 21))


def test_a_named_stop_picks_its_run_among_several_open(ev) -> None:
    t = ("1800 LR 1 L bolus hung 18g L AC.\n"
         "1830 cefepime 2 g IVPB started R FA.\n"
         "1910 CEFEP INFUSED. pt resting.\n")
    lr = ev(t, "e1", "lactated ringer's", "LR", [("1800", "start")], route="IV_INFUSION", volume_ml=1000.0)
    cf = ev(t, "e2", "cefepime", "cefepime", [("1830", "start")], route="IV_INFUSION")
    resolve_timeline(t, [lr, cf], D)
    assert cf.end == at(19, 10)
    assert lr.end is None


def test_premed_row_time_is_not_the_infusion_start(ev) -> None:
    t = ("TOCILIZUMAB 8 MG/KG - CLINIC VISIT\n"
         "Premeds:  loratadine 10 mg PO ........ 0930   given\n"
         "tocilizumab 560 mg / 100 mL NS\n"
         "  0950   start, R FA\n"
         "  1050   complete\n")
    toci = ev(t, "e1", "tocilizumab", "TOCILIZUMAB", [("0930", "at")], route="IV_INFUSION", volume_ml=100.0)
    lor = ev(t, "e2", "loratadine", "loratadine", [("0930", "at")], route="PO")
    resolve_timeline(t, [toci, lor], D)
    assert (toci.start, toci.end) == (at(9, 50), at(10, 50))
    assert lor.start == at(9, 30)


def test_a_time_range_in_a_drugless_sentence_is_not_a_start(ev) -> None:
    t = ("- D5NS 1 L bolus, then NS @125 mL/hr\n"
         "Pt received D5NS 0905-1005, NS started 1010 and still running.")
    bolus = ev(t, "e1", "dextrose 5%/sodium chloride 0.9%", "D5NS", [("0905-1005", "range")],
               route="IV_INFUSION", volume_ml=1000.0)
    maint = ev(t, "e2", "sodium chloride 0.9%", "NS @125", route="IV_INFUSION", rate_ml_hr=125.0)
    resolve_timeline(t, [bolus, maint], D)
    assert maint.start == at(10, 10)


def test_kvo_stop_line_closes_the_kvo_not_the_pump(ev) -> None:
    t = ("0800  D5W 250 mL KVO started @ 10 mL/hr.\n"
         "0900  fluorouracil 4000 mg CADD pump, 46 hr continuous infusion, connected.\n"
         "0905  KVO d/c'd.\n")
    kvo = ev(t, "e1", "dextrose 5%", "D5W", [("0800", "start")], route="IV_INFUSION", volume_ml=250.0,
             rate_ml_hr=10.0, purpose="kvo")
    pump = ev(t, "e2", "fluorouracil", "fluorouracil", [("0900", "at")], route="IV_INFUSION")
    resolve_timeline(t, [kvo, pump], D)
    assert kvo.end == at(9, 5)
    assert pump.end is None
