"""LocalPodEngine: the pods noun of the engine API, over the container engine.

A pod verb is its containers' verb in the right order: start runs the infra container first
(members join its namespaces), stop/kill/rm act on the members first and the infra last. Each
pod gets one PodReport; a member's failure is the pod's error (Podman's behaviour).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pypod.core.pods import PodConfig
from pypod.domain.pods import PodCreateRequest, PodReport, PodSummary, PodTargets
from pypod.errors import Conflict, InvalidArgument, NotFound, PypodError
from pypod.local.pods_create import create_pod, pod_store
from pypod.log import get_logger

if TYPE_CHECKING:
    from pypod.local.engine import LocalEngine

log = get_logger(__name__)


def pod_status(states: list[str]) -> str:
    """Podman's pod status from its containers' state words (libpod's createPodStatusResults):
    Running, Degraded (some running), Paused (all), Exited (all stopped), Stopped (some
    stopped, none running), Error (a container in another state), else Created."""
    if not states:
        return "Created"
    running = states.count("running")
    stopped = sum(states.count(s) for s in ("exited", "stopped"))
    if running == len(states):
        return "Running"
    if running:
        return "Degraded"
    if states.count("paused") == len(states):
        return "Paused"
    if stopped == len(states):
        return "Exited"
    if stopped:
        return "Stopped"
    if any(s not in ("created", "configured", "paused") for s in states):
        return "Error"
    return "Created"


class LocalPodEngine:
    def __init__(self, engine: LocalEngine) -> None:
        self._engine = engine

    @property
    def store(self) -> Any:
        return pod_store(self._engine)

    # lookups ----------------------------------------------------------------------------------
    def create(self, req: PodCreateRequest) -> str:
        return create_pod(self._engine, req)

    def exists(self, name: str) -> bool:
        return bool(self.store.exists(name))

    def members(self, name: str) -> list[str]:
        pod = self.store.lookup(name)
        return self._ordered(pod)

    def _ordered(self, pod: PodConfig) -> list[str]:
        ids = self.store.members(pod.id)
        if pod.infra_id in ids:
            ids.remove(pod.infra_id)
            ids.insert(0, pod.infra_id)
        return ids

    def _states(self, pod: PodConfig) -> list[tuple[str, str, str]]:
        from pypod.core.model import state_word
        from pypod.local.container_recover import current

        cs = self._engine.container_store
        out = []
        for cid in self._ordered(pod):
            try:
                config, state = cs.get(cid)
                out.append((cid, config.name, state_word(current(self._engine, cid, state).status)))
            except NotFound:
                continue
        return out

    def _targets(self, t: PodTargets) -> list[PodConfig]:
        if t.all:
            return self.store.list()
        if t.latest:
            newest = self.latest()
            if newest is None:
                raise NotFound("no pods to act on: no such pod")
            return [self.store.get(newest)]
        if not t.names:
            raise InvalidArgument("you must provide at least one pod name or id")
        out = []
        for name in t.names:
            try:
                out.append(self.store.lookup(name))
            except NotFound:
                if not t.ignore:
                    raise
        return out

    def _each(
        self,
        t: PodTargets,
        fn: Callable[[PodConfig], None],
        keep: Callable[[PodConfig], bool] | None = None,
    ) -> list[PodReport]:
        reports = []
        for pod in self._targets(t):
            if keep is not None and not keep(pod):
                continue
            try:
                fn(pod)
                reports.append(PodReport(id=pod.id, name=pod.name))
            except PypodError as exc:
                reports.append(PodReport(id=pod.id, name=pod.name, error=exc))
        return reports

    # list / inspect ---------------------------------------------------------------------------
    def summary(self, pod: PodConfig) -> PodSummary:
        states = self._states(pod)
        return PodSummary(
            id=pod.id, name=pod.name, status=pod_status([s for _, _, s in states]),
            created=pod.created, infra_id=pod.infra_id, labels=dict(pod.labels),
            networks=self._networks(pod), cgroup_parent=pod.cgroup_parent,
            containers=tuple(states),
        )  # fmt: skip

    def _networks(self, pod: PodConfig) -> tuple[str, ...]:
        """The named networks the infra container joins (Podman's pod Networks)."""
        if not pod.infra_id:
            return ()
        try:
            config, _ = self._engine.container_store.get(pod.infra_id)
        except PypodError:
            return ()
        return tuple(config.networks)

    def latest(self) -> str | None:
        pods = self.store.list()  # oldest first
        return pods[-1].id if pods else None

    def list(self, filters: list[str]) -> list[PodSummary]:
        from pypod.local.pods_info import pod_filter

        keep = pod_filter(filters)
        return [s for s in (self.summary(p) for p in self.store.list()) if keep(s)]

    def inspect(self, names: list[str]) -> list[dict[str, Any]]:
        from pypod.local.pods_info import inspect_doc

        docs = []
        for n in names:
            pod = self.store.lookup(n)
            docs.append(inspect_doc(pod, self.summary(pod), self._userns(pod.infra_id),
                                    self._networks(pod)))  # fmt: skip
        return docs

    def _userns(self, infra_id: str) -> str:
        """The pod's user namespace mode, kept by its infra container (--userns)."""
        if not infra_id:
            return "host"
        try:
            config, _ = self._engine.container_store.get(infra_id)
        except PypodError:
            return "host"
        return config.userns_mode or "host"

    # lifecycle --------------------------------------------------------------------------------
    def start(self, t: PodTargets) -> list[PodReport]:
        from pypod.local.container_start import start_container

        def one(pod: PodConfig) -> None:
            ids = self._ordered(pod)
            if not ids:
                raise _no_containers(pod)
            for cid in ids:
                start_container(self._engine, cid)
            from pypod.local.pods_create import _emit

            _emit(self._engine, pod, "start")

        return self._each(t, one)

    def stop(self, t: PodTargets, timeout_s: int | None = None) -> list[PodReport]:
        def one(pod: PodConfig) -> None:
            self._stop(pod, timeout_s)
            from pypod.local.pods_create import _emit

            _emit(self._engine, pod, "stop")

        return self._each(t, one)

    def _stop(self, pod: PodConfig, timeout_s: int | None) -> None:
        from pypod.domain.containers_ops import StopRequest

        ids = self._ordered(pod)
        members = [c for c in ids if c != pod.infra_id]
        for group in (members, [pod.infra_id] if pod.infra_id in ids else []):
            if group:
                _raise_first(self._engine.containers.stop(
                    StopRequest(names=tuple(group), timeout_s=timeout_s, ignore=True)))  # fmt: skip

    def restart(self, t: PodTargets) -> list[PodReport]:
        def one(pod: PodConfig) -> None:
            from pypod.local.container_start import start_container

            ids = self._ordered(pod)
            if not ids:
                raise _no_containers(pod)
            self._stop(pod, None)
            for cid in ids:
                start_container(self._engine, cid)

        return self._each(t, one)

    def kill(self, t: PodTargets, signal: str = "KILL") -> list[PodReport]:
        from pypod.domain.containers_ops import KillRequest
        from pypod.local.container_stop import parse_signal

        parse_signal(signal)  # "invalid signal: X" before any pod is looked at

        def one(pod: PodConfig) -> None:
            # containers that are not running are skipped: a stopped pod "is killed" (Podman)
            running = [cid for cid, _, s in self._states(pod) if s in ("running", "paused")]
            members = [c for c in running if c != pod.infra_id]
            for group in (members, [c for c in running if c == pod.infra_id]):
                if group:
                    _raise_first(self._engine.containers.kill(
                        KillRequest(names=tuple(group), signal=signal)))  # fmt: skip

        return self._each(t, one)

    def _freeze(self, t: PodTargets, pause: bool) -> list[PodReport]:
        want = "running" if pause else "paused"

        def paused(pod: PodConfig) -> bool:
            return pod_status([s for _, _, s in self._states(pod)]) in ("Paused", "Degraded")

        def one(pod: PodConfig) -> None:
            ids = [cid for cid, _, s in self._states(pod) if s == want]
            if ids:
                verb = self._engine.containers.pause if pause else self._engine.containers.unpause
                _raise_first(verb(ids))

        # unpause acts on (and reports) only Paused or Degraded pods (Podman 4.3)
        return self._each(t, one, None if pause else paused)

    def pause(self, t: PodTargets) -> list[PodReport]:
        return self._freeze(t, True)

    def unpause(self, t: PodTargets) -> list[PodReport]:
        return self._freeze(t, False)

    def remove(
        self, t: PodTargets, force: bool = False, timeout_s: int | None = None
    ) -> list[PodReport]:
        def one(pod: PodConfig) -> None:
            self._remove(pod, force, timeout_s)

        return self._each(t, one)

    def _remove(self, pod: PodConfig, force: bool, timeout_s: int | None) -> None:
        from pypod.domain.containers_ops import RemoveRequest

        states = self._states(pod)
        busy = [cid for cid, _, s in states if s in ("running", "paused")]
        # a running infra container alone does not need --force (Podman stops it)
        if not force and any(c != pod.infra_id for c in busy):
            raise _not_removable(pod, states, busy)
        if busy:
            self._stop(pod, timeout_s)
        ids = [cid for cid, _, _ in states]
        members = [c for c in ids if c != pod.infra_id]
        for group in (members, [c for c in ids if c == pod.infra_id]):
            if group:
                _raise_first(self._engine.containers.remove(RemoveRequest(
                    names=tuple(group), force=True, ignore=True, timeout_s=timeout_s)))  # fmt: skip
        from pypod.local.pods_cgroup import remove as remove_cgroup

        remove_cgroup(pod.cgroup_path)
        self.store.remove(pod.id)
        from pypod.local.pods_create import _emit

        _emit(self._engine, pod, "remove")

    def prune(self) -> list[PodReport]:
        reports = []
        for pod in self.store.list():
            # Podman prunes the pods that are Exited or Stopped, not Created or empty ones
            if pod_status([s for _, _, s in self._states(pod)]) not in ("Exited", "Stopped"):
                continue
            try:
                self._remove(pod, False, None)
                reports.append(PodReport(id=pod.id, name=pod.name))
            except PypodError as exc:
                reports.append(PodReport(id=pod.id, name=pod.name, error=exc))
        return reports

    def clone(self, name: str, new_name: str = "", destroy: bool = False) -> str:
        from pypod.local.pods_info import clone_pod

        return clone_pod(self._engine, self.store.lookup(name), new_name, destroy)

    def top(self, name: str, descriptors: list[str]) -> Iterator[list[str]]:
        """Rows of every running member's processes (one header row first)."""
        from pypod.local.container_top import require_descriptors

        require_descriptors(descriptors)
        try:
            pod = self.store.lookup(name)
        except NotFound as exc:
            raise type(exc)(f"unable to look up requested container: {exc}") from exc
        header_done = False
        for cid, _, state in self._states(pod):
            if state != "running":
                continue
            rows = self._engine.containers.top(cid, descriptors)
            if rows and not header_done:
                yield rows[0]
                header_done = True
            yield from rows[1:]


def _no_containers(pod: PodConfig) -> NotFound:
    return NotFound(
        f"no containers in pod {pod.id} have no dependencies, cannot start pod: no such container"
    )


def _not_removable(pod: PodConfig, states: list[tuple[str, str, str]], busy: list[str]) -> Conflict:
    """Podman's error for `pod rm` of a pod with running containers: one line per container
    that cannot go, in its multi-error form (members first, then the infra they depend on).
    Unlike Podman, pypod then removes nothing of the pod."""
    stuck = "containers cannot be removed without force: container state improper"
    lines = []
    members = [cid for cid, _, _ in states if cid != pod.infra_id]
    for cid in [*members, *(c for c, _, _ in states if c == pod.infra_id)]:
        if cid == pod.infra_id and members:
            why = f"a container that depends on container {cid} still exists: dependency exists"
        elif cid in busy:
            why = f"cannot remove container {cid} as it is running - running or paused {stuck}"
        else:
            continue
        lines.append(f"* removing container {cid} from pod {pod.id}: {why}")
    head = "1 error occurred" if len(lines) == 1 else f"{len(lines)} errors occurred"
    return Conflict(f"{head}:\n\t" + "\n\t".join(lines) + "\n\n")


def _raise_first(reports: list[Any]) -> None:
    for r in reports:
        if r.error is not None:
            raise r.error
