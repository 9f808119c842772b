"""Access and injection sites as charts write them (fictional lines written for these tests).

EHR order "Antecubital, Right" is the whole site; a central device stays in the site text ("R IJ CVC") while
a peripheral IV does not ("R hand PIV" -> "R hand"); a diagnosis location ("cellulitis L leg") is no site.
"""

from __future__ import annotations

import pytest
from infucode.pipeline.extract.attributes import find_attributes


def sites(line: str) -> list[str]:
    return [a.text for a in find_attributes(line) if a.label == "site"]


@pytest.mark.parametrize(("line", "site"), [
    ("NS 1000 mL IV bolus | Antecubital, Right | Performed", "Antecubital, Right"),
    ("cefazolin 2 g IVPB, site Forearm, Left", "Forearm, Left"),
    ("Hand, Left 22g placed", "Hand, Left"),
])
def test_ehr_location_then_side_is_the_whole_site(line: str, site: str) -> None:
    assert sites(line) == [site]


def test_a_side_before_the_location_is_not_read_twice_with_the_next_site() -> None:
    assert sites("L hand, R AC") == ["L hand", "R AC"]
    assert sites("Right hand, left AC") == ["Right hand", "left AC"]


@pytest.mark.parametrize(("line", "site"), [
    ("norepinephrine via R IJ CVC", "R IJ CVC"),
    ("vancomycin via L arm PICC", "L arm PICC"),
    ("NS via R chest port", "R chest port"),
    ("ondansetron 4 mg IV R hand PIV", "R hand"),
])
def test_central_devices_stay_in_the_site_and_a_peripheral_iv_does_not(line: str, site: str) -> None:
    assert sites(line) == [site]


@pytest.mark.parametrize("line", [
    "admitted for cellulitis L leg, cefazolin 2 g IV",
    "I&D of abscess R thigh, lidocaine 1% local",
    "fracture of the L wrist, splinted",
    "osteomyelitis R foot on IV antibiotics",
    "L leg cellulitis improving",
])
def test_a_diagnosis_location_is_no_site(line: str) -> None:
    assert sites(line) == []


def test_the_iv_site_beside_a_diagnosis_location_is_still_found() -> None:
    assert sites("cellulitis L leg; cefazolin 2 g IV via L AC") == ["L AC"]


@pytest.mark.parametrize(("line", "site"), [
    ("IV site: swelling R AC, IV removed", "R AC"),
    ("20g L AC, pain 2/10", "L AC"),
    ("IM to the right lateral thigh", "right lateral thigh"),
    ("enoxaparin 40 mg SQ abd LLQ", "abd LLQ"),
])
def test_site_descriptions_and_qualified_locations(line: str, site: str) -> None:
    assert sites(line) == [site]
