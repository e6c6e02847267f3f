"""The pytest plugin: options, markers, the ``device`` fixture, version gates, isolation and the report header.

Loaded from the root ``conftest.py``.  Every spec under the spec paths must
carry its metadata; a spec without it is a usage error at collection, as is
a malformed marker, version range, citation, change id or ``--device`` value.

The markers, and the record fields they fill, are declared once in
``torchspecs.metadata``; the change registry is ``torchspecs/changes.toml``
(the ini option ``torchspecs_changes`` names another).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from _pytest.junitxml import xml_key
from hypothesis import HealthCheck, settings

from torchspecs import docs, environment, isolation
from torchspecs.changes import Change, ChangeRegistryError, load_changes
from torchspecs.claims import VERDICTS, claims
from torchspecs.devices import (
    ACCELERATOR,
    DeviceSelectionError,
    is_accelerator,
    present_device_types,
    select_devices,
    selected_accelerator,
)
from torchspecs.metadata import FIELDS, MARKERS
from torchspecs.report import RUN_PROPERTY
from torchspecs.versions import VersionRange, VersionSpecError, parse_spec, parse_version, torch_version

DEVICES_KEY = pytest.StashKey[list]()
RUN_KEY = pytest.StashKey[dict]()
CHANGES_KEY = pytest.StashKey[dict]()

# Specs assert no timings, and neither do their profiles: no deadline, and no health check that
# depends on how busy the machine is (a loaded 2-core CI runner trips too_slow on cheap strategies).
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=25, **_UNTIMED)
settings.register_profile("ci", max_examples=100, derandomize=True, print_blob=True, **_UNTIMED)
settings.register_profile("thorough", max_examples=1000, **_UNTIMED)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@dataclass(frozen=True)
class SpecMetadata:
    """What a spec says about itself, in machine-readable form."""

    rule: str
    docs: tuple[tuple[str, ...], ...]
    claims: tuple[tuple[str, str], ...]
    changes: tuple[tuple[str, str], ...]
    torch_versions: tuple[str, ...]
    needs_devices: tuple[str, ...]
    without_accelerator: bool = False


def _marks(item: pytest.Item, name: str) -> list[pytest.Mark]:
    return list(item.iter_markers(name))


def spec_metadata(item: pytest.Item) -> SpecMetadata:
    """Read a spec's rule (first docstring line), citations, claims, changes and gates."""
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    rule = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    return SpecMetadata(
        rule=rule,
        docs=tuple(tuple(mark.args) for mark in _marks(item, "doc")),
        claims=tuple((mark.args[0], mark.kwargs.get("verdict", "")) for mark in _marks(item, "claim")),
        changes=tuple((mark.args[0], mark.kwargs.get("side", "")) for mark in _marks(item, "change")),
        torch_versions=tuple(mark.args[0] for mark in _marks(item, "torch_version")),
        needs_devices=tuple(mark.args[0] for mark in _marks(item, "needs_device")),
        without_accelerator=item.get_closest_marker("without_accelerator") is not None,
    )


def _marker_shape_problems(item: pytest.Item) -> list[str]:
    return [
        problem
        for marker in MARKERS.values()
        for mark in _marks(item, marker.name)
        for problem in marker.shape_problems(mark.args, mark.kwargs)
    ]


@dataclass(frozen=True)
class Gates:
    """A spec's version gates: each range and, for a change's side, the change and side it comes from."""

    ranges: tuple[tuple[VersionRange, Change | None, str], ...]

    def admits(self, version) -> bool:
        return all(version in gate for gate, _, _ in self.ranges)

    def skip_reason(self) -> str | None:
        """Why the installed torch does not run the spec, or None when it does."""
        installed = torch_version()
        for gate, change, side in self.ranges:
            if installed in gate:
                continue
            if change is None:
                return f"asserts torch {gate}; installed torch is {installed}"
            return f"asserts the behaviour {change.releases(side)} (change {change.id}); installed torch is {installed}"
        return None


def gate_problems(meta: SpecMetadata, registry: dict[str, Change]) -> tuple[Gates | None, list[str]]:
    """Parse a test's version gates: its torch_version ranges and the sides of its changes."""
    problems, ranges = [], []
    for text in meta.torch_versions:
        try:
            ranges.append((parse_spec(text), None, ""))
        except VersionSpecError as error:
            problems.append(f"@pytest.mark.torch_version: {error}")
    sides: dict[str, set[str]] = {}
    for change_id, side in meta.changes:
        sides.setdefault(change_id, set()).add(side)
        change = registry.get(change_id)
        if change is None:
            problems.append(f"change {change_id!r} is not in the change registry (torchspecs/changes.toml)")
        else:
            ranges.append((change.gate(side), change, side))
    problems += [
        f"change {change_id!r}: a spec asserts one side, not both"
        for change_id, found in sides.items()
        if len(found) > 1
    ]
    if problems:
        return None, problems
    gates = Gates(tuple(ranges))
    if ranges and not any(gates.admits(release) for release in _candidate_releases(ranges)):
        problems.append(f"its gates admit no release: {' and '.join(str(gate) for gate, _, _ in ranges)}")
    return gates, problems


def _candidate_releases(ranges) -> list[str]:
    """Every minor release from 2.0 to one past the newest any gate names, and the installed torch."""
    named = [
        parse_version(specifier.version.replace("*", "0")).minor
        for gate, _, _ in ranges
        for alternative in gate.alternatives
        for specifier in alternative
    ]
    newest = max([torch_version().minor, *named])
    return [f"2.{minor}" for minor in range(newest + 2)] + [str(torch_version())]


def metadata_problems(meta: SpecMetadata, runs_here: bool, registry: dict[str, Change]) -> list[str]:
    """What is missing or wrong in a spec's metadata; empty when it is complete.

    A cited API must exist in the installed torch when the spec runs here (``runs_here``: its gates admit this torch).
    """
    problems = []
    if not meta.rule:
        problems.append("no rule: the docstring's first line must state the rule the spec checks")
    if not meta.docs:
        problems.append("no @pytest.mark.doc(...) citing the PyTorch documentation it verifies")
    absent_by_change = {
        api
        for change_id, side in meta.changes
        if change_id in registry and (registry[change_id].kind, side) in (("added", "before"), ("removed", "after"))
        for api in registry[change_id].apis
    }
    for args in meta.docs:
        try:
            citation = docs.parse_citation(*args)
        except docs.CitationError as error:
            problems.append(f"@pytest.mark.doc: {error}")
            continue
        if citation.is_api and runs_here and citation.name not in absent_by_change and not docs.exists(citation.name):
            problems.append(
                f"@pytest.mark.doc({citation.name!r}): no such API in the installed torch {torch.__version__}"
            )
    registry_of_claims = claims()
    for claim_id, verdict in meta.claims:
        if claim_id not in registry_of_claims:
            problems.append(f"claim {claim_id!r} is not in torchspecs/claims.toml")
        if verdict not in VERDICTS:
            problems.append(f"claim {claim_id!r} has verdict {verdict!r}; expected one of {', '.join(VERDICTS)}")
    return problems


def _spec_root(item: pytest.Item, config: pytest.Config) -> Path | None:
    for root in config.getini("torchspecs_spec_paths"):
        folder = config.rootpath / root
        if item.path.is_relative_to(folder):
            return folder
    return None


def _collects_every_spec(config: pytest.Config) -> bool:
    """Whether the run collects the whole spec folders, so that each registered change must find both its sides."""
    roots = [(config.rootpath / root).resolve() for root in config.getini("torchspecs_spec_paths")]
    if any("::" in arg for arg in config.args):
        return False
    asked = [(config.invocation_params.dir / arg).resolve() for arg in config.args]
    return all(any(root.is_relative_to(folder) for folder in asked) for root in roots)


def registry_problems(registry: dict[str, Change], seen: dict[str, set[str]]) -> list[str]:
    """The registered changes that lack a spec on one of their sides."""
    return [
        f"change {change_id!r} has no spec asserting its {side} side ({change.releases(side)}: "
        f"{change.behaviour(side)})"
        for change_id, change in registry.items()
        for side in ("before", "after")
        if side not in seen.get(change_id, set())
    ]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torchspecs")
    group.addoption(
        "--device",
        dest="torchspecs_device",
        default=None,
        help="comma-separated devices to run device specs on, e.g. 'cpu', 'cpu,cuda' or 'cpu,accelerator' "
        "('accelerator' is the accelerator present, whatever its type; default: all present)",
    )
    parser.addini(
        "torchspecs_spec_paths", "folders whose tests are specs and must carry metadata", type="args", default=["specs"]
    )
    parser.addini("torchspecs_changes", "the change registry, if not the bundled torchspecs/changes.toml", default="")


def change_registry(config: pytest.Config) -> dict[str, Change]:
    """The run's change registry: the ini option's file, else the bundled one; a malformed one is a usage error."""
    if CHANGES_KEY not in config.stash:
        configured = config.getini("torchspecs_changes")
        try:
            config.stash[CHANGES_KEY] = load_changes(config.rootpath / configured if configured else None)
        except ChangeRegistryError as error:
            raise pytest.UsageError(f"malformed change registry: {error}") from None
    return config.stash[CHANGES_KEY]


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS.values():
        config.addinivalue_line("markers", f"{marker.signature}: {marker.description}")
    try:
        config.stash[DEVICES_KEY] = select_devices(config.getoption("torchspecs_device"))
    except DeviceSelectionError as error:
        raise pytest.UsageError(str(error)) from None


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """torch and numpy dtypes are named as torch and numpy print them (``float32``, ``bool``), the same under numpy 1 and 2."""
    if isinstance(val, torch.dtype):
        return str(val).removeprefix("torch.")
    if isinstance(val, np.dtype) or (isinstance(val, type) and issubclass(val, np.generic)):
        return np.dtype(val).name
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" in metafunc.fixturenames:
        devices = metafunc.config.stash[DEVICES_KEY]
        metafunc.parametrize("device", devices, ids=[str(device) for device in devices])


@pytest.fixture
def accelerator(request: pytest.FixtureRequest) -> torch.device:
    """The accelerator selected with --device (cuda, xpu, mps...), for a spec marked needs_device("accelerator")."""
    device = selected_accelerator(request.config.stash[DEVICES_KEY])
    if device is None:
        pytest.fail(
            f"{request.node.nodeid} takes the accelerator fixture but is not marked "
            '@pytest.mark.needs_device("accelerator"), which skips it where no accelerator is selected',
            pytrace=False,
        )
    return device


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Check every test's metadata, record each spec's, and gate them; before -k or -m deselect any."""
    registry = change_registry(config)
    problems: list[str] = []
    verdicts: dict[str, set[str]] = {}
    sides_seen: dict[str, set[str]] = {}
    selected_types = {device.type for device in config.stash[DEVICES_KEY]}
    present = present_device_types()
    for item in items:
        item_problems = _marker_shape_problems(item)
        if not item_problems:
            meta = spec_metadata(item)
            gates, item_problems = gate_problems(meta, registry)
            other_side = gates.skip_reason() if gates is not None else None
            root = _spec_root(item, config)
            if root is not None:
                item_problems += metadata_problems(meta, other_side is None, registry)
                for claim_id, verdict in meta.claims:
                    verdicts.setdefault(claim_id, set()).add(verdict)
                for change_id, side in meta.changes:
                    sides_seen.setdefault(change_id, set()).add(side)
            if not item_problems:
                cause = _apply_gates(item, meta, other_side, selected_types, present)
                if root is not None:
                    _record_properties(item, meta, gates, root, cause)
        problems += [f"{item.nodeid}: {problem}" for problem in item_problems]
    problems += [
        f"claim {claim_id!r} is given different verdicts by different specs: {', '.join(sorted(found))}"
        for claim_id, found in verdicts.items()
        if len(found) > 1
    ]
    if _collects_every_spec(config):
        problems += registry_problems(registry, sides_seen)
    if problems:
        raise pytest.UsageError("spec metadata problems:\n  " + "\n  ".join(problems))


def spec_device_and_case(item: pytest.Item, meta: SpecMetadata) -> tuple[str, str]:
    """The device type a spec exercises, and its name without the device: one row of the matrix, one column per device.

    A device-parametrised spec exercises its ``device``, a ``needs_device`` spec
    that device type (``accelerator``: the type of the accelerator selected, if
    one is), and any other spec the host CPU.
    """
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "device" in callspec.params:
        device = callspec.params["device"]
        parts = callspec.id.split("-")
        if str(device) in parts:
            parts.remove(str(device))
        case = item.originalname + (f"[{'-'.join(parts)}]" if parts else "")
        return torch.device(device).type, case
    if not meta.needs_devices:
        return "cpu", item.name
    if meta.needs_devices[0] == ACCELERATOR:
        accelerator = selected_accelerator(item.config.stash[DEVICES_KEY])
        return (accelerator.type if accelerator is not None else ACCELERATOR), item.name
    return meta.needs_devices[0], item.name


def _record_properties(item: pytest.Item, meta: SpecMetadata, gates: Gates, root: Path, cause: str) -> None:
    """The spec's record fields, as JUnit user_properties (see torchspecs.metadata.FIELDS)."""
    device, case = spec_device_and_case(item, meta)
    version = docs.docs_version([gate for gate, _, _ in gates.ranges])
    citations = [docs.parse_citation(*args) for args in meta.docs]
    values = {
        "id": item.nodeid,
        "topic": item.path.relative_to(root).with_suffix("").as_posix(),
        "case": case,
        "device": device,
        "rule": meta.rule,
        "docs": [{"cite": str(citation), "url": docs.url(citation, version)} for citation in citations],
        "claims": [{"id": claim_id, "verdict": verdict} for claim_id, verdict in meta.claims],
        "changes": [{"id": change_id, "side": side} for change_id, side in meta.changes],
        "gates": [str(gate) for gate, _, _ in gates.ranges],
        "needs_devices": list(meta.needs_devices),
        "without_accelerator": meta.without_accelerator,
        "skip_cause": cause,
    }
    for spec_field in FIELDS:
        item.user_properties += spec_field.encode(values[spec_field.name])


def _missing_device(device_type: str, selected_types: set[str], present: list[str]) -> str | None:
    """Why a spec that needs ``device_type`` (``accelerator``: any accelerator) cannot run, or None when one is selected."""
    if device_type == ACCELERATOR:
        needed, matches = "an accelerator", is_accelerator
    else:
        needed, matches = f"a {device_type} device", device_type.__eq__
    if any(map(matches, selected_types)):
        return None
    why = "not selected with --device" if any(map(matches, present)) else f"not present (present: {', '.join(present)})"
    return f"needs {needed}: {why}"


def _apply_gates(
    item: pytest.Item, meta: SpecMetadata, other_side: str | None, selected_types: set[str], present: list[str]
) -> str:
    """Skip the test where it cannot run, with the reason; return why it was skipped (a SKIP_CAUSES entry) or ''.

    ``other_side`` is the reason its version gates give, if they exclude the installed torch; ``present`` the device
    types this machine has.
    """
    if other_side:
        item.add_marker(pytest.mark.skip(reason=other_side))
        return "other-side"
    for device_type in meta.needs_devices:
        missing = _missing_device(device_type, selected_types, present)
        if missing:
            item.add_marker(pytest.mark.skip(reason=missing))
            return "no-device"
    accelerators = [device_type for device_type in present if is_accelerator(device_type)]
    if meta.without_accelerator and accelerators:
        item.add_marker(
            pytest.mark.skip(
                reason=f"asserts what torch does without an accelerator; present: {', '.join(accelerators)}"
            )
        )
        return "accelerator-present"
    return ""


@pytest.fixture(autouse=True)
def _torch_global_state_guard():
    """Seed every generator, and fail a test that leaves global torch state changed (after restoring it)."""
    before = isolation.snapshot()
    isolation.seed_everything()
    yield
    after = isolation.snapshot()
    leaks = isolation.leaked_settings(before, after)
    if leaks:
        isolation.restore(before)
        pytest.fail(
            "the test changed global torch state and did not restore it:\n  " + "\n  ".join(leaks), pytrace=False
        )


def _git_describe(path) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(path), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def _profile_name() -> str:
    getter = getattr(settings, "get_current_profile_name", None)
    return getter() if getter else getattr(settings, "_current_profile", "unknown")


def run_description(config: pytest.Config) -> dict:
    """What this run is: the environment, the devices selected, the hypothesis profile and the suite's own version.

    Made once per run, so the header and the result record say the same, down to the date.
    """
    if RUN_KEY not in config.stash:
        config.stash[RUN_KEY] = {
            **environment.describe(),
            "devices_selected": [str(device) for device in config.stash[DEVICES_KEY]],
            "hypothesis_profile": _profile_name(),
            "torchspecs": _git_describe(config.rootpath),
        }
    return config.stash[RUN_KEY]


def pytest_sessionstart(session: pytest.Session) -> None:
    # Only the process writing the JUnit XML (the xdist controller, or a plain run) has it.
    junit = session.config.stash.get(xml_key, None)
    if junit is not None:
        junit.add_global_property(RUN_PROPERTY, json.dumps(run_description(session.config)))


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = run_description(config)
    return [
        f"torch: {run['torch']} (git {(run['torch_git'] or '?')[:12]}), CUDA {run['cuda']}, cuDNN {run['cudnn']}",
        f"devices: {', '.join(run['devices_selected'])} (present: {', '.join(run['devices_present'])});"
        f" threads: {run['threads']}",
        f"numpy: {run['numpy']}; python: {run['python']} on {run['platform']}",
        f"hypothesis profile: {run['hypothesis_profile']}; torchspecs: {run['torchspecs']}",
    ]
