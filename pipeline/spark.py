r"""Run the infucode pipeline over a Spark DataFrame (``mapInArrow``, one pipeline per Python worker).

Each Spark Python worker process builds the pipeline once (cached in the module global ``_PIPELINES``) and
reuses it for every Arrow batch of every task it runs (``spark.python.worker.reuse`` is on by default).
The per-note work is exactly ``infucode.pipeline.batch.process_items``, the same function ``infucode code``
uses, so a Spark run gives the same output records as a single-process run.

Library use::

    from infucode.pipeline.spark import code_dataframe
    notes = spark.read.parquet("noteevents.parquet")
    coded = code_dataframe(notes, columns={"id": "ROW_ID", "text": "TEXT", "encounter_date": "CHARTDATE"})
    coded.write.parquet("coded.parquet")

Output columns (``OUTPUT_SCHEMA``): ``id``, ``status``, ``error_type``, ``n_events``, ``n_given``,
``n_cpt``, ``n_hcpcs``, ``cpt_codes`` and ``hcpcs_codes`` (arrays of code strings), ``flag_codes`` and
``record_json`` (the full contract output record, identical to one line of ``infucode code`` JSONL output).

Cluster command (the module is also a spark-submit script)::

    # ship a venv that has infucode installed (e.g. built with venv-pack) to the executors
    spark-submit --master yarn --deploy-mode cluster \
      --archives infucode-venv.tar.gz#env \
      --conf spark.pyspark.python=./env/bin/python \
      --conf spark.executor.cores=4 --conf spark.python.worker.reuse=true \
      "$(python -c 'import infucode.pipeline.spark as m; print(m.__file__)')" \
      --input s3://bucket/mimic/NOTEEVENTS.csv.gz --input-format csv \
      --columns id=ROW_ID,text=TEXT,encounter_date=CHARTDATE \
      --output s3://bucket/coded/ --output-format parquet --setting facility

Local run for a quick check (binds to loopback)::

    SPARK_LOCAL_IP=127.0.0.1 python -m infucode.pipeline.spark --master 'local[2]' \
      --input notes.parquet --output coded_dir --output-format jsonl

Each Python worker holds one pipeline (spaCy + rules, a few hundred MB): size
``spark.executor.memory`` / ``spark.executor.pyspark.memory`` for ``executor.cores`` pipelines. Parquet
input keeps memory flat; very long notes are refused per note (``note_too_large``) exactly as in the CLI.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

from infucode.pipeline.batch import DEFAULT_FACTORY, load_factory, process_items
from infucode.pipeline.io.jsonl_format import dumps
from infucode.pipeline.io.records import InputItem, clean_cell, parse_columns, resolve_columns

#: Output columns of ``code_dataframe`` with their Spark DDL types (the one definition of the schema).
OUTPUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "string"),
    ("status", "string"),
    ("error_type", "string"),
    ("n_events", "int"),
    ("n_given", "int"),
    ("n_cpt", "int"),
    ("n_hcpcs", "int"),
    ("cpt_codes", "array<string>"),
    ("hcpcs_codes", "array<string>"),
    ("flag_codes", "array<string>"),
    ("record_json", "string"),
)
#: Spark DDL schema of ``code_dataframe`` output.
OUTPUT_SCHEMA = ", ".join(f"{name} {ddl}" for name, ddl in OUTPUT_COLUMNS)

_PIPELINES: dict[tuple[Any, str], Any] = {}


def executor_pipeline(factory: str | Callable[..., Any], setting: str) -> Any:
    """Return this process's pipeline, building it on first use (one per Python worker process)."""
    key = (factory if isinstance(factory, str) else id(factory), setting)
    if key not in _PIPELINES:
        _PIPELINES[key] = load_factory(factory)(setting)
    return _PIPELINES[key]


def output_row(rec: dict[str, Any]) -> dict[str, Any]:
    """Flatten one output record into a row of ``OUTPUT_SCHEMA``."""
    events = rec.get("events") or []
    return {
        "id": None if rec.get("id") is None else str(rec.get("id")),
        "status": rec.get("status"),
        "error_type": (rec.get("error") or {}).get("type"),
        "n_events": len(events),
        "n_given": sum(1 for e in events if e.get("status") == "given"),
        "n_cpt": len(rec.get("cpt") or []),
        "n_hcpcs": len(rec.get("hcpcs") or []),
        "cpt_codes": [str(c.get("code")) for c in rec.get("cpt") or []],
        "hcpcs_codes": [str(c.get("code")) for c in rec.get("hcpcs") or []],
        "flag_codes": [str(f.get("code")) for f in rec.get("flags") or []],
        "record_json": dumps(rec).rstrip("\n"),
    }


def code_batches(batches: Iterator[Any], rename: dict[str, str], setting: str,
                 factory: str | Callable[..., Any], batch_size: int = 32) -> Iterator[Any]:
    """Code an iterator of Arrow record batches (the body of the ``mapInArrow`` function)."""
    import pyarrow as pa

    try:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        part = ctx.partitionId() if ctx is not None else 0
    except Exception:  # pragma: no cover - outside Spark
        part = 0
    pipeline = executor_pipeline(factory, setting)
    schema = _arrow_schema()
    n = 0
    for batch in batches:
        rows = batch.to_pylist()
        out: list[dict[str, Any]] = []
        for start in range(0, len(rows), batch_size):
            items = []
            for row in rows[start:start + batch_size]:
                n += 1
                record = {rename.get(k, k): clean_cell(v) for k, v in row.items()}
                if record.get("id") is None:
                    record.pop("id", None)
                # no global line number in Spark: the fallback id is "line:p<partition>-<row in partition>"
                items.append(InputItem(n - 1, f"p{part}-{n}", record))
            out.extend(output_row(r) for r in process_items(pipeline, items, setting))
        yield pa.RecordBatch.from_pylist(out, schema=schema)


def _arrow_schema() -> Any:
    """Arrow schema of ``OUTPUT_COLUMNS`` (the ``mapInArrow`` batches)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int": pa.int32(), "array<string>": pa.list_(pa.string())}
    return pa.schema([(name, types[ddl]) for name, ddl in OUTPUT_COLUMNS])


def code_dataframe(df: Any, setting: str = "facility", columns: dict[str, str] | None = None,
                   factory: str | Callable[..., Any] = DEFAULT_FACTORY, batch_size: int = 32) -> Any:
    """Code every row of a Spark DataFrame of notes.

    Parameters
    ----------
    df
        ``pyspark.sql.DataFrame`` with the contract's input columns (or others mapped by ``columns``).
    setting
        Default setting for rows without a ``setting`` column value.
    columns
        ``{contract field: DataFrame column}``, e.g. ``{"id": "ROW_ID", "text": "TEXT"}``.
    factory
        ``"module:callable"`` (or a picklable callable) building the pipeline on each Python worker.
    batch_size
        Notes handed to the pipeline at a time (``nlp.pipe`` batch).

    Returns
    -------
    pyspark.sql.DataFrame
        One row per input row with ``OUTPUT_SCHEMA``.
    """
    rename = resolve_columns(list(df.columns), dict(columns or {}))

    def _map(batches: Iterator[Any]) -> Iterator[Any]:
        return code_batches(batches, rename, setting, factory, batch_size)

    return df.mapInArrow(_map, OUTPUT_SCHEMA)


def local_session(master: str = "local[2]", app_name: str = "infucode") -> Any:
    """Create a Spark session bound to the loopback interface (no UI), for tests and local runs."""
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # local workers must run this interpreter (the one where infucode is installed), not "python3" on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master).appName(app_name)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.python.worker.reuse", "true")
        .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
        .getOrCreate()
    )


def main(argv: list[str] | None = None) -> int:
    """spark-submit entry point: read notes, code them, write JSONL (text) or Parquet."""
    p = argparse.ArgumentParser(prog="infucode.pipeline.spark", description="Code notes with Spark.")
    p.add_argument("--input", required=True)
    p.add_argument("--input-format", choices=("parquet", "csv", "json"), default=None,
                   help="default: from the extension (.csv, .json/.jsonl, else parquet)")
    p.add_argument("--output", required=True)
    p.add_argument("--output-format", choices=("parquet", "jsonl"), default="parquet")
    p.add_argument("--columns", default=None)
    p.add_argument("--setting", choices=("facility", "professional"), default="facility")
    p.add_argument("--master", default=None, help="e.g. local[2]; default: as given to spark-submit")
    p.add_argument("--factory", default=DEFAULT_FACTORY, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    from pyspark.sql import SparkSession

    if args.master:
        spark = local_session(args.master) if args.master.startswith("local") else (
            SparkSession.builder.master(args.master).appName("infucode").getOrCreate())
    else:
        spark = SparkSession.builder.appName("infucode").getOrCreate()
    fmt = args.input_format or (
        "csv" if args.input.lower().endswith((".csv", ".csv.gz")) else
        "json" if args.input.lower().endswith((".json", ".jsonl", ".json.gz", ".jsonl.gz")) else "parquet")
    if fmt == "csv":
        df = spark.read.csv(args.input, header=True, multiLine=True, escape='"')
    elif fmt == "json":
        df = spark.read.json(args.input)
    else:
        df = spark.read.parquet(args.input)
    columns = parse_columns(args.columns)
    coded = code_dataframe(df, setting=args.setting, columns=columns, factory=args.factory)
    if args.output_format == "jsonl":
        coded.select("record_json").write.mode("overwrite").text(args.output)
    else:
        coded.write.mode("overwrite").parquet(args.output)
    counts = {r["status"]: r["count"] for r in
              spark.read.parquet(args.output).groupBy("status").count().collect()} \
        if args.output_format == "parquet" else None
    print(json.dumps({"output": args.output, "status_counts": counts}), file=sys.stderr)
    spark.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
