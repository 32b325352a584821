"""Search attributes on the real dev server: stage, area, category, next due, overdue,
escalated; ids and codes only, nothing personal."""

from __future__ import annotations

from domain.state import CaseStage
from tests.helpers import eventually
from tests.standins import CaseDriver, StandIns, case_worker, file_report, report, tenancy
from workflows import search_attributes as sa


async def test_case_search_attributes_follow_the_stage_and_carry_no_personal_data(local_env):
    client, standins = local_env.client, StandIns()
    async with case_worker(client, standins) as queue:
        case = CaseDriver(client, await file_report(client, queue, report(tenancy()), search_attributes=True))
        view = await case.verify_pending()
        assert view.stage is CaseStage.CONTACT

        async def indexed():
            attributes = (await case.handle.describe()).typed_search_attributes
            assert attributes.get(sa.CASE_STAGE) == "contact"
            assert attributes.get(sa.CASE_AREA) == "Ryd" and attributes.get(sa.CASE_CATEGORY) == "noise"
            assert attributes.get(sa.NEXT_DUE) == view.next_due
            assert attributes.get(sa.OVERDUE) is False and attributes.get(sa.ESCALATED) is False

        await eventually(indexed)
        attributes = (await case.handle.describe()).typed_search_attributes
        values = " ".join(str(pair.value) for pair in attributes)
        assert "person-1" not in values and "stairwell" not in values
        await case.handle.terminate("test over")
