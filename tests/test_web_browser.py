"""The staff web app in a real browser (Debian's chromium via Playwright) on the real
stack: a whole case walked by three signed-in staff, one path by keyboard alone, the
role cut, and axe-core on every page and error state. Screenshots go to tests/output/web."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import async_playwright, expect

from domain.models import DisturbanceReport, SourceKind, TenancyRef
from tests.helpers import eventually, unique
from tests.web_browser import check_page, launch, sign_in, text
from tests.web_stack import web_stack


NAMES = ("Bo Bengtsson", "Lena Bengtsson")
ADDRESS = "Storgatan 1 B, 582 22 Linköping"
COMPLAINANT = "Agneta Klagande"


SAVED_SIMULATION = Path(__file__).parent.parent / "docs" / "simulator" / "first-contact"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def web(local_env, pg_pool, identity_provider, tmp_path_factory):
    simulations = tmp_path_factory.mktemp("simulations")
    (simulations / "first-contact").mkdir()
    shutil.copy(SAVED_SIMULATION / "report.json", simulations / "first-contact" / "report.json")
    async with web_stack(local_env, pg_pool, identity_provider, simulations_dir=simulations) as stack:
        yield stack


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser():
    async with async_playwright() as playwright:
        chromium = await launch(playwright)
        yield chromium
        await chromium.close()


def step(page, title: str):
    """The form of one offered step, by the title a person reads on its toggle."""
    return page.locator("details", has=page.locator("summary", has_text=title)).first


async def open_step(page, title: str):
    form = step(page, title)
    if not await form.evaluate("details => details.open"):
        await form.locator("summary").click()
    return form


async def file_by_hand(page, web, tenancy_id: str) -> None:
    await page.get_by_role("link", name="Ny anmälan").click()
    await expect(page.get_by_role("heading", name="Ny störningsanmälan")).to_be_visible()
    await check_page(page, "report-form")
    await page.get_by_role("button", name="Registrera anmälan").click()  # nothing filled in
    await expect(page.get_by_text("Det finns ett problem")).to_be_visible()
    await expect(page.locator("#tenancy-error")).to_contain_text("Välj vilken hyresrätt anmälan gäller")
    await check_page(page, "report-form-errors")
    await page.get_by_label("Vilken hyresrätt gäller anmälan?").select_option("new")
    await page.get_by_label("Kontraktsnummer").fill(tenancy_id)
    await page.get_by_label("Fastighetens id").fill("P-100")
    await page.get_by_label("Område", exact=True).fill("Skäggetorp")
    await page.get_by_label("Adress").fill(ADDRESS)
    await page.get_by_label("Hyresgästernas namn").fill(", ".join(NAMES))
    await page.get_by_label("Granne").check()
    await page.get_by_label("Buller").check()
    when = datetime.now(UTC).astimezone() - timedelta(hours=3)
    await page.locator("#occurred-time").fill(when.strftime("%H:%M"))
    await page.locator("#occurred-day").fill(str(when.day))
    await page.locator("#occurred-month").fill(str(when.month))
    await page.locator("#occurred-year").fill(str(when.year))
    await page.get_by_label("Var hände det?").fill("trapphus B")
    await page.get_by_label("Namn", exact=True).fill(COMPLAINANT)
    await page.get_by_label("Telefon eller e-post för återkoppling").fill("agneta@example.se")
    await page.get_by_role("button", name="Registrera anmälan").click()
    await expect(page.get_by_text("Anmälan är registrerad.")).to_be_visible()


async def take(page, title: str, choices: tuple[str, ...] = (), reason: str = "Enligt samtal", button: str | None = None):
    form = await open_step(page, title)
    for choice in choices:
        await form.get_by_label(choice, exact=True).check()
    await form.get_by_label(re.compile("Motivering|Anteckning")).fill(reason)
    await form.get_by_role("button", name=button).click() if button else await form.locator("button[type=submit]").click()
    await expect(page.get_by_text("Klart:")).to_be_visible()


async def test_a_case_walked_through_by_coordinator_prevention_team_and_lawyer(web, browser):
    tenancy_id = unique("T")
    anna = await sign_in(browser, web.url, "anna.coordinator")
    await expect(anna.get_by_role("heading", name="Inkorg")).to_be_visible()
    await check_page(anna, "inbox-empty")
    await file_by_hand(anna, web, tenancy_id)

    # The case page, as the coordinator sees it.
    body = await text(anna)
    assert f"Ärende {tenancy_id}" in body and "Anmäld – väntar på verifiering" in body
    assert all(name in body for name in NAMES) and ADDRESS in body and COMPLAINANT in body
    assert re.search(r"\d{2}:\d{2} (CET|CEST)", body), "times carry their zone"
    await check_page(anna, "case-reported")
    case_url = anna.url

    # A step with a missing choice: error summary at the top, message at the field.
    form = await open_step(anna, "Verifiera anmälan")
    await expect(form).to_contain_text("Policyns frist: 2 arbetsdagar")
    await form.get_by_label("Motivering").fill("Såg själv")
    await form.get_by_role("button", name="Verifiera").click()
    await expect(anna.get_by_text("Det finns ett problem")).to_be_visible()
    await expect(anna.locator(".govuk-error-message", has_text="Välj hur anmälan verifierades")).to_be_visible()
    await check_page(anna, "case-step-errors")

    await take(anna, "Verifiera anmälan", ("Egen iakttagelse",), "Såg själv", button="Verifiera")
    assert "Första kontakt" in await text(anna)
    await take(anna, "Registrera kontakt med hyresgästen", ("Hembesök",), "Hembesök, hyresgästen hemma")
    assert "Dialog" in await text(anna)
    await take(anna, "Registrera dialogen", ("Nej",), "Ingen ändring överenskommen")
    offered = await anna.locator("#next-steps ~ details summary").all_inner_texts()
    assert any("Ge tillsägelse" in s for s in offered), offered
    await take(anna, "Ge tillsägelse och underrätta socialnämnden", (), "Störningarna fortsätter")
    body = await text(anna)
    assert "Uppföljning" in body and "Tillsägelse till hyresgästen" in body
    await check_page(anna, "case-follow-up")

    # A step the ladder refuses: its reason, shown where the step was asked for.
    form = await open_step(anna, "Avsluta ärendet")
    await form.get_by_label("Löst i dialog", exact=True).check()
    await form.get_by_label("Motivering").fill("Prövar")
    await form.get_by_role("button", name="Avsluta ärendet").click()
    refusal = anna.locator(".govuk-error-summary", has_text="Steget kunde inte tas")
    await expect(refusal).to_contain_text("resolved_in_dialogue")
    assert "Uppföljning" in await text(anna)
    await check_page(anna, "case-step-refused")

    # The inbox, with the case's tasks.
    await anna.get_by_role("link", name="Inkorg").click()
    await check_page(anna, "inbox")

    # A new report arrives from the case system; the coordinator sees it without reloading the case list.
    view = await web.client.view(f"case-{tenancy_id}")
    await web.client.report(DisturbanceReport(
        external_ref=unique("ext"), source_kind=SourceKind.SECURITY_COMPANY, category="noise",
        occurred_at=datetime.now(UTC) - timedelta(hours=1), place="trapphus B",
        tenancy=TenancyRef(tenancy_id=tenancy_id, property_id="P-100", area=view.area),
    ))  # fmt: skip
    await expect(anna.locator("#inbox-tasks")).to_contain_text("Verifiera anmälan", timeout=15000)
    await anna.goto(case_url)
    await take(anna, "Verifiera anmälan", ("Vaktbolaget på plats",), "Vaktbolaget bekräftade", button="Verifiera")
    await expect(anna.locator("main")).to_contain_text("Vräkningsförebyggande arbete")

    # The prevention team agrees an action plan with consent; a review fails.
    omar = await sign_in(browser, web.url, "omar.prevention")
    await expect(omar.locator("#inbox-tasks")).to_contain_text("Kom överens om handlingsplan")
    await omar.goto(case_url)
    body = await text(omar)
    assert "Vräkningsförebyggande arbete" in body and "Handlingsplan ska tas fram" in body
    assert COMPLAINANT not in body, "the prevention team never reads who complained"
    assert all(name in body for name in NAMES) and ADDRESS in body, "the prevention team works with the tenant"
    await check_page(omar, "case-prevention")
    await take(omar, "Registrera samtycke", ("Ja",), "Skriftligt samtycke lämnat")
    await take(omar, "Registrera handlingsplan", ("Tider för tystnad", "Boendestöd"), "Möte med socialtjänsten")
    body = await text(omar)
    assert "Tider för tystnad" in body and "Uppföljning av planen" in body
    await take(omar, "Registrera uppföljning av planen", ("Misslyckad",), "Nya störningar")

    # The tenancy lawyer sees the termination review, with its legal deadline.
    jonas = await sign_in(browser, web.url, "jonas.lawyer")
    await expect(jonas.locator("#inbox-tasks")).to_contain_text("Pröva uppsägning")
    await expect(jonas.locator("#inbox-tasks")).to_contain_text("Lagkrav")
    await check_page(jonas, "inbox-lawyer")
    await jonas.goto(case_url)
    body = await text(jonas)
    assert "Prövning av uppsägning" in body and "Uppsägningsfristen löper ut" in body
    assert any("Pröva uppsägning" in s for s in await jonas.locator("#next-steps ~ details summary").all_inner_texts())
    await check_page(jonas, "case-termination-review")
    for page in (anna, omar, jonas):
        await page.context.close()


async def test_role_cut_area_manager_sees_no_names_and_operator_no_complainant(web, browser):
    tenancy_id = unique("T")
    anna = await sign_in(browser, web.url, "anna.coordinator")
    await file_by_hand(anna, web, tenancy_id)
    case_url = anna.url
    await anna.context.close()
    eva = await sign_in(browser, web.url, "eva.area")
    await eva.goto(case_url)
    body = await text(eva)
    assert f"Ärende {tenancy_id}" in body and "Visas inte för din roll." in body
    assert not any(secret in body for secret in (*NAMES, ADDRESS, COMPLAINANT, "agneta@example.se"))
    await check_page(eva, "case-area-manager")
    olle = await sign_in(browser, web.url, "olle.operator")
    await olle.goto(case_url)
    body = await text(olle)
    assert COMPLAINANT not in body and "agneta@example.se" not in body and "Den som anmält" not in body
    await check_page(olle, "case-operator")
    for page in (eva, olle):
        await page.context.close()


async def test_a_note_added_with_the_keyboard_alone_with_visible_focus(web, browser):
    tenancy_id = unique("T")
    anna = await sign_in(browser, web.url, "anna.coordinator")
    await file_by_hand(anna, web, tenancy_id)

    async def tab_to(predicate_js: str, limit: int = 120) -> None:
        for _ in range(limit):
            await anna.keyboard.press("Tab")
            if await anna.evaluate(predicate_js):
                outline = await anna.evaluate(
                    "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow, s.backgroundColor]; })()"
                )
                assert outline[0] != "none" or outline[1] != "none", f"focus is not visible: {outline}"
                return
        raise AssertionError(f"never reached {predicate_js}")

    await anna.locator("body").focus()
    await tab_to("document.activeElement.tagName === 'SUMMARY' && document.activeElement.innerText.includes('Lägg till anteckning')")
    await anna.keyboard.press("Enter")
    await tab_to("document.activeElement.tagName === 'TEXTAREA'")
    await anna.keyboard.type("Ringde hyresgästen, inget svar")
    await tab_to("document.activeElement.tagName === 'BUTTON' && document.activeElement.innerText.includes('Spara anteckning')")
    await anna.keyboard.press("Enter")
    await expect(anna.get_by_text("Klart: lägg till anteckning.")).to_be_visible()
    await expect(anna.locator(".moj-timeline")).to_contain_text("Ringde hyresgästen, inget svar")
    await tab_to("document.activeElement.tagName === 'A' && document.activeElement.innerText.includes('Tillgänglighetsredogörelse')")
    await anna.keyboard.press("Enter")
    await expect(anna.get_by_role("heading", name="Tillgänglighetsredogörelse")).to_be_visible()
    await check_page(anna, "accessibility")
    for path, name in (("/stats", "stats"), ("/area?week=current", "area-picture"), ("/settings", "settings")):
        await anna.goto(web.url + path)
        await check_page(anna, name)
    await anna.get_by_label("Ja, skicka ett dagligt mejl").check()
    await anna.get_by_role("button", name="Spara").click()
    await expect(anna.locator("#digest_email-error")).to_contain_text("Ange en e-postadress")
    await check_page(anna, "settings-errors")
    await anna.context.close()


async def test_a_task_claimed_from_the_inbox_and_handed_on_by_the_team_lead(web, browser):
    sven = await sign_in(browser, web.url, "sven.senior")  # a colleague the team lead can name
    await sven.context.close()
    tenancy_id = unique("T")
    anna = await sign_in(browser, web.url, "anna.coordinator")
    await file_by_hand(anna, web, tenancy_id)
    await anna.get_by_role("link", name="Inkorg").click()
    await anna.get_by_label("Område").select_option("Skäggetorp")
    await anna.get_by_role("button", name="Visa uppgifter").click()
    row = anna.locator("tr", has=anna.locator(f'input[name="case"][value="case-{tenancy_id}"]')).first
    await row.get_by_role("button", name=re.compile("^Ta uppgiften")).click()
    await expect(anna.get_by_text("Du har tagit uppgiften.")).to_be_visible()
    row = anna.locator("tr", has=anna.get_by_role("link")).filter(has_text="Anna Lind").first
    await expect(row).to_contain_text("Verifiera anmälan")
    await check_page(anna, "inbox-claimed")
    await anna.context.close()

    lena = await sign_in(browser, web.url, "lena.lead")
    await expect(lena.locator("main")).to_contain_text("Alla öppna uppgifter i trygghetsgruppen")
    form = lena.locator("form.trygg-assign", has=lena.locator(f'input[name="case"][value="case-{tenancy_id}"]')).first
    await form.get_by_role("combobox").select_option(label="Sven Ek (seniorvärd)")
    await form.get_by_role("button", name=re.compile("^Tilldela")).click()
    await expect(lena.get_by_text("Uppgiften är tilldelad Sven Ek (seniorvärd).")).to_be_visible()
    await check_page(lena, "inbox-team-lead")
    await lena.context.close()


async def test_the_team_lead_reads_a_saved_simulation_and_nobody_else_does(web, browser):
    lena = await sign_in(browser, web.url, "lena.lead")
    await lena.get_by_role("link", name="Simuleringar").click()
    await expect(lena.get_by_role("heading", name="Simuleringar")).to_be_visible()
    await check_page(lena, "simulations")
    await lena.get_by_role("link", name="first-contact").click()
    table = lena.locator("table").first
    await expect(table).to_contain_text("Första kontakter efter tidsfristen")
    row = table.locator("tr", has_text="Första kontakter efter tidsfristen")
    assert " ".join((await row.inner_text()).split()).endswith("209 6"), "3 working days against 5, from report.json"
    await check_page(lena, "simulation")
    await lena.context.close()

    anna = await sign_in(browser, web.url, "anna.coordinator")
    await expect(anna.get_by_role("link", name="Simuleringar")).to_have_count(0)
    answer = await anna.goto(web.url + "/simulations/first-contact")
    assert answer.status == 403 and "first-contact" not in await text(anna)
    await check_page(anna, "simulation-refused")
    await anna.context.close()
