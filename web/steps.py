"""Each staff step as a form: Swedish title, help, fields, and how the form's answers
become the step's input for TryggClient.act.

The ladder decides which steps a role may take (the view's `allowed_steps`) and refuses
what it will not do; this module only says how to ask for each step's fields. Fields are
named as the step models name them, so the client's InvalidInput ("method: …") points
straight back at the field in the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from web import labels

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # radios, select, text, textarea, date, datetime, checkboxes, hidden
    label: str
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True
    error: str = ""

    @property
    def message(self) -> str:
        return self.error or f"Fyll i {self.label.lower()}"


@dataclass(frozen=True)
class StepForm:
    name: str
    title: str
    help: str
    button: str
    fields: tuple[Field, ...] = ()
    task_kind: str | None = None
    """The task whose policy deadline the step answers, shown beside the form."""
    reason_label: str = "Motivering"
    reason_hint: str = "Skriv kort och sakligt varför. Sparas i ärendets logg; inga diagnoser eller känsliga uppgifter."
    extra: tuple[str, ...] = field(default=())


def _opts(table: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(table.items())


YES_NO = (("true", "Ja"), ("false", "Nej"))

FORMS: dict[str, StepForm] = {
    form.name: form
    for form in (
        StepForm("verify_report", "Verifiera anmälan", "En tillsägelse kräver minst en verifierad anmälan (RH 2018:23).",
                 "Verifiera", (Field("report_id", "hidden", "Anmälan"),
                               Field("method", "radios", "Hur verifierades anmälan?", options=_opts(labels.VERIFICATION_METHODS),
                                     error="Välj hur anmälan verifierades")), task_kind="verify_report"),
        StepForm("reject_report", "Avvisa anmälan", "En avvisad anmälan räknas inte som störning.", "Avvisa",
                 (Field("report_id", "hidden", "Anmälan"),), task_kind="verify_report"),
        StepForm("assign", "Tilldela ärendet", "Ärendet får en ansvarig handläggare.", "Tilldela",
                 (Field("assignee", "select", "Ansvarig", error="Välj vem som ska ansvara för ärendet"),)),
        StepForm("record_contact", "Registrera kontakt med hyresgästen",
                 "Första kontakten ska tas inom policyns antal arbetsdagar efter anmälan.", "Registrera kontakt",
                 (Field("method", "radios", "Hur togs kontakten?", options=_opts(labels.CONTACT_METHODS),
                        error="Välj hur kontakten togs"),), task_kind="first_contact"),
        StepForm("record_dialogue", "Registrera dialogen", "Löst: hyresgästen har gått med på ändring och störningarna har upphört; ärendet avslutas.",
                 "Registrera dialog", (Field("resolved", "radios", "Är störningen löst i dialog?", options=YES_NO,
                                             error="Välj om störningen är löst"),), task_kind="dialogue"),
        StepForm("issue_warning", "Ge tillsägelse och underrätta socialnämnden",
                 "12 kap. 25 § jordabalken: hyresgästen uppmanas att genast upphöra, och socialnämnden underrättas. "
                 "Skickas rekommenderat och som vanligt brev.", "Ge tillsägelse"),
        StepForm("approve_warning", "Godkänn tillsägelse", "Chefen godkänner en föreslagen tillsägelse.", "Spara beslut",
                 (Field("approved", "radios", "Godkänns tillsägelsen?", options=YES_NO, error="Välj om tillsägelsen godkänns"),),
                 task_kind="approve_warning"),
        StepForm("record_follow_up", "Registrera uppföljning", "Har det varit lugnt sedan förra kontrollpunkten? En ny störning ska komma in som anmälan.",
                 "Registrera uppföljning", (Field("calm", "radios", "Har det varit lugnt?", options=YES_NO,
                                                   error="Välj om det har varit lugnt"),), task_kind="follow_up"),
        StepForm("escalate_to_prevention", "Starta vräkningsförebyggande arbete",
                 "Det vräkningsförebyggande teamet, socialtjänsten och hyresgästen tar fram en handlingsplan.",
                 "Starta", (Field("meeting_at", "datetime", "Första mötet (om det är bestämt)", "Till exempel 27 3 2027, klockan 13:30 (svensk tid).",
                                  required=False, error="Ange ett giltigt datum och klockslag"),
                            Field("meeting_place", "text", "Plats för första mötet", "Skickas till socialtjänsten i inbjudan. Skriv aldrig vem som anmält.",
                                  required=False))),
        StepForm("approve_termination", "Pröva uppsägning", "Uppsägning måste ske inom två månader från att hyresvärden fick kännedom om grunden (12 kap. 43 §). "
                 "Ringa störningar förverkar inte hyresrätten.", "Spara beslut",
                 (Field("approved", "radios", "Godkänns uppsägningen?", "Nej: felet är av ringa betydelse; ärendet går tillbaka till uppföljning.",
                        options=YES_NO, error="Välj om uppsägningen godkänns"),
                  Field("termination_date", "date", "Dag då hyresavtalet upphör (om den är bestämd)", "Till exempel 31 5 2027.", required=False,
                        error="Ange ett giltigt datum")), task_kind="approve_termination"),
        StepForm("record_ground_learned", "Registrera när grunden blev känd", "Till exempel när en överklagad brottmålsdom vann laga kraft (NJA 2008 s. 243); fristen räknas då därifrån.",
                 "Registrera", (Field("learned_at", "date", "Dag då hyresvärden fick kännedom", "Till exempel 3 2 2027.", error="Ange ett giltigt datum"),
                                Field("basis", "radios", "Grund", options=_opts(labels.GROUND_BASES), error="Välj grund"))),
        StepForm("record_milestone", "Registrera händelse i den rättsliga processen", "Det som sker hos hyresnämnden, domstol och Kronofogden.",
                 "Registrera", (Field("milestone", "radios", "Händelse", options=_opts(labels.MILESTONES), error="Välj händelse"),),
                 task_kind="legal_process"),
        StepForm("close_case", "Avsluta ärendet", "Välj hur ärendet slutade.", "Avsluta ärendet",
                 (Field("outcome", "radios", "Utfall", options=_opts(labels.OUTCOMES), error="Välj utfall"),)),
        StepForm("add_note", "Lägg till anteckning", "Bara fakta, inga diagnoser (GDPR art. 9 och 10).", "Spara anteckning",
                 reason_label="Anteckning", reason_hint="Sparas i ärendets logg."),
        StepForm("complete_task", "Markera uppgift som klar", "Till exempel en underrättelse som lämnats för hand.", "Markera klar",
                 (Field("task_id", "select", "Uppgift", error="Välj uppgift"),)),
        StepForm("record_consent", "Registrera samtycke", "Får socialtjänsten dela uppgifter med bostadsbolaget? Kräver hyresgästens skriftliga samtycke.",
                 "Registrera samtycke", (Field("given", "radios", "Har hyresgästen gett skriftligt samtycke?", options=YES_NO,
                                               error="Välj om samtycke har getts"),)),
        StepForm("agree_action_plan", "Registrera handlingsplan", "Vad har hyresgästen, socialtjänsten och teamet kommit överens om?",
                 "Spara handlingsplan", (Field("measures", "checkboxes", "Åtgärder i planen", "Välj alla som gäller.",
                                               options=_opts(labels.MEASURES), error="Välj minst en åtgärd"),),
                 task_kind="agree_action_plan"),
        StepForm("record_review", "Registrera uppföljning av planen", "Misslyckad: planen höll inte och ärendet går till prövning av uppsägning.",
                 "Spara uppföljning", (Field("verdict", "radios", "Hur går det med planen?", options=_opts(labels.VERDICTS),
                                             error="Välj hur det går"),), task_kind="review_action_plan"),
    )
}


class FormErrors(Exception):
    """Fields the person must correct: {field name: Swedish message}, in form order."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def parse(form: StepForm, data: Any) -> dict[str, Any]:
    """The step's input from the posted form (without the actor, which is the signed-in
    user). Empty required fields and dates that are no dates are refused here, in Swedish;
    everything else is the step model's to judge."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        value: Any
        if f.kind == "checkboxes":
            value = tuple(v for v in data.getlist(f.name) if v) if hasattr(data, "getlist") else ()
            if not value:
                errors[f.name] = f.message
                continue
        elif f.kind in ("date", "datetime"):
            try:
                value = _date_value(f, data)
            except ValueError:
                errors[f.name] = f.message
                continue
            if value is None:
                if f.required:
                    errors[f.name] = f.message
                continue
        else:
            value = (data.get(f.name) or "").strip()
            if not value:
                if f.required:
                    errors[f.name] = f.message
                continue
            if value in ("true", "false") and f.options == YES_NO:
                value = value == "true"
        out[f.name] = value
    reason = (data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = f"Fyll i {form.reason_label.lower()}"
    out["reason"] = reason
    if errors:
        raise FormErrors(errors)
    return out


def _date_value(f: Field, data: Any) -> str | None:
    parts = [(data.get(f"{f.name}-{p}") or "").strip() for p in ("day", "month", "year")]
    clock = (data.get(f"{f.name}-time") or "").strip() if f.kind == "datetime" else ""
    if not any(parts) and not clock:
        return None
    day, month, year = (int(p) for p in parts)  # ValueError for an empty or non-numeric part
    when = date(year, month, day)
    if f.kind == "date":
        return when.isoformat()
    hour, _, minute = clock.partition(":")
    moment = datetime.combine(when, time(int(hour), int(minute or 0)), tzinfo=STOCKHOLM)
    return moment.isoformat()


def field_errors(form: StepForm, problems: list[str]) -> dict[str, str]:
    """The client's problems ("method: Input should be …") as Swedish messages at the
    fields they name; a problem at no field of the form goes to the summary alone."""
    by_name = {f.name: f for f in form.fields}
    errors: dict[str, str] = {}
    for problem in problems:
        name = problem.split(":", 1)[0].split(".")[0].strip()
        if name in by_name:
            errors[name] = by_name[name].message
        elif name == "reason":
            errors["reason"] = f"{form.reason_label} är för lång eller innehåller otillåtna tecken"
        else:
            errors["_form"] = "Uppgifterna kunde inte sparas. Kontrollera fälten och försök igen."
    return errors
