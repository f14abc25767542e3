import pytest
from django.db import OperationalError

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


class _UnreachableDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server")


def test_it_reports_the_database_down(client, monkeypatch, caplog):
    # Only the view's own check loses the database; sessions and middleware keep theirs.
    monkeypatch.setattr("mentoring_site.views.connection", _UnreachableDatabase())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "down", "broker": "ok"}
    # The log names the failure's type only, never the connection details.
    assert "healthz: database check failed: OperationalError" in caplog.text
    assert "could not connect" not in caplog.text


def test_it_rejects_post(client):
    assert client.post("/healthz").status_code == 405
