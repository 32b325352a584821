"""The screen on what leaves, end to end: whatever staff or a case system type into free
text, no partner message, document, complainant reply, tenant letter or area picture
carries a complainant's name parts, e-mail, phone number or person id, and every cut is
logged and handed to the coordinator.

Real parts only: the case workflows on the dev server, the register and the partner
channels' real activities on embedded PostgreSQL, signed webhooks (social services, the
security company, the area partnership) and aiosmtpd (the mailroom that posts the
tenant's letter, and the complainant's reply).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest_asyncio
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import partners
from activities.opening import OpeningActivities
from activities.policy import PolicyActivities
from activities.notify import NotificationActivities
from activities.register import RegisterActivities
from domain.models import Complainant, DisturbanceReport, SourceKind, TenancyRef
from domain.ladder import LEGAL_BASIS
from domain.policy import TaskKind
from domain.records import NoticeKind
from domain.steps import AddNote, EscalateToPrevention, IssueWarning, RecordContact, RecordDialogue, VerifyReport
from partners.channels import SmtpSettings
from partners.documents import CATEGORY_SV, TITLES
from partners.screen import MARKER, fold
from tests.helpers import eventually, running_worker, unique
from tests.partner_servers import SECRET, MailPartner, WebhookPartner, directory, mail_partner, webhook_partner
from tests.standins import COORDINATOR, CaseDriver, case_policy, file_report
from workflows.area_picture import AreaPictureInput, AreaPictureWorkflow
from workflows.registry import WORKFLOWS

LETTERS = "utskick@bostadsbolaget.example"
INSURER = "skador@forsakring.example"
TENANTS = ("Bo Bengtsson",)
AREA_FIELDS = ["areas", "area", "period_start", "period_end", "report_count", "reports_by_category", "reports_by_place"]


@dataclass
class Stack:
    client: object
    queue: str
    social: WebhookPartner
    security: WebhookPartner
    area: WebhookPartner
    mail: MailPartner


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(local_env, pg_pool):
    social, security, area, mail = WebhookPartner(SECRET), WebhookPartner(SECRET), WebhookPartner(SECRET), MailPartner()
    partners = directory(
        webhook_partner("soc", social.url),
        webhook_partner(
            "vakt", security.url, kind="security_company", notices=("extra_rounds",),
            fields=["tenancy_id", "area", "address", "place", "occurred_at", "category"],
        ),
        webhook_partner("omr", area.url, kind="area_partnership", notices=("area_picture",), fields=AREA_FIELDS),
        mail_partner("brev", LETTERS),
        mail_partner("fors", INSURER, kind="insurer", notices=("damage_claim",),
                     fields=["tenancy_id", "address", "place", "occurred_at", "category"]),
    )  # fmt: skip
    try:
        async with httpx.AsyncClient() as http:
            notify = NotificationActivities(
                pg_pool, partners, http, SmtpSettings(host="127.0.0.1", port=mail.port, mail_from="trygg@bb.example")
            )
            register, policy = RegisterActivities(pg_pool), PolicyActivities(case_policy())
            activities = [
                *register.activities(),
                *notify.activities(),
                *policy.activities(),
                *OpeningActivities(register, policy).activities(),
            ]
            async with running_worker(local_env.client, workflows=WORKFLOWS, activities=activities) as worker:
                yield Stack(local_env.client, worker.task_queue, social, security, area, mail)
    finally:
        for server in (social, security, area, mail):
            server.stop()


# -- what a complainant is, and how staff might type it ----------------------------------------

def _own_words() -> set[str]:
    """Words of Trygg's own text (templates, the sender, the tenant, the places around):
    a drawn name equal to one of them would be found in the letter without having leaked."""
    templates = Path(partners.__file__).parent / "templates"
    text = " ".join(p.read_text() for p in templates.iterdir())
    text += " Bostadsbolaget AB trygghetsgruppen Storgatan Linköping Bo Bengtsson trapphus vid tvättstugan utanför"
    text += " lgh gården dörr kl noise kategori uppgift borttagen example soc vakt omr brev complainant text plain"
    text += " charset utf json txt true false null " + " ".join(LEGAL_BASIS.values()) + " " + " ".join(TITLES.values())
    text += " " + " ".join(CATEGORY_SV.values()) + " " + " ".join(k.value for k in NoticeKind)
    text += " områdessamverkan aggregerad veckobild utan personuppgifter övriga platser"
    # A mail's own MIME words (a name drawn as "Filename" is in every attachment's header)
    text += " content type disposition attachment inline filename mime version transfer encoding base64 quoted"
    text += " printable bit boundary multipart mixed alternative application subject from to cc date message id"
    return set(re.findall(r"\w+", fold(text.replace("_", " ")))) | set(re.findall(r"\w+", fold(text)))


OWN_WORDS = _own_words()
LETTERS_SV = st.sampled_from("abcdefghijklmnoprstuvyåäö")
NAME_PART = st.text(LETTERS_SV, min_size=3, max_size=9).map(str.capitalize).filter(lambda p: fold(p) not in OWN_WORDS)
ASCII_PART = st.text(st.sampled_from("abcdefghijklmnoprstuvy"), min_size=4, max_size=9).filter(
    lambda p: p not in OWN_WORDS
)
NATIONAL = st.text(st.sampled_from("0123456789"), min_size=8, max_size=8).map(lambda digits: "7" + digits)
PERSONNUMMER = st.tuples(st.integers(1940, 2005), st.integers(1, 12), st.integers(1, 28), st.integers(0, 9999)).map(
    lambda t: f"{t[0]}{t[1]:02d}{t[2]:02d}-{t[3]:04d}"
)
AROUND = st.sampled_from(["trapphus B", "vid tvättstugan", "utanför", "lgh 1102,", "gården", "dörr", "kl 23"])


@dataclass(frozen=True)
class Person:
    """A complainant as the register holds them: a name, a personnummer, and one contact
    (an e-mail address, or a phone number)."""

    first: str
    last: str
    local: str
    national: str
    personnummer: str
    by_mail: bool

    @property
    def email(self) -> str:
        return f"{self.local}@example.se"

    @property
    def complainant(self) -> Complainant:
        contact = self.email if self.by_mail else f"0{self.national}"
        return Complainant(person_id=self.personnummer, name=f"{self.first} {self.last}", contact=contact)


def writings(draw, person: Person) -> list[str]:
    """Ways staff type who complained: any name part, the whole name, the genitive, the
    e-mail, the phone number and the personnummer, in any case and Unicode form."""
    n, pnr = person.national, person.personnummer

    def spell(text: str) -> str:
        case = draw(st.sampled_from([str, str.upper, str.lower, str.title]))
        return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), case(text))

    phone = draw(st.sampled_from([
        f"0{n[:2]}-{n[2:5]} {n[5:7]} {n[7:]}", f"0{n}", f"+46 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", f"46{n}",
        f"+46{n}", f"0046 {n[:2]}-{n[2:]}", f"(0{n[:2]}) {n[2:]}", f"+46 (0){n[:2]}-{n[2:]}",
    ]))  # fmt: skip
    person_id = draw(st.sampled_from([pnr, pnr[2:], pnr.replace("-", ""), pnr[2:].replace("-", "")]))
    contact = spell(person.email) if person.by_mail else phone
    return [
        spell(person.first), spell(person.last), spell(f"{person.first} {person.last}"), spell(person.first) + "s",
        contact, person_id,
    ]  # fmt: skip


def free_text(draw, person: Person) -> str:
    """Some ordinary words with one writing of the person somewhere among them."""
    words = draw(st.lists(AROUND, min_size=0, max_size=3))
    at = draw(st.integers(0, len(words)))
    typed = draw(st.sampled_from(writings(draw, person)))
    return " ".join([*words[:at], typed, *words[at:]])[:200]


@st.composite
def scenarios(draw):
    parts = st.tuples(NAME_PART, NAME_PART, ASCII_PART, NATIONAL, PERSONNUMMER)
    mailer, caller = Person(*draw(parts), by_mail=True), Person(*draw(parts), by_mail=False)
    people = (mailer, caller)
    text = lambda: free_text(draw, draw(st.sampled_from(people)))  # noqa: E731
    return {
        "people": people,
        # All reports share it, so the area picture names it; it names the first
        # complainant, the only one the register knows when the first report's notice goes.
        "place": free_text(draw, mailer),
        "address": "Storgatan 1 B, " + free_text(draw, mailer),  # a case system can type anything too
        "reasons": [text() for _ in range(5)],
        "meeting_place": text(),
    }


# -- what left ----------------------------------------------------------------------------


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def webhook_texts(partner: WebhookPartner, since: int) -> list[str]:
    return [" \n ".join(_strings(r.json)) for r in partner.requests[since:]]


def mail_text(message: EmailMessage) -> str:
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        content = part.get_content()
        parts.append(content.decode() if isinstance(content, bytes) else content)
    return "\n".join(parts)


def leaks(text: str, person: Person) -> list[str]:
    """Every identity of `person` still readable in `text`, in any writing."""
    folded = fold(text).replace(fold(MARKER), " ")
    words = set(re.findall(r"[\w@.+-]+", folded)) | set(re.findall(r"\w+", folded))
    found = [w for w in (person.first, person.last) if fold(w) in words or fold(w) + "s" in words]
    if person.by_mail and (person.email in folded or person.local in words):
        found.append("e-mail")
    digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
    if not person.by_mail and person.national in digits:
        found.append("phone")
    if person.personnummer.replace("-", "")[2:] in digits:
        found.append("personnummer")
    return found


def neighbour(
    tenancy: TenancyRef, place: str, complainant: Complainant | None, category: str = "noise"
) -> DisturbanceReport:
    return DisturbanceReport(
        external_ref=unique("ext"), source_kind=SourceKind.NEIGHBOUR, category=category,
        occurred_at=datetime.now(UTC) - timedelta(hours=3), place=place, tenancy=tenancy, complainant=complainant,
    )  # fmt: skip


@settings(
    max_examples=12,  # about 20 s: each example is a whole case through every channel
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # a shrink would replay whole cases for minutes
)
@given(scenario=scenarios())
async def test_no_identity_typed_into_free_text_leaves_and_every_cut_is_logged(stack, pg_pool, scenario):
    mailer, caller = scenario["people"]
    area = unique("Scr").replace("-", "")
    tenancy = TenancyRef(
        tenancy_id=unique("T"), property_id="P-1", area=area, address=scenario["address"][:200],
        tenant_names=TENANTS, tenant_ids=("person-1",),
    )  # fmt: skip
    seen = {"soc": len(stack.social.requests), "vakt": len(stack.security.requests), "omr": len(stack.area.requests),
            "mail": len(stack.mail.received)}  # fmt: skip
    place = scenario["place"]
    reasons = iter(scenario["reasons"])

    # Four reports share one place: three of noise (one complainant left an e-mail, one a
    # phone number, one is anonymous) and an anonymous one of damage, for the insurer.
    handle = await file_report(stack.client, stack.queue, neighbour(tenancy, place, mailer.complainant))
    case = CaseDriver(stack.client, handle)
    for complainant, category in ((caller.complainant, "noise"), (None, "noise"), (None, "property_damage")):
        await file_report(stack.client, stack.queue, neighbour(tenancy, place, complainant, category))

    async def four_reports():
        assert len((await case.view()).reports) == 4

    await eventually(four_reports, timeout=20)
    view = await case.view()
    first, damage = view.reports[0].report_id, view.reports[3].report_id
    await case.step("verify_report", VerifyReport(actor=COORDINATOR, reason=next(reasons), report_id=first, method="inspection"))
    await case.step("verify_report", VerifyReport(actor=COORDINATOR, reason="sett skadan", report_id=damage, method="inspection"))
    await case.step("add_note", AddNote(actor=COORDINATOR, reason=next(reasons)))
    await case.step("record_contact", RecordContact(actor=COORDINATOR, reason=next(reasons), method="visit"))
    await case.step("record_dialogue", RecordDialogue(actor=COORDINATOR, reason=next(reasons), resolved=False))
    await case.step("issue_warning", IssueWarning(actor=COORDINATOR, reason=next(reasons)))
    await case.step(
        "escalate_to_prevention",
        EscalateToPrevention(actor=COORDINATOR, reason="plan needed", meeting_at=datetime.now(UTC) + timedelta(days=7),
                             meeting_place=scenario["meeting_place"]),
    )  # fmt: skip
    case_id = view.case_id

    async def all_delivered():
        social = Counter(r.json["kind"] for r in stack.social.requests[seen["soc"]:] if r.json["case_id"] == case_id)
        assert social == {"disturbance_notice": 1, "warning_copy": 1, "action_plan_meeting": 1}
        assert [r.json["kind"] for r in stack.security.requests[seen["vakt"]:]] == ["extra_rounds"] * 4  # one a report
        assert Counter(m["To"] for m in stack.mail.received[seen["mail"]:]) == {LETTERS: 1, mailer.email: 1, INSURER: 1}
        statuses = await pg_pool.fetch("SELECT status FROM partner_outbox WHERE case_id = $1", case_id)
        assert [r["status"] for r in statuses] == ["sent"] * 10

    await eventually(all_delivered, timeout=30)
    # The picture's id is its period's dates, so an earlier example's picture of today would
    # make this one a repeat that is not sent again: forget the earlier ones first.
    await pg_pool.execute("DELETE FROM partner_outbox WHERE case_id IS NULL")
    picture = await stack.client.execute_workflow(
        AreaPictureWorkflow.run,
        AreaPictureInput(period_days=1, period_end=datetime.now(UTC) + timedelta(seconds=1)),
        id=unique("area-picture"),
        task_queue=stack.queue,
    )
    assert picture.delivered_to == ("omr",)
    [sent_picture] = [r.json for r in stack.area.requests[seen["omr"]:]]
    [ours] = [a for a in sent_picture["facts"]["areas"] if a["area"] == area]
    [named] = [row for row in ours["reports_by_place"] if row["category"] == "noise"]
    assert named["count"] == 3 and MARKER in named["place"], "three reports name the place, cut"
    assert [row for row in ours["reports_by_place"] if row["category"] == "property_damage"] == [
        {"place": "övriga platser", "category": "property_damage", "count": 1}
    ]

    # Nothing of either complainant in anything that left: webhooks with their documents,
    # the tenant's letter, the reply, the area picture.
    texts = [*webhook_texts(stack.social, seen["soc"]), *webhook_texts(stack.security, seen["vakt"]),
             *webhook_texts(stack.area, seen["omr"]), *(mail_text(m) for m in stack.mail.received[seen["mail"]:])]  # fmt: skip
    for text in texts:
        for person in (mailer, caller):
            assert not leaks(text, person), (leaks(text, person), text)
    assert any(MARKER in t for t in texts), "the cut is visible as the marker"
    for reason in scenario["reasons"]:
        assert all(reason not in t for t in texts), "reasons and notes never leave the register"

    # Every delivery of the case is logged, and logged as cut (every notice carried the place).
    disclosures = await pg_pool.fetch("SELECT partner_id, redacted FROM disclosures WHERE case_id = $1", case_id)
    assert Counter(d["partner_id"] for d in disclosures) == {"soc": 3, "vakt": 4, "brev": 1, "fors": 1, "complainant": 1}
    assert all(d["redacted"] for d in disclosures)
    picture_row = await pg_pool.fetchrow(
        "SELECT redacted FROM partner_outbox WHERE notice_id = $1 AND partner_id = 'omr'", picture.notice_id
    )
    assert picture_row["redacted"]

    # The coordinator checks what was typed: one check_redaction task per cut notice (ten) and the picture.
    async def checks_opened():
        checks = [t for t in (await case.view()).open_tasks if t.kind == TaskKind.CHECK_REDACTION]
        assert len(checks) == 11, [t.kind for t in (await case.view()).open_tasks]

    await eventually(checks_opened, timeout=20)
    logged = await pg_pool.fetch("SELECT data FROM case_events WHERE case_id = $1 AND kind = 'notice_redacted'", case_id)
    assert len(logged) == 11
    assert all(set(json.loads(e["data"])) == {"notice_id"} for e in logged), "the log says that, never what"
    await case.handle.terminate("test over")
