"""Retrain the scikit-learn models: a thin wrapper around ``infucode train`` (see models/train.py)."""

from __future__ import annotations

import sys

from infucode.models.train import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
