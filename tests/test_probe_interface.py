"""The one probe interface: every registered probe is ``collect(targets, ProbeContext)``, the
scanner finds probes through the registry only, a broken probe is an error observation, and a
cancelled scan raises Interrupted without waiting for a probe that does not return."""

from __future__ import annotations

import inspect
import sys
import threading
import types
from collections.abc import Iterator

import pytest

from secaudit.assessment import scan as scanner
from secaudit.config.catalog import load_profile
from secaudit.core.errors import InputError, Interrupted
from secaudit.core.model import Target
from secaudit.probes import REGISTRY, ProbeSpec, default_probes, get_collector, probe_names
from secaudit.probes.base import ProbeContext, run_parallel

TARGETS = [Target(raw=f"t{i}", host=f"127.0.0.{60 + i}", port=1) for i in range(3)]


@pytest.mark.parametrize("name", probe_names())
def test_every_registered_probe_has_the_one_signature(name: str) -> None:
    collect = get_collector(name)
    params = list(inspect.signature(collect).parameters)
    assert params == ["targets", "context"], f"{name}: {params}"
    assert collect([], ProbeContext()) == []


def test_default_probes_are_the_contract_three() -> None:
    assert set(default_probes()) >= {"tls", "http", "ports"}
    assert scanner.parse_probes(None) == set(default_probes())
    with pytest.raises(InputError, match="unknown probe"):
        scanner.parse_probes("tls,nosuch")


@pytest.fixture()
def fake_probes(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, types.ModuleType]]:
    """Probes registered the way a new one is (module path in the registry), without checks."""
    mods: dict[str, types.ModuleType] = {}

    def add(name: str, collect: object) -> None:
        mod = types.ModuleType(f"fake_probe_{name}")
        mod.collect = collect  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, mod.__name__, mod)
        monkeypatch.setitem(REGISTRY, name, ProbeSpec(name, mod.__name__, default=False, progress=False))
        mods[name] = mod

    def echo(targets: list[Target], context: ProbeContext) -> list[dict]:
        return [
            {"host": t.host, "timeout": context.timeout, "params": sorted(context.params)} for t in targets
        ]

    def broken(targets: list[Target], context: ProbeContext) -> list[dict]:
        raise ValueError("boom")

    def short(targets: list[Target], context: ProbeContext) -> list[dict]:
        return [{}]

    add("echo", echo)
    add("broken", broken)
    add("short", short)
    yield mods


def test_scanner_runs_any_registered_probe_through_the_interface(fake_probes) -> None:
    profile = load_profile("level3")
    opts = scanner.ScanOptions(timeout=3.5, progress=False)
    results = scanner.scan(TARGETS, profile, {"echo", "broken", "short"}, opts)
    assert [r.target.raw for r in results] == ["t0", "t1", "t2"]  # order kept
    for r, t in zip(results, TARGETS, strict=True):
        obs = r.observations
        assert obs["echo"]["host"] == t.host and obs["echo"]["timeout"] == 3.5
        assert "sensitive_paths" in obs["echo"]["params"]  # the profile's parameters reach the probe
        assert obs["broken"] == {"error": "broken probe failed: ValueError: boom"}
        assert "returned 1 observations for 3 targets" in obs["short"]["error"]


def test_cancel_raises_interrupted_without_waiting_for_a_stuck_probe(fake_probes) -> None:
    release = threading.Event()
    entered = threading.Event()
    cancelled_seen: list[bool] = []

    def stuck(targets: list[Target], context: ProbeContext) -> list[dict]:
        context.on_cancel(lambda: cancelled_seen.append(True))
        entered.set()
        release.wait(60)  # ignores cancellation on purpose: the scanner must not wait for it
        return [{} for _ in targets]

    fake_probes["echo"].collect = stuck  # type: ignore[attr-defined]
    cancel = threading.Event()
    opts = scanner.ScanOptions(progress=False, cancel=cancel)
    threading.Thread(target=lambda: entered.wait(10) and cancel.set(), daemon=True).start()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            scanner.scan(TARGETS, load_profile("level3"), {"echo"}, opts)
        except BaseException as exc:  # noqa: BLE001 - the outcome is what is tested
            outcome.append(exc)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(20)
    release.set()
    assert outcome and isinstance(outcome[0], Interrupted), outcome
    assert isinstance(outcome[0], KeyboardInterrupt)  # no `except Exception` on the way swallows it


def test_on_cancel_hooks_run_once_and_late_ones_at_once() -> None:
    ctx = ProbeContext()
    calls: list[str] = []
    remove = ctx.on_cancel(lambda: calls.append("a"))
    ctx.on_cancel(lambda: calls.append("b"))
    remove()
    ctx.for_stage(lambda _i="": None).cancel_now()  # a stage's context shares the cancellation
    assert calls == ["b"] and ctx.cancelled()
    ctx.on_cancel(lambda: calls.append("late"))
    assert calls == ["b", "late"]


def test_run_parallel_keeps_order_and_stops_on_cancel() -> None:
    assert run_parallel(lambda x: x * 2, range(20), 4, ProbeContext()) == [x * 2 for x in range(20)]
    ctx = ProbeContext()
    gate = threading.Event()

    def slow(x: int) -> int:
        if x == 0:
            ctx.cancel_now()
        gate.wait(30)
        return x

    got = run_parallel(slow, range(5), 2, ctx)
    gate.set()
    assert None in got  # returned on cancel, without the unfinished items
