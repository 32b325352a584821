"""The real servers come up from the pip packages, without downloads."""

from datetime import timedelta

from temporalio import workflow

from tests.helpers import running_worker, unique


@workflow.defn(sandboxed=False)
class SleepThenAnswer:
    @workflow.run
    async def run(self) -> str:
        await workflow.sleep(timedelta(days=30))
        return "woke"


async def test_time_skipping_server_skips_a_month(time_env):
    async with running_worker(time_env.client, workflows=[SleepThenAnswer]) as worker:
        result = await time_env.client.execute_workflow(
            SleepThenAnswer.run, id=unique("wf"), task_queue=worker.task_queue
        )
    assert result == "woke"


async def test_embedded_postgres_answers(pg_pool):
    assert await pg_pool.fetchval("SELECT 40 + 2") == 42
    assert await pg_pool.fetchval("SELECT count(*) FROM schema_migrations") >= 0
