"""Real browser: a house manager who chose Spanish sees the resident list, a resident page, the
matching suggestions and the mentor list in Spanish (issue 20), at phone and desktop width.

"Entirely": no English sentence of the catalogue (a msgid of three words or more, without
placeholders or markup, whose Spanish differs) is in the page's visible text.
"""

import re

import polib
import pytest
from playwright.sync_api import expect

from residents.models import Language
from tests import factories as f
from tests.conftest import ROOT, screenshot

pytestmark = pytest.mark.browser

SIZES = {"phone": (375, 812), "desktop": (1366, 900)}


def english_sentences() -> list[str]:
    po = polib.pofile(str(ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    sentences = set()
    for entry in po:
        for english in filter(None, (entry.msgid, entry.msgid_plural)):
            if re.search(r"%|\{|<", english) or len(english.split()) < 3:
                continue
            if english in (entry.msgstr, *entry.msgstr_plural.values()):
                continue
            sentences.add(english)
    assert len(sentences) > 100, "the catalogue should hold the staff pages' sentences"
    return sorted(sentences)


def visible_text(page) -> str:
    # The resident page fills its cards over htmx: wait until every slot has loaded.
    expect(page.get_by_text("Cargando")).to_have_count(0)
    return page.inner_text("body")


def assert_spanish(page, sentences: list[str], *expected: str) -> None:
    text = visible_text(page)
    english = [s for s in sentences if s in text]
    assert english == [], f"English left on {page.url}: {english}"
    for words in expected:
        assert words in text, f"{words!r} not on {page.url}"


@pytest.mark.parametrize("size", SIZES)
def test_a_spanish_speaking_manager_sees_the_staff_pages_in_spanish(
    size, browser, live_server, login_browser, manager, house, mentor, mentor2
):
    manager.preferred_language = "es"
    manager.save(update_fields=["preferred_language"])
    spanish = Language.objects.get(code="es")
    mentor.languages.add(spanish)
    mentor.houses.add(house)
    mentor2.houses.add(house)
    ana = f.ResidentFactory(house=house, preferred_name="Ana")
    ana.languages.add(spanish)
    f.ConsentRecordFactory(resident=ana)
    f.RecoveryGoalFactory(resident=ana, text="Find work")
    waiting = f.ResidentFactory(house=house, preferred_name="Luz")
    waiting.languages.add(spanish)
    f.PairingFactory(resident=ana, mentor=mentor2)
    sentences = english_sentences()

    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        login_browser(page, live_server, manager)

        page.goto("/residents/")
        assert page.locator("h1").inner_text() == "Residentes"
        assert_spanish(
            page, sentences, "Admitir a un/a residente", "Días en la casa", "2 residentes"
        )
        screenshot(page, f"es-residents-list-{size}")

        page.goto(f"/residents/{ana.pk}/")
        assert_spanish(
            page,
            sentences,
            "Metas de recuperación",
            "Consentimiento",
            "Vigente",
            "Registrar la salida",
            "Find work",
        )
        assert "días en la casa" in visible_text(page) or "día en la casa" in visible_text(page)
        screenshot(page, f"es-resident-page-{size}")

        page.goto(f"/matching/residents/{waiting.pk}/suggest/")
        assert page.locator("h1").inner_text() == "Un/a mentor/a para Luz"
        assert_spanish(page, sentences, "Mentores sugeridos", "Habla Español", "Elegir a Sam")
        screenshot(page, f"es-matching-suggestions-{size}")

        page.goto("/mentors/")
        assert page.locator("h1").inner_text() == "Mentores"
        assert_spanish(page, sentences, "Agregar un/a mentor/a", "Habilitado/a", "2 mentores")
        screenshot(page, f"es-mentor-list-{size}")
    finally:
        context.close()


def test_the_same_pages_stay_in_english_for_an_english_speaking_manager(
    page, live_server, login_browser, manager, house, mentor
):
    manager.preferred_language = "en"
    manager.save(update_fields=["preferred_language"])
    mentor.houses.add(house)
    resident = f.ResidentFactory(house=house, preferred_name="Ana")
    login_browser(page, live_server, manager)

    page.goto("/residents/")
    assert page.locator("h1").inner_text() == "Residents"
    page.goto(f"/matching/residents/{resident.pk}/suggest/")
    assert page.locator("h1").inner_text() == "A mentor for Ana"
    assert "Suggested mentors" in page.inner_text("body")
    page.goto("/mentors/")
    assert "Add a mentor" in page.inner_text("body")
