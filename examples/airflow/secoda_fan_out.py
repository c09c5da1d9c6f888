"""Airflow: the Secoda stream groups of examples/meltano as parallel tasks, one Meltano job each.

Each job runs its own extractor (tap-secoda--catalog, --knowledge, --workspace), so Meltano keeps
a separate state per group and the three pipes never share a bookmark; target-postgres takes
concurrent loads into one schema. Needs meltano, tap-secoda and target-postgres on the worker's
PATH and SECODA_MELTANO_PROJECT pointing at a copy of examples/meltano with its secrets set
(`meltano config tap-secoda set api_key …`).
"""

import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

PROJECT = os.environ.get("SECODA_MELTANO_PROJECT", "/opt/secoda-meltano")
GROUPS = ["catalog", "knowledge", "workspace"]

with DAG(
    dag_id="secoda_fan_out",
    schedule="0 * * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
) as dag:
    for group in GROUPS:
        BashOperator(
            task_id=f"secoda_{group}",
            bash_command=f"meltano run secoda-{group}",
            cwd=PROJECT,
        )
