"""Swedish words for the codes the ladder uses. Code names stay English; a person reads these.

Kept in one table so a template never spells a stage or a role itself, and a code that
has no Swedish word yet shows as the code rather than as nothing.
"""

from __future__ import annotations

ROLES = {
    "coordinator": "Bosocial samordnare",
    "senior_coordinator": "Seniorvärd",
    "team_lead": "Chef för trygghetsgruppen",
    "tenancy_lawyer": "Hyresjuridisk konsulent",
    "fire_safety_officer": "Brand- och säkerhetsansvarig",
    "prevention_team": "Vräkningsförebyggande teamet",
    "area_manager": "Områdesansvarig",
    "operator": "Drift",
    "system": "Trygg (automatiskt)",
}

STAGES = {
    "reported": "Anmäld – väntar på verifiering",
    "contact": "Första kontakt",
    "dialogue": "Dialog",
    "follow_up": "Uppföljning",
    "prevention": "Vräkningsförebyggande arbete",
    "termination_review": "Prövning av uppsägning",
    "legal_process": "Rättslig process",
    "closed": "Avslutat",
}

OUTCOMES = {
    "resolved_in_dialogue": "Löst i dialog",
    "corrected_after_warning": "Rättelse efter tillsägelse",
    "action_plan_fulfilled": "Handlingsplanen fullföljd",
    "tenant_moved_out": "Hyresgästen har flyttat",
    "terminated": "Uppsagt",
    "unfounded": "Ogrundad",
    "withdrawn": "Återkallad",
}

CATEGORIES = {
    "noise": "Buller",
    "threats_or_harassment": "Hot eller trakasserier",
    "violence": "Våld",
    "drugs": "Narkotika",
    "property_damage": "Skadegörelse",
    "fire_hazard": "Brandrisk",
    "sanitation": "Sanitära olägenheter",
    "other": "Annat",
}

SEVERITIES = {
    "minor": "Ringa",
    "normal": "Normal",
    "serious": "Allvarlig",
    "particularly_serious": "Särskilt allvarlig",
}

SOURCES = {
    "neighbour": "Granne",
    "staff": "Personal",
    "security_company": "Vaktbolaget (störningsjouren)",
    "police": "Polisen",
    "authority": "Myndighet",
}

HOUSING_FORMS = {"ordinary": "Vanligt boende", "senior_55": "Seniorboende 55+", "senior_70": "Seniorboende 70+"}

TASK_KINDS = {
    "verify_report": "Verifiera anmälan",
    "first_contact": "Första kontakt med hyresgästen",
    "dialogue": "Dialog med hyresgästen",
    "follow_up": "Uppföljning",
    "approve_termination": "Pröva uppsägning",
    "approve_warning": "Godkänn tillsägelse",
    "termination_window_closing": "Uppsägningsfristen löper ut",
    "legal_process": "Rättslig process",
    "fire_hazard": "Brandrisk att kontrollera",
    "deliver_by_hand": "Lämna underrättelse för hand",
    "chase_acknowledgement": "Påminn om kvittens",
    "agree_action_plan": "Kom överens om handlingsplan",
    "review_action_plan": "Följ upp handlingsplanen",
    "review_refused_intake": "Granska avvisad anmälan",
    "check_redaction": "Kontrollera maskering",
}

LEGAL_TASK_KINDS = frozenset({"approve_termination", "termination_window_closing", "deliver_by_hand"})
"""Tasks that carry a deadline set by law: the termination window (12 kap. 43 §) and a
notice to social services that must reach them by hand (12 kap. 25 och 44 §§)."""

NOTICES = {
    "warning_to_tenant": "Tillsägelse till hyresgästen",
    "warning_copy": "Kopia av tillsägelsen till socialnämnden",
    "disturbance_notice": "Underrättelse till socialnämnden",
    "termination_notice": "Underrättelse till socialnämnden vid uppsägning",
}

PREVENTION_STAGES = {"plan_pending": "Handlingsplan ska tas fram", "reviewing": "Uppföljning av planen", "finished": "Avslutat"}
PREVENTION_OUTCOMES = {"fulfilled": "Fullföljd", "failed": "Planen höll inte", "withdrawn": "Avbruten"}
MEASURES = {
    "quiet_hours": "Tider för tystnad",
    "no_night_visitors": "Inga besök nattetid",
    "social_services_contact": "Kontakt med socialtjänsten",
    "home_support": "Boendestöd",
    "debt_counselling": "Budget- och skuldrådgivning",
    "cleaning_support": "Stöd med städning",
    "neighbour_mediation": "Grannmedling",
    "other": "Annat",
}
VERDICTS = {"on_track": "Enligt plan", "fulfilled": "Fullföljd", "failed": "Misslyckad"}
VERIFICATION_METHODS = {
    "own_observation": "Egen iakttagelse",
    "security_company_on_site": "Vaktbolaget på plats",
    "inspection": "Besiktning",
    "police_report": "Polisanmälan",
}
CONTACT_METHODS = {"call": "Telefonsamtal", "visit": "Hembesök", "letter": "Brev"}
MILESTONES = {
    "rent_tribunal_application": "Ansökan till hyresnämnden",
    "rent_tribunal_decision": "Hyresnämndens beslut",
    "court_judgment": "Tingsrättens dom",
    "kronofogden_application": "Ansökan om avhysning hos Kronofogden",
    "eviction_carried_out": "Avhysning genomförd",
    "eviction_cancelled": "Avhysning inställd",
}
GROUND_BASES = {"criminal_judgment_final": "En överklagad brottmålsdom vann laga kraft", "later_knowledge": "Uppgifterna nådde hyresvärden senare"}

EVENT_KINDS = {
    "acknowledgement_missing": "Kvittens saknas",
    "action_plan_agreed": "Handlingsplan beslutad",
    "action_plan_review_due": "Dags att följa upp handlingsplanen",
    "action_plan_reviewed": "Handlingsplanen följd upp",
    "assigned": "Ärendet tilldelat",
    "task_assigned": "Uppgiften tilldelad",
    "case_closed": "Ärendet avslutat",
    "case_opened": "Ärendet öppnat",
    "consent_recorded": "Samtycke registrerat",
    "dialogue_held": "Dialog med hyresgästen",
    "follow_up_checkpoint": "Kontrollpunkt i uppföljningen",
    "follow_up_recorded": "Uppföljning registrerad",
    "ground_learned_recorded": "Dag för kännedom om grunden registrerad",
    "intake_refused": "Anmälan kunde inte läsas",
    "milestone": "Händelse i den rättsliga processen",
    "note": "Anteckning",
    "notice_acknowledged": "Underrättelse kvitterad",
    "notice_delivered": "Underrättelse levererad",
    "notice_delivered_by_hand": "Underrättelse lämnad för hand",
    "notice_not_taken": "Underrättelse kunde inte skickas",
    "notice_redacted": "Underrättelse maskerad",
    "notice_undelivered": "Underrättelse kom inte fram",
    "prevention_finished": "Vräkningsförebyggande arbete avslutat",
    "prevention_started": "Vräkningsförebyggande arbete startat",
    "prevention_track_started": "Vräkningsförebyggande spår startat",
    "prevention_track_withdrawn": "Vräkningsförebyggande spår avbrutet",
    "quiet_period_passed": "Lugn period utan störningar",
    "report_received": "Anmälan mottagen",
    "report_rejected": "Anmälan avvisad",
    "report_verified": "Anmälan verifierad",
    "task_completed": "Uppgift klar",
    "task_escalated": "Uppgift eskalerad till chefen",
    "task_reminder": "Påminnelse om uppgift",
    "tenant_contacted": "Kontakt med hyresgästen",
    "termination_approved": "Uppsägning godkänd",
    "termination_refused": "Uppsägning inte godkänd",
    "termination_review_opened": "Prövning av uppsägning inledd",
    "termination_window_closed": "Uppsägningsfristen har löpt ut",
    "termination_window_closing": "Uppsägningsfristen löper snart ut",
    "warning_declined": "Tillsägelse inte godkänd",
    "warning_issued": "Tillsägelse given",
    "warning_proposed": "Tillsägelse föreslagen",
}


def label(table: dict[str, str], code: object) -> str:
    """The Swedish word for a code; the code itself when the table has none."""
    if code is None:
        return ""
    key = getattr(code, "value", code)
    return table.get(str(key), str(key).replace("_", " "))
