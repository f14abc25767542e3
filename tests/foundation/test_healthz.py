import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_it_reports_the_broker_down(client, settings):
    from mentoring_site.celery import app
    from tests.conftest import use_broker

    use_broker(app, "redis://127.0.0.1:1/0", {})  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}


def test_it_rejects_post(client):
    assert client.post("/healthz").status_code == 405
