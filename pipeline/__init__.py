"""Runtime NLP pipeline, temporal resolver and coder."""
