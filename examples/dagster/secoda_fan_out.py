"""Dagster: the Secoda stream groups of examples/meltano as independent ops of one job.

Ops without dependencies run at the same time under Dagster's default multiprocess executor. Each
runs one Meltano job (its own extractor, so its own state). Needs meltano, tap-secoda and
target-postgres on PATH and SECODA_MELTANO_PROJECT pointing at a copy of examples/meltano.
Load with: dagster dev -f secoda_fan_out.py
"""

import os
import subprocess

from dagster import Definitions, OpDefinition, ScheduleDefinition, job, op

PROJECT = os.environ.get("SECODA_MELTANO_PROJECT", "/opt/secoda-meltano")
GROUPS = ["catalog", "knowledge", "workspace"]


def meltano_job(group: str) -> OpDefinition:
    @op(name=f"secoda_{group}")
    def run_group() -> None:
        subprocess.run(["meltano", "run", f"secoda-{group}"], cwd=PROJECT, check=True)

    return run_group


@job
def secoda_fan_out() -> None:
    for group in GROUPS:
        meltano_job(group)()


defs = Definitions(
    jobs=[secoda_fan_out],
    schedules=[ScheduleDefinition(job=secoda_fan_out, cron_schedule="0 * * * *")],
)
