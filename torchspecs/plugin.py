"""The pytest plugin: options, markers, the ``device`` fixture, version gates, isolation and the report header.

Loaded from the root ``conftest.py``.  Every spec under the spec paths must
carry its metadata; a spec without it is a usage error at collection, as is
a malformed marker, version range or ``--device`` value.

Markers
    ``doc(url)``                     the PyTorch documentation section the spec verifies (one or more)
    ``claim(claim_id, verdict=...)`` the study-note claim it settles: holds, wrong or depends-on-version
    ``torch_version(range)``         the torch versions whose behaviour it asserts, e.g. ``">=2.5"``
    ``needs_device(device_type)``    runs only when that device type is selected, e.g. ``"cuda"``
    ``without_accelerator``          runs only on a machine with no accelerator: what torch does without one
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from _pytest.junitxml import xml_key
from hypothesis import HealthCheck, settings

from torchspecs import environment, isolation
from torchspecs.claims import VERDICTS, claims
from torchspecs.devices import DeviceSelectionError, present_device_types, select_devices
from torchspecs.report import RUN_PROPERTY
from torchspecs.versions import VersionSpecError, parse_spec, torch_version, version_matches

DOC_PREFIXES = ("https://docs.pytorch.org/docs/", "https://pytorch.org/docs/")
DEVICES_KEY = pytest.StashKey[list]()
RUN_KEY = pytest.StashKey[dict]()

MARKERS = {
    "doc(url)": "the PyTorch documentation section this spec verifies",
    "claim(claim_id, verdict)": f"the study-note claim this spec settles; verdict is one of {', '.join(VERDICTS)}",
    "torch_version(range)": "the torch versions whose behaviour this spec asserts (PEP 440 range, e.g. '>=2.5')",
    "needs_device(device_type)": "run only when this device type is selected with --device (skipped with the reason otherwise)",
    "without_accelerator": "run only on a machine with no accelerator present (skipped with the reason otherwise)",
}

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
    docs: tuple[str, ...]
    claims: tuple[tuple[str, str], ...]
    torch_versions: tuple[str, ...]
    needs_devices: tuple[str, ...]
    without_accelerator: bool = False


def spec_metadata(item: pytest.Item) -> SpecMetadata:
    """Read a spec's rule (first docstring line), citations, claims and gates."""
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    rule = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    return SpecMetadata(
        rule=rule,
        docs=tuple(mark.args[0] for mark in item.iter_markers("doc") if mark.args),
        claims=tuple(
            (mark.args[0], mark.kwargs.get("verdict", "")) for mark in item.iter_markers("claim") if mark.args
        ),
        torch_versions=tuple(mark.args[0] for mark in item.iter_markers("torch_version") if mark.args),
        needs_devices=tuple(mark.args[0] for mark in item.iter_markers("needs_device") if mark.args),
        without_accelerator=item.get_closest_marker("without_accelerator") is not None,
    )


def _marker_shape_problems(item: pytest.Item) -> list[str]:
    problems = []
    for name, keywords in (("doc", set()), ("claim", {"verdict"}), ("torch_version", set()), ("needs_device", set())):
        for mark in item.iter_markers(name):
            if len(mark.args) != 1 or not isinstance(mark.args[0], str) or set(mark.kwargs) - keywords:
                problems.append(f"@pytest.mark.{name} takes one string argument{' and verdict=' if keywords else ''}")
    for mark in item.iter_markers("without_accelerator"):
        if mark.args or mark.kwargs:
            problems.append("@pytest.mark.without_accelerator takes no arguments")
    return problems


def metadata_problems(meta: SpecMetadata) -> list[str]:
    """What is missing or wrong in a spec's metadata; empty when it is complete."""
    problems = []
    if not meta.rule:
        problems.append("no rule: the docstring's first line must state the rule the spec checks")
    if not meta.docs:
        problems.append("no @pytest.mark.doc(url) citing the PyTorch documentation it verifies")
    problems += [
        f"doc url {url!r} is not PyTorch documentation ({DOC_PREFIXES[0]}...)"
        for url in meta.docs
        if not url.startswith(DOC_PREFIXES)
    ]
    registry = claims()
    for claim_id, verdict in meta.claims:
        if claim_id not in registry:
            problems.append(f"claim {claim_id!r} is not in torchspecs/claims.toml")
        if verdict not in VERDICTS:
            problems.append(f"claim {claim_id!r} has verdict {verdict!r}; expected one of {', '.join(VERDICTS)}")
    return problems


def version_problems(meta: SpecMetadata) -> list[str]:
    """Version ranges that cannot be parsed; checked for every test, spec or not."""
    problems = []
    for spec in meta.torch_versions:
        try:
            parse_spec(spec)
        except VersionSpecError as error:
            problems.append(f"@pytest.mark.torch_version: {error}")
    return problems


def _is_spec(item: pytest.Item, config: pytest.Config) -> bool:
    try:
        relative = item.path.relative_to(config.rootpath)
    except ValueError:
        return False
    return bool(relative.parts) and relative.parts[0] in config.getini("torchspecs_spec_paths")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("torchspecs")
    group.addoption(
        "--device",
        dest="torchspecs_device",
        default=None,
        help="comma-separated devices to run device specs on, e.g. 'cpu' or 'cpu,cuda' (default: all present)",
    )
    parser.addini(
        "torchspecs_spec_paths", "folders whose tests are specs and must carry metadata", type="args", default=["specs"]
    )


def pytest_configure(config: pytest.Config) -> None:
    for signature, meaning in MARKERS.items():
        config.addinivalue_line("markers", f"{signature}: {meaning}")
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems: list[str] = []
    verdicts: dict[str, set[str]] = {}
    selected_types = {device.type for device in config.stash[DEVICES_KEY]}
    for item in items:
        item_problems = _marker_shape_problems(item)
        if not item_problems:
            meta = spec_metadata(item)
            item_problems = version_problems(meta)
            if _is_spec(item, config):
                item_problems += metadata_problems(meta)
                for claim_id, verdict in meta.claims:
                    verdicts.setdefault(claim_id, set()).add(verdict)
                _record_properties(item, meta)
            if not item_problems:
                _apply_gates(item, meta, selected_types)
        problems += [f"{item.nodeid}: {problem}" for problem in item_problems]
    problems += [
        f"claim {claim_id!r} is given different verdicts by different specs: {', '.join(sorted(found))}"
        for claim_id, found in verdicts.items()
        if len(found) > 1
    ]
    if problems:
        raise pytest.UsageError("spec metadata problems:\n  " + "\n  ".join(problems))


def spec_device_and_case(item: pytest.Item, meta: SpecMetadata) -> tuple[str, str]:
    """The device type a spec exercises, and its name without the device: one row of the matrix, one column per device.

    A device-parametrised spec exercises its ``device``, a ``needs_device`` spec
    that device type, and any other spec the host CPU.
    """
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "device" in callspec.params:
        device = callspec.params["device"]
        parts = callspec.id.split("-")
        if str(device) in parts:
            parts.remove(str(device))
        case = item.originalname + (f"[{'-'.join(parts)}]" if parts else "")
        return torch.device(device).type, case
    return (meta.needs_devices[0] if meta.needs_devices else "cpu"), item.name


def _record_properties(item: pytest.Item, meta: SpecMetadata) -> None:
    # user_properties travel into JUnit XML and JSON reports.
    device, case = spec_device_and_case(item, meta)
    item.user_properties += [("device", device), ("case", case)]
    item.user_properties.append(("rule", meta.rule))
    item.user_properties += [("doc", url) for url in meta.docs]
    item.user_properties += [("claim", f"{claim_id}={verdict}") for claim_id, verdict in meta.claims]
    item.user_properties += [("torch_version", spec) for spec in meta.torch_versions]
    if meta.without_accelerator:
        item.user_properties.append(("without_accelerator", "true"))


def _apply_gates(item: pytest.Item, meta: SpecMetadata, selected_types: set[str]) -> None:
    for spec in meta.torch_versions:
        if not version_matches(spec):
            item.add_marker(pytest.mark.skip(reason=f"asserts torch {spec}; installed torch is {torch_version()}"))
    for device_type in meta.needs_devices:
        if device_type not in selected_types:
            present = present_device_types()
            why = (
                "not selected with --device"
                if device_type in present
                else f"not present (present: {', '.join(present)})"
            )
            item.add_marker(pytest.mark.skip(reason=f"needs a {device_type} device: {why}"))
    accelerators = [device for device in present_device_types() if device != "cpu"]
    if meta.without_accelerator and accelerators:
        item.add_marker(
            pytest.mark.skip(
                reason=f"asserts what torch does without an accelerator; present: {', '.join(accelerators)}"
            )
        )


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
