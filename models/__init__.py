"""scikit-learn models for attribute linking and administration status."""
