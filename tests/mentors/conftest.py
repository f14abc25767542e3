import pytest


@pytest.fixture(autouse=True)
def _manager_runs_a_house(request):
    """Managers change only mentors who serve one of their houses (serving every house counts):
    give the `manager` fixture its house whenever a test uses it."""
    if "manager" in request.fixturenames:
        request.getfixturevalue("house")
