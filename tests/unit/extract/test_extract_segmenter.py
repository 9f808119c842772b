from infucode.pipeline.extract.segmenter import split_entries, split_sentences


def entries(text):
    return [text[s:e] for s, e in split_entries(text)]


def test_timestamp_led_lines_are_separate_entries():
    text = "1402 Pt to rm 12.\n1410 Zofran 4mg IVP L AC. tol well.\n1412 NS 1L bolus started"
    assert entries(text) == [
        "1402 Pt to rm 12.", "1410 Zofran 4mg IVP L AC. tol well.", "1412 NS 1L bolus started"]


def test_inline_clock_time_after_period_starts_new_entry():
    text = "1410 zofran 4 mg IVP. 1430 toradol 15 mg IVP."
    assert entries(text) == ["1410 zofran 4 mg IVP.", "1430 toradol 15 mg IVP."]


def test_wrapped_lowercase_line_continues_entry():
    text = "Pt medicated with morphine 4 mg IV push at 1105 and\nondansetron 4 mg IV push at 1107"
    assert len(entries(text)) == 1


def test_flowsheet_rows_are_one_entry_each():
    text = ("ondansetron injection 4 mg | Route: Intravenous | Admin time: 1410 | Given\n"
            "ketorolac injection 30 mg | Route: Intravenous | Admin time: 1412 | Given")
    assert len(entries(text)) == 2


def test_indented_mar_detail_lines_belong_to_their_drug_line():
    text = ("morphine injection 2 mg\n    Action: Given   Dose: 2 mg   Route: Intravenous\n"
            "    Admin time: 03/12/26 1412\n\nondansetron injection 4 mg\n    Action: Given")
    assert len(entries(text)) == 2


def test_blank_and_spaceless_newlines_are_handled():
    text = "Zofran 4 mg IVP\n\n\nNS 1L bolus\r\ntoradol 15 mg IVP"
    assert entries(text) == ["Zofran 4 mg IVP", "NS 1L bolus", "toradol 15 mg IVP"]


def test_sentences_split_on_period_and_semicolon():
    text = "Zofran 4 mg given; toradol held. Pt resting"
    starts = split_sentences(text, 0, len(text))
    assert [text[s:s + 4] for s in starts] == ["Zofr", "tora", "Pt r"]


def test_clock_time_does_not_split_sentence_inside_entry(nlp):
    doc = nlp("NS 1000 mL started @ 1410 at 125 mL/hr")
    assert len(list(doc.sents)) == 1


def test_sentence_starts_are_set_on_the_right_tokens(nlp):
    doc = nlp("1410 Zofran 4mg IVP L AC. tol well. Pt resting; NS infusing.\n1420 toradol 15 mg IVP")
    assert [s.text.strip() for s in doc.sents] == [
        "1410 Zofran 4mg IVP L AC. tol well.", "Pt resting;", "NS infusing.", "1420 toradol 15 mg IVP"]


def test_long_note_is_processed_in_context_chunks_with_the_same_result(nlp):
    from infucode.pipeline.extract import doc_events

    note = "1410 Zofran 4mg IVP L AC\n1412 NS 1L bolus started\n1420 toradol 15 mg IV held, pt refused\n"
    single = [(e.drug, e.status) for e in doc_events(nlp(note))]
    many = [(e.drug, e.status) for e in doc_events(nlp(note * 300))]
    assert len(nlp(note * 300)) > 1200  # longer than one ConText chunk
    assert many[:3] == single and many[-3:] == single and len(many) == 3 * 300
