"""The policy simulator: a synthetic year played through the real ladder.

A team lead who wants to change a rule asks what it would do to staff load, overdue
tasks and how many tenants keep their home. The ladder is pure (`domain.ladder`,
`domain.prevention`), so the simulator feeds it synthetic reports, staff steps, partner
answers and the clocks the state asks for, exactly as `workflows/case.py` and
`workflows/prevention.py` do, and counts what comes back. Nothing of the ladder is
re-implemented here: `scenario` is the world's behaviour (each value sourced or marked an
assumption), `world` its random draws, `engine` the discrete-event run (SimPy), `figures`
what is counted, `run` the policies side by side, `report` the JSON, charts and HTML, and
`conformance` replays a sample as real workflows to prove the run is the engine.
"""
