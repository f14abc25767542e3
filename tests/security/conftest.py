import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    """Sign-in attack tests count failures in the cache: each starts and ends with none."""
    cache.clear()
    yield
    cache.clear()
