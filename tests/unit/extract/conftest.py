import pytest
from infucode.pipeline.extract import build_nlp, doc_events


@pytest.fixture(scope="session")
def nlp():
    return build_nlp()


@pytest.fixture(scope="session")
def extract(nlp):
    def run(text):
        return doc_events(nlp(text))

    return run
