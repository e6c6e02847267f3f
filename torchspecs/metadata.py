"""The one declaration of what a spec says about itself: its markers, and the record fields they fill.

Everything else is derived from ``MARKERS`` and ``FIELDS``: the pytest marker
registration and the shape checks at collection (``torchspecs.plugin``), the
``user_properties`` a spec carries into JUnit XML, and the fields of a result
record read back from that XML (``torchspecs.report``).  A property's value is
JSON, so the record holds exactly what the plugin wrote.

This module imports neither torch nor pytest: the report reads records with
nothing else installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from torchspecs.changes import SIDES
from torchspecs.claims import VERDICTS

__all__ = ["FIELDS", "MARKERS", "SKIP_CAUSES", "Field", "Marker", "record_fields"]


@dataclass(frozen=True)
class Marker:
    """A ``@pytest.mark.<name>`` a spec may carry: its arguments, whether every spec needs one, and its meaning."""

    name: str
    arguments: tuple[str, ...]
    field: str
    description: str
    optional: tuple[str, ...] = ()
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    required: bool = False

    @property
    def signature(self) -> str:
        parts = [*self.arguments, *(f"[{name}]" for name in self.optional), *self.keywords]
        return f"{self.name}({', '.join(parts)})" if parts else self.name

    def shape_problems(self, args: tuple, kwargs: dict) -> list[str]:
        """What is wrong with one use of the marker: its positional arguments, and its keywords and their values."""
        counts = range(len(self.arguments), len(self.arguments) + len(self.optional) + 1)
        usage = f"@pytest.mark.{self.signature}"
        if not self.arguments and not self.optional and not self.keywords:
            return [f"@pytest.mark.{self.name} takes no arguments"] if args or kwargs else []
        problems = []
        if len(args) not in counts or not all(isinstance(arg, str) and arg for arg in args):
            what = " or ".join(str(count) for count in counts)
            problems.append(f"@pytest.mark.{self.name} takes {what} string argument(s): {usage}")
        for keyword, value in kwargs.items():
            if keyword not in self.keywords:
                problems.append(f"@pytest.mark.{self.name} takes no keyword {keyword!r}: {usage}")
            elif value not in self.keywords[keyword]:
                allowed = ", ".join(self.keywords[keyword])
                problems.append(f"@pytest.mark.{self.name}: {keyword}={value!r} is not one of {allowed}")
        problems += [
            f"@pytest.mark.{self.name} needs {keyword}=: {usage}" for keyword in self.keywords if keyword not in kwargs
        ]
        return problems


MARKERS: dict[str, Marker] = {
    marker.name: marker
    for marker in (
        Marker(
            "doc",
            ("name",),
            "docs",
            "the PyTorch documentation this spec verifies: an API's documented name ('torch.load'), or a page "
            "('notes/serialization') and optionally a section anchor ('weights-only')",
            optional=("section",),
            required=True,
        ),
        Marker(
            "claim",
            ("claim_id",),
            "claims",
            f"the study-note claim this spec settles; verdict is one of {', '.join(VERDICTS)}",
            keywords={"verdict": VERDICTS},
        ),
        Marker(
            "change",
            ("change_id",),
            "changes",
            "the side of a registered behaviour change (torchspecs/changes.toml) this spec asserts; its version "
            "gate comes from the registry",
            keywords={"side": SIDES},
        ),
        Marker(
            "torch_version",
            ("range",),
            "gates",
            "the torch versions this spec's behaviour holds in, when that is not a registered change "
            "(PEP 440, alternatives joined by ' or ', e.g. '<2.4 or >=2.6')",
        ),
        Marker(
            "needs_device",
            ("device_type",),
            "needs_devices",
            "run only when this device type is selected with --device, or any accelerator for 'accelerator' (skipped with the reason otherwise)",
        ),
        Marker(
            "without_accelerator",
            (),
            "without_accelerator",
            "run only on a machine with no accelerator present (skipped with the reason otherwise)",
        ),
    )
}

# Why the plugin skipped a spec, recorded when it skips: a record tells the other side of a version gate from a
# device that is not there without reading the message.
SKIP_CAUSES = ("other-side", "no-device", "accelerator-present")


@dataclass(frozen=True)
class Field:
    """One field of a spec's result record, carried from the plugin to the record as a JUnit property."""

    name: str
    description: str
    many: bool = False
    default: object = ""

    def encode(self, value: object) -> list[tuple[str, str]]:
        """The user_properties that carry a value: one per item of a list."""
        values = value if self.many else [value]
        return [(self.name, json.dumps(item, sort_keys=True)) for item in values]

    def decode(self, raw: list[str]) -> object:
        values = [json.loads(text) for text in raw]
        if self.many:
            return values
        return values[0] if values else self.default


FIELDS: tuple[Field, ...] = (
    Field("id", "the spec's pytest node id, e.g. specs/aliasing/test_view.py::test_x[cpu]"),
    Field("topic", "its spec root's area and file, e.g. aliasing/test_view"),
    Field("case", "its name without the device, e.g. test_x[narrow]: one row of the matrix"),
    Field("device", "the device type it exercises"),
    Field("rule", "the docstring's first line: the rule it checks"),
    Field("docs", "each citation (doc marker): its name or page and section, and its URL", many=True),
    Field("claims", "each claim it settles (claim marker): id and verdict", many=True),
    Field("changes", "each side of a registered change it asserts (change marker): id and side", many=True),
    Field("gates", "the version ranges it is gated to, from its change and torch_version markers", many=True),
    Field("needs_devices", "the device types it needs (needs_device marker)", many=True),
    Field("without_accelerator", "whether it asserts what torch does with no accelerator", default=False),
    Field("skip_cause", f"why the plugin skipped it: {', '.join(SKIP_CAUSES)}, or empty", default=""),
)


def record_fields(properties: dict[str, list[str]]) -> dict[str, object]:
    """A record's metadata fields from a JUnit testcase's properties (name -> raw values)."""
    return {spec_field.name: spec_field.decode(properties.get(spec_field.name, [])) for spec_field in FIELDS}
