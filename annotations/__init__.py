"""The shared data model, gold corpus, scenario set, scoring and the review web app."""
