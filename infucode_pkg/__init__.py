"""infucode: drug-administration charge suggestions from nursing and ED notes."""

__version__ = "0.1.0"
