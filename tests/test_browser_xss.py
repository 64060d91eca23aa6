"""Script in a claim stays text: a pasted article whose claims carry ``<img onerror>`` and ``<script>``
is shown with those tags as visible characters, and no script of theirs runs.

The real app in Debian's Chromium (see tests/test_browser.py); every JavaScript dialog the page opens
is recorded and dismissed, and there must be none. Also checked: no ``<img src=x>`` element and no
inline script with ``alert(`` in the page, on the Review, Dashboard, Ingest and Export pages.
"""

from __future__ import annotations

import pytest

from test_browser import chromium, chromium_page, open_page, sign_in, streamlit_server, wait_until_idle  # noqa: F401

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
HOSTILE_ARTICLE = (
    "Hostile Report\n\n"
    f"The minister said {IMG} inflation rose 9.1 percent in June 2022. "
    f"Officials claimed {SCRIPT} that unemployment fell to 3.5 percent in March 2022. "
    "Exports of grain grew 12 percent in 2021, according to the <b>ministry</b> report.")
HOSTILE_TITLE = "<img src=x onerror=alert(3)> Report"
HOSTILE_SOURCE = "<script>alert(4)</script> Ledger"

_INJECTED = """() => ({
  images: document.querySelectorAll('img[src="x"], img[onerror]').length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('alert(')).length,
  bold: [...document.querySelectorAll('.cd-claim-text b, .cd-context b')].length,
})"""


def _no_injection(page, dialogs: list[str], where: str) -> None:
    page.wait_for_timeout(500)  # an image's onerror fires as soon as its load fails
    assert dialogs == [], f"{where}: JavaScript dialogs opened: {dialogs}"
    assert page.evaluate(_INJECTED) == {"images": 0, "scripts": 0, "bold": 0}, where


def test_script_and_event_handlers_in_claims_render_as_text(chromium, tmp_path):
    dialogs: list[str] = []
    with streamlit_server(tmp_path / "data", tmp_path / "streamlit.log") as base, chromium_page() as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        sign_in(page, base, "Dana Ortiz")
        open_page(page, "Ingest")
        page.get_by_role("tab", name="Paste text").click()
        page.get_by_role("textbox", name="Article text").fill(HOSTILE_ARTICLE)
        page.get_by_role("textbox", name="Title").fill(HOSTILE_TITLE)
        page.get_by_role("textbox", name="Source").first.fill(HOSTILE_SOURCE)
        page.get_by_role("button", name="Find claims").click()
        page.get_by_text("Just ingested").wait_for()
        wait_until_idle(page)
        _no_injection(page, dialogs, "Ingest")
        assert page.get_by_text(HOSTILE_TITLE).count() >= 1  # the title shown as typed

        page.get_by_role("button", name="Review this document").first.click()
        page.get_by_role("heading", name="Review", exact=True).wait_for()
        page.locator(".cd-claim-text").first.wait_for()
        wait_until_idle(page)
        card = page.locator(".cd-claim-text").first.inner_text()
        around = page.locator(".cd-context").first.inner_text()
        shown = card + " " + around
        assert "<img src=x" in shown, shown  # the literal characters, on screen
        assert IMG in shown and SCRIPT in shown, shown
        assert "<b>ministry</b>" in shown, shown
        _no_injection(page, dialogs, "Review")

        page.get_by_role("button", name="Disputed").click()  # the claim joins the archive with its tags
        wait_until_idle(page)
        _no_injection(page, dialogs, "Review after a verdict")

        for title in ("Dashboard", "Ingest", "Export"):
            open_page(page, title)
            _no_injection(page, dialogs, title)

        # The watchers do catch a payload that runs: the same image, inserted as markup.
        page.evaluate("""() => { const probe = document.createElement('div');
            probe.innerHTML = '<img src=x onerror="alert(&quot;probe&quot;)">'; document.body.appendChild(probe); }""")
        page.wait_for_timeout(1000)
        assert dialogs == ["probe"] and page.evaluate(_INJECTED)["images"] == 1
