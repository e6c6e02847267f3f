"""A pytest plugin that writes the collected specs' recorded metadata to the JSON file named by TORCHSPECS_INVENTORY.

The falsifiability tests read from it which specs assert which side of each registered change, and which the
installed torch skips as the other side of a version gate: the same collection a spec run makes.
"""

from __future__ import annotations

import json
import os

from torchspecs.metadata import record_fields


def pytest_collection_finish(session):
    inventory = []
    for item in session.items:
        properties: dict[str, list[str]] = {}
        for name, value in item.user_properties:
            properties.setdefault(name, []).append(value)
        if "topic" in properties:
            fields = record_fields(properties)
            inventory.append(
                {
                    "function": getattr(item, "originalname", item.name),
                    "file": item.path.relative_to(session.config.rootpath).as_posix(),
                    "changes": fields["changes"],
                    "skip_cause": fields["skip_cause"],
                }
            )
    with open(os.environ["TORCHSPECS_INVENTORY"], "w", encoding="utf-8") as out:
        json.dump(inventory, out)
