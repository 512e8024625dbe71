"""Prefect flows: thin wrappers over the credibility library.

Importing any ``flows`` module sets the offline and quiet defaults first, before
Prefect is imported: Prefect reads its settings once, at import. A value the
user already exported wins.
"""

from __future__ import annotations

import os

QUIET_ENV = {
    # No usage analytics from a server this project starts, no telemetry from clients.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The model ships in a package: never reach for the hub at run time.
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

for _name, _value in QUIET_ENV.items():
    os.environ.setdefault(_name, _value)
