"""The main flow in a real browser: `streamlit run app.py` driven through Debian's Chromium.

A person enters their name, loads the demo article, reviews a claim against its earlier
statements, reloads the page and finds their progress kept, then exports. Skipped only when
/usr/bin/chromium is absent (``apt-get install -y chromium``; Playwright's own download is not
used).

Run as a script to refresh the README's screenshot of the review page::

    .venv/bin/python tests/test_browser.py            # writes docs/screenshots/review.png
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MODEL_ENV

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = REPO / "docs" / "screenshots" / "review.png"
TIMEOUT_MS = 90_000  # first answers wait for the model to load on a busy machine

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(data_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run app.py` on a free port with its workspace in ``data_dir``; yields the base URL.

    The server is always terminated, also when the test fails.
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_") or k in MODEL_ENV}
    env.update(CLAIMDESK_DATA=str(data_dir), HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", **(extra_env or {}))
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--client.toolbarMode", "viewer"]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {server.returncode}: {log_path.read_text()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                        if answer.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer within 120 s: {log_path.read_text()[-2000:]}")
                time.sleep(0.5)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def wait_until_idle(page) -> None:
    """Wait for Streamlit to finish the current script run (the status widget says "Running…")."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


PASSWORD = "a long demo password"


def sign_in(page, base: str, name: str, password: str = PASSWORD) -> None:
    """Sign in; on a new workspace, create its first admin with this name and password."""
    page.goto(base)
    first = page.get_by_role("button", name="Create admin and sign in")
    form = page.get_by_role("button", name="Sign in", exact=True)
    first.or_(form).first.wait_for()
    if first.count():
        page.get_by_role("textbox", name="Your name").fill(name)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_label("Password again").fill(password)
        first.click()
    else:
        page.get_by_role("textbox", name="Name", exact=True).fill(name)
        page.get_by_label("Password", exact=True).fill(password)
        form.click()
    page.get_by_role("heading", name="Dashboard", exact=True).wait_for()
    wait_until_idle(page)


def open_page(page, title: str) -> None:
    """Open a page through the sidebar navigation, as a person would."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, exact=True).first.wait_for()
    wait_until_idle(page)


def progress_text(page) -> str:
    return page.locator('[data-testid="stProgress"]').first.inner_text().strip()


def claim_text(page) -> str:
    return page.locator(".cd-claim-text").first.inner_text().strip()


def load_demo_and_review(page) -> int:
    """Ingest the demo article and open its review queue; returns the number of claims."""
    open_page(page, "Ingest")
    page.get_by_role("tab", name="Demo article").click()
    page.get_by_role("button", name="Load demo article").click()
    page.get_by_text("Just ingested").wait_for()
    wait_until_idle(page)
    page.get_by_role("button", name="Review this document").first.click()
    page.get_by_role("heading", name="Review", exact=True).wait_for()
    page.locator(".cd-claim-text").first.wait_for()
    wait_until_idle(page)
    match = re.fullmatch(r"0 of (\d+) claims reviewed", progress_text(page))
    assert match, progress_text(page)
    return int(match.group(1))

# WCAG 2 contrast of every visible text node against the colours behind it (alpha and opacity
# composed over white). Icons (Material ligatures) and disabled controls are exempt, as WCAG says;
# a slider's value label is drawn above its thumb, outside the boxes of its DOM ancestors, so the
# colour behind it cannot be read this way (the stylesheet gives it a dark shade instead).
_CONTRAST_JS = r"""
() => {
  const parse = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(parseFloat); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const behind = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) layers.push(c); if (c && c.a >= 1) break; }
    let base = {r: 255, g: 255, b: 255};
    for (let i = layers.length - 1; i >= 0; i--) { const c = layers[i];
      base = {r: c.r * c.a + base.r * (1 - c.a), g: c.g * c.a + base.g * (1 - c.a), b: c.b * c.a + base.b * (1 - c.a)}; }
    return base; };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const text = n.textContent.trim(); const el = n.parentElement;
    if (!text || !el) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('[data-testid="stIconMaterial"], button:disabled, [aria-disabled="true"], [data-testid="stToolbar"], [data-testid="stSliderThumbValue"]')) continue;
    let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
    if (opacity < 0.1) continue;
    const fg = parse(getComputedStyle(el).color), bg = behind(el), a = fg.a * opacity;
    const shown = {r: fg.r * a + bg.r * (1 - a), g: fg.g * a + bg.g * (1 - a), b: fg.b * a + bg.b * (1 - a)};
    const [hi, lo] = [lum(shown), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) low.push(`${text.slice(0, 40)} (${ratio.toFixed(2)}:1)`);
  }
  return low;
}
"""


def low_contrast_texts(page) -> list[str]:
    """Visible texts below WCAG AA's 4.5:1 contrast, each with its ratio."""
    return page.evaluate(_CONTRAST_JS)


@pytest.fixture
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    return CHROMIUM


def test_main_flow_in_chromium(chromium, tmp_path):
    with streamlit_server(tmp_path / "data", tmp_path / "streamlit.log") as base, chromium_page() as page:
        sign_in(page, base, "Dana Ortiz")
        total = load_demo_and_review(page)
        assert re.search(r"[?&]session=[\w-]{40,}", page.url) and "Dana" not in page.url

        # A claim, and the earlier statements it is close to, with verdict chips.
        first = claim_text(page)
        assert first
        page.get_by_role("heading", name="Earlier statements").wait_for()
        assert page.get_by_text(re.compile(r"^\d+% similar$")).count() >= 1
        assert low_contrast_texts(page) == []  # captions, shortcut hints, verdict buttons: WCAG AA

        page.get_by_role("button", name="Disputed").click()
        page.get_by_text(f"1 of {total} claims reviewed").wait_for()
        wait_until_idle(page)
        second = claim_text(page)
        assert second != first
        assert re.search(r"[?&]claim=\d+", page.url)

        # A keyboard shortcut records a verdict too; typing in the note does not trigger one.
        note = page.get_by_role("textbox", name="Note")
        note.fill("Checked against the readout")
        note.press("s")  # a letter typed in the note is text, not the Skip shortcut
        assert claim_text(page) == second
        page.evaluate("document.activeElement.blur()")  # leaving the note commits it
        wait_until_idle(page)
        page.keyboard.press("3")
        page.get_by_text(f"2 of {total} claims reviewed").wait_for()
        wait_until_idle(page)
        third = claim_text(page)

        # A reload keeps the reviewer, the progress and the claim on screen.
        page.reload()
        page.get_by_text(f"2 of {total} claims reviewed").wait_for()
        page.locator(".cd-claim-text").first.wait_for()
        assert claim_text(page) == third
        assert page.get_by_label("Password", exact=True).count() == 0  # still signed in

        open_page(page, "Export")
        download_button = page.get_by_role("button", name=re.compile(r"Download verdict CSV \(2 claims\)"))
        download_button.wait_for()
        with page.expect_download() as info:
            download_button.click()
        download = info.value
        assert re.fullmatch(r"claimdesk-verdicts-\d{8}\.csv", download.suggested_filename)
        rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
        assert {(r["text"], r["verdict"]) for r in rows} == {(first, "disputed"), (second, "unverified")}
        assert {r["reviewer"] for r in rows} == {"Dana Ortiz"}
        assert {r["note"] for r in rows} == {"", "Checked against the readouts"}  # the "s" went into the note


def _stored_reviews(data_dir: Path) -> list[tuple[int, int, str, str | None, str | None]]:
    """(claim id, document id, verdict, note, evidence JSON) of every label event, read from the database."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(data_dir / "claimdesk.db")) as db:
        return db.execute(
            "SELECT r.claim_id, s.document_id, r.verdict, r.note, r.evidence FROM reviews r "
            "JOIN sentences s ON s.id = r.claim_id WHERE r.action = 'label' ORDER BY r.id").fetchall()


def test_verdict_lands_on_the_claim_on_screen_with_two_identical_documents(chromium, tmp_path):
    """The seed article ingested twice (demo button, then a paste): a note typed on the second
    document's claim, the box left, then the key 2: the verdict and the note land on that claim."""
    data_dir = tmp_path / "data"
    seed = (REPO / "claims" / "demo" / "article.txt").read_text(encoding="utf-8")
    log = tmp_path / "streamlit.log"
    with streamlit_server(data_dir, log) as base, chromium_page(1440, 900) as page, \
            screenshot_on_failure(page, tmp_path / "failure.png", log):
        sign_in(page, base, "Dana Ortiz")
        open_page(page, "Ingest")
        page.get_by_role("tab", name="Demo article").click()
        page.get_by_role("button", name="Load demo article").click()
        page.get_by_text("Just ingested").wait_for()
        wait_until_idle(page)
        page.get_by_role("tab", name="Paste text").click()
        page.get_by_role("textbox", name="Article text").fill(seed)
        page.get_by_role("button", name="Find claims").click()
        wait_until_idle(page)
        # The same text again: claimdesk says so and offers the earlier document; add it anyway.
        page.get_by_text("This text is already in the workspace").wait_for()
        page.get_by_role("button", name="Add it as a new document").click()
        # Wait for the new document itself, not only for a quiet status widget: under load the ingest's
        # run can start after that check (the add runs as the button's callback, with no second rerun).
        page.get_by_text(re.compile(r"^#2 · ")).first.wait_for()
        wait_until_idle(page)
        # Two documents of one title, told apart by their labels; review the newest (the pasted one).
        open_page(page, "Review")
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
        options = page.get_by_role("option")
        options.first.wait_for()
        labels = [options.nth(i).inner_text() for i in range(options.count())]
        assert len(labels) == 3 and len(set(labels)) == 3, labels
        newest = max(labels[1:], key=lambda label: int(re.match(r"#(\d+) · ", label).group(1)))
        page.get_by_role("option", name=newest).click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Review", exact=True).wait_for()
        page.locator(".cd-claim-text").first.wait_for()
        wait_until_idle(page)
        shown_id = int(re.search(r"[?&]claim=(\d+)", page.url).group(1))
        shown_text = claim_text(page)

        note = page.get_by_role("textbox", name="Note")
        note.fill("Checked against the White House readout")
        page.get_by_role("textbox", name=re.compile("Evidence links")).fill("https://example.org/readout")
        page.get_by_role("textbox", name=re.compile("Evidence links")).press("Tab")
        page.mouse.click(5, 890)  # leave the boxes, as a person does before a shortcut
        wait_until_idle(page)
        assert claim_text(page) == shown_text
        assert int(re.search(r"[?&]claim=(\d+)", page.url).group(1)) == shown_id
        page.keyboard.press("2")
        wait_until_idle(page)
        page.get_by_text(re.compile(r"^1 of \d+ claims reviewed$")).wait_for()
        # the progress line can be drawn before the claim panel is replaced (a loaded machine): give the
        # panel the time a reviewer would, and fail if the claim on screen never moves on
        from playwright.sync_api import expect

        expect(page.locator(".cd-claim-text").first).not_to_have_text(shown_text, timeout=30_000)
        queue_progress, next_claim = progress_text(page), claim_text(page)
        assert next_claim != shown_text

        # A reload gives the same queue (one document's claims, not both) and the same claim.
        assert re.search(r"[?&]doc=\d+", page.url), page.url
        page.reload()
        page.locator(".cd-claim-text").first.wait_for()
        wait_until_idle(page)
        assert progress_text(page) == queue_progress
        assert claim_text(page) == next_claim
        page.screenshot(path=str(tmp_path / "review-after-reload.png"))

    reviews = _stored_reviews(data_dir)
    assert len(reviews) == 1, reviews
    claim_id, _, verdict, stored_note, evidence = reviews[0]
    assert (claim_id, verdict) == (shown_id, "disputed")
    assert stored_note == "Checked against the White House readout"
    assert "https://example.org/readout" in (evidence or "")


SCREENSHOTS = REPO / "docs" / "screenshots"


@contextlib.contextmanager
def screenshot_on_failure(page, path: Path, server_log: Path | None = None) -> Iterator[None]:
    """Save what the browser showed when a step failed (the path is in the failure's notes), with the
    end of the app server's log when given: a step that times out says what the server was doing."""
    try:
        yield
    except Exception as exc:
        page.screenshot(path=str(path), full_page=True)
        exc.add_note(f"screenshot of the page: {path}")
        if server_log is not None and server_log.exists():
            tail = server_log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:]
            exc.add_note("end of the app server's log:\n" + "\n".join(tail))
        raise


def _prepare_team_workspace(data_dir: Path) -> None:
    """A workspace with the demo archive and article, two reviewers and an admin (as `claimdesk users
    add` would make them), before the server starts."""
    from claims.settings import load_settings
    from claims.workspace import Workspace

    ws = Workspace(load_settings({"data_dir": str(data_dir)}, environ={}))
    try:
        for name, role in (("Ana Lima", "reviewer"), ("Ben Osei", "reviewer"), ("Dana Ortiz", "admin")):
            ws.add_user(name, role, PASSWORD)
        ws.load_demo_archive()
        ws.ingest_demo_article(actor="Dana Ortiz")
    finally:
        ws.close()


def _open_review(page) -> None:
    open_page(page, "Review")
    page.locator(".cd-claim-text").first.wait_for()
    wait_until_idle(page)


def _sign_out(page) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_text("Signed in as").click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in", exact=True).wait_for()


def _press(page, key: str) -> None:
    """Press a shortcut once the verdict form of the claim in the URL is on screen."""
    claim_id = re.search(r"[?&]claim=(\d+)", page.url).group(1)
    page.locator(f".st-key-verdict-supported-{claim_id}").wait_for()
    wait_until_idle(page)
    page.mouse.click(5, 890)  # focus outside any box, as a person does before a shortcut
    page.keyboard.press(key)
    wait_until_idle(page)


def test_a_team_reviews_blind_disagrees_and_an_admin_adjudicates(chromium, tmp_path):
    """Two reviewers sign in and label with the keyboard (N = 2, blind), one undoes and reloads, an
    admin adjudicates the disagreement, and the exported CSV carries the final and each verdict."""
    data_dir = tmp_path / "data"
    _prepare_team_workspace(data_dir)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    env = {"CLAIMDESK_REVIEWS_PER_CLAIM": "2"}
    with streamlit_server(data_dir, tmp_path / "streamlit.log", env) as base, chromium_page(1440, 900) as page, \
            screenshot_on_failure(page, tmp_path / "failure.png"):
        # Ana: disputes the first claim, supports the second, takes that back, reloads, supports it again.
        sign_in(page, base, "Ana Lima")
        _open_review(page)
        first = claim_text(page)
        first_id = int(re.search(r"[?&]claim=(\d+)", page.url).group(1))
        _press(page, "2")
        page.locator(".cd-claim-text").filter(has_not_text=first).first.wait_for()
        second = claim_text(page)
        _press(page, "1")
        page.locator(".cd-claim-text").filter(has_not_text=second).first.wait_for()
        _press(page, "u")
        page.locator(".cd-claim-text").filter(has_text=second).first.wait_for()
        assert claim_text(page) == second  # Undo brings back the claim it took the verdict from
        page.reload()
        page.locator(".cd-claim-text").first.wait_for()
        wait_until_idle(page)
        assert claim_text(page) == second and page.get_by_label("Password", exact=True).count() == 0
        _press(page, "1")
        page.locator(".cd-claim-text").filter(has_not_text=second).first.wait_for()
        _sign_out(page)

        # Ben: blind to Ana's verdicts; supports both claims (a disagreement on the first).
        sign_in(page, base, "Ben Osei")
        _open_review(page)
        page.locator(".cd-claim-text").filter(has_text=first).first.wait_for()
        page.get_by_text("Blind review").wait_for()
        assert page.get_by_text("Ana Lima").count() == 0 and page.get_by_text("Final verdict").count() == 0
        page.screenshot(path=str(SCREENSHOTS / "review-blind.png"))
        _press(page, "1")
        page.locator(".cd-claim-text").filter(has_text=second).first.wait_for()
        _press(page, "1")
        page.locator(".cd-claim-text").filter(has_not_text=second).first.wait_for()
        _sign_out(page)

        # Dana (admin): the disagreement, side by side; the final verdict with a reason.
        sign_in(page, base, "Dana Ortiz")
        _open_review(page)
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').nth(2).click()
        page.get_by_role("option", name="Reviewers disagree").click()
        wait_until_idle(page)
        page.locator(".cd-claim-text").filter(has_text=first).first.wait_for()
        page.get_by_text("Adjudication").first.wait_for()
        assert page.get_by_text("Ana Lima").count() >= 1 and page.get_by_text("Ben Osei").count() >= 1
        page.locator('[data-testid="stRadio"]').get_by_text("Disputed", exact=True).click()
        page.get_by_role("textbox", name="Reason").fill("The readout contradicts it")
        page.screenshot(path=str(SCREENSHOTS / "adjudication.png"))
        page.get_by_role("button", name="Set final verdict").click()
        wait_until_idle(page)
        page.get_by_text(re.compile("^Final verdict")).first.wait_for()

        open_page(page, "Export")
        download_button = page.get_by_role("button", name=re.compile(r"Download verdict CSV"))
        download_button.wait_for()
        with page.expect_download() as info:
            download_button.click()
        rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
        # the download is recorded: the page lists it under "Earlier exports", with who made it
        history = page.get_by_text("Earlier exports (1)")
        history.wait_for()
        history.click()
        listed = page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]')
        listed.wait_for()
        wait_until_idle(page)
        listed.scroll_into_view_if_needed()  # the app scrolls inside its own container: bring the list up
        page.screenshot(path=str(SCREENSHOTS / "export.png"))
        open_page(page, "Dashboard")
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    by_text = {r["text"]: r for r in rows}
    assert (by_text[first]["verdict"], by_text[first]["status"]) == ("disputed", "adjudicated")
    assert by_text[first]["reviewer"] == "Dana Ortiz" and by_text[first]["note"] == "The readout contradicts it"
    assert [line.split(" · ")[:2] for line in by_text[first]["reviewer_verdicts"].splitlines()] == [
        ["Ana Lima", "disputed"], ["Ben Osei", "supported"]]
    assert (by_text[second]["verdict"], by_text[second]["status"]) == ("supported", "agreed")
    assert int(by_text[first]["claim_id"]) == first_id


def save_review_screenshot(path: Path = SCREENSHOT) -> Path:
    """Run the app on a fresh demo workspace and save the review page at 1400x1000."""
    if not CHROMIUM.exists():
        raise SystemExit("Debian's Chromium is not installed at /usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        with streamlit_server(tmp_path / "data", tmp_path / "streamlit.log") as base, chromium_page() as page:
            sign_in(page, base, "Dana Ortiz")
            load_demo_and_review(page)
            # A claim the archive has checked before, with a false variant whose numbers differ.
            for _ in range(12):
                if "10 largest cities" in claim_text(page):
                    break
                page.get_by_role("button", name="Skip").click()
                wait_until_idle(page)
            page.mouse.move(0, 0)
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(800)
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path))
    return path


if __name__ == "__main__":
    print(save_review_screenshot(Path(sys.argv[1]) if len(sys.argv) > 1 else SCREENSHOT))
