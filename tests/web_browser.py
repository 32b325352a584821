"""Browser helpers for the web app's tests: Debian's chromium driven by Playwright (no
browser download), sign-in at the dev provider, axe-core on a page, screenshots."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
OUTPUT = Path(__file__).parent / "output" / "web"
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}



async def launch(playwright):
    """Debian's chromium, which `make test` installs; missing, the browser tests fail with
    what to install rather than skip, so a run without them cannot pass as green."""
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"Debian's chromium is not at {CHROMIUM}: run `make test` as root (it installs it) "
                    "or `sudo apt-get install -y chromium`", pytrace=False)
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


_axe = Axe()


async def sign_in(browser, base_url: str, subject: str):
    """A fresh browser context signed in as `subject` by one click on the provider's page."""
    context = await browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(base_url + "/")
    await page.locator(f'button[name="sub"][value="{subject}"]').click()
    await page.wait_for_url(re.compile(re.escape(base_url) + r"/(\?.*)?$"))
    return page


async def check_page(page, name: str) -> None:
    """Zero WCAG 2.1 A/AA violations by axe-core, and a screenshot under tests/output/web."""
    results = await _axe.run(page, options=WCAG_AA)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    assert results.violations_count == 0, f"{name}: " + results.generate_report()


async def text(page) -> str:
    """What a person reads on the page (main content), whitespace folded."""
    return " ".join((await page.locator("main").inner_text()).split())
