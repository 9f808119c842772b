"""Spark (local[2]) gives the same output records as the single-process batch runner."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
sys.path.insert(0, str(Path(__file__).parent))

import test_batch_fakes  # noqa: E402
from infucode.pipeline.batch import LocalRunner, batched  # noqa: E402
from infucode.pipeline.io.records import InputItem  # noqa: E402

pytestmark = pytest.mark.slow


def _java_available() -> bool:
    return any((Path(p) / "java").exists() for p in os.environ.get("PATH", "").split(os.pathsep)) or bool(
        os.environ.get("JAVA_HOME"))


NOTES = [
    {"id": f"s{i}", "text": f"Zofran {i % 5 + 1} mg IV push at 14{i:02d}\nNS 1000 mL bolus", "unit": "ED"}
    for i in range(40)
] + [
    {"id": "s-empty", "text": ""},
    {"id": "s-notext", "text": None},
    {"id": "s-raise", "text": "ketorolac 15 mg push @@RAISE@@"},
    {"id": "s-prof", "text": "morphine 4 mg IV push", "setting": "professional"},
]


def _single_process(factory) -> dict[str, dict]:
    runner = LocalRunner(factory, "facility")
    items = [InputItem(i, i + 1, dict(r)) for i, r in enumerate(NOTES)]
    out = [rec for res in runner.map(batched(items, 7)) for rec in res]
    return {r["id"]: r for r in out}


@pytest.fixture(scope="module")
def spark():
    if not _java_available():
        pytest.skip("java not installed")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from infucode.pipeline.spark import local_session

    session = local_session("local[2]", "infucode-test")
    yield session
    session.stop()


def test_spark_local_output_equals_single_process_output(spark):
    from infucode.pipeline.spark import code_dataframe
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(test_batch_fakes)
    try:
        rows = [{"id": r["id"], "text": r["text"], "setting": r.get("setting"), "unit": r.get("unit")}
                for r in NOTES]
        df = spark.createDataFrame(rows, "id string, text string, setting string, unit string").repartition(3)
        coded = code_dataframe(df, factory=test_batch_fakes.fake_factory, batch_size=5).collect()
    finally:
        cloudpickle.unregister_pickle_by_value(test_batch_fakes)
    expected = _single_process(test_batch_fakes.fake_factory)
    assert len(coded) == len(NOTES)
    got = {r["id"]: json.loads(r["record_json"]) for r in coded}
    # Spark passes null columns through as None; the plain records lack those keys
    for rec in got.values():
        rec["meta"] = {k: v for k, v in rec["meta"].items() if v is not None}
    for rec in expected.values():
        rec["meta"] = {k: v for k, v in rec["meta"].items() if v is not None}
    assert got == expected
    by_id = {r["id"]: r for r in coded}
    assert by_id["s-empty"]["status"] == "error" and by_id["s-empty"]["error_type"] == "empty_text"
    assert by_id["s-notext"]["error_type"] == "missing_text"
    assert by_id["s0"]["cpt_codes"] == ["96374"]


def test_spark_with_the_real_pipeline_equals_the_batch_runner(spark, tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    import make_synthetic_dump
    from infucode.pipeline.batch import DEFAULT_FACTORY
    from infucode.pipeline.spark import code_dataframe

    records = list(make_synthetic_dump.iter_records(24, seed=5))
    expected = {}
    runner = LocalRunner(DEFAULT_FACTORY, "facility")
    items = [InputItem(i, i + 1, dict(r)) for i, r in enumerate(records)]
    for res in runner.map(batched(items, 8)):
        expected.update({r["id"]: r for r in res})
    df = spark.createDataFrame(records, "id string, text string, encounter_date string, setting string")
    coded = code_dataframe(df.repartition(2)).collect()
    got = {r["id"]: json.loads(r["record_json"]) for r in coded}
    assert got == expected
    assert sum(len(r["cpt"]) for r in got.values()) > 0
