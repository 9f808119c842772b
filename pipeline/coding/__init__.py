"""Drug-administration coder: resolved events -> CPT 963xx/964xx lines, HCPCS drug lines and audit flags.

Pure Python (no spaCy). Entry point: :func:`code_events`. Tables: :func:`load_tables`.
"""

from infucode.pipeline.coding.coder import code_events
from infucode.pipeline.coding.tables import CodingTables, TableError, load_tables

__all__ = ["CodingTables", "TableError", "code_events", "load_tables"]
