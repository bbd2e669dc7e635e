"""ContainerStore on a real SQLite file: records, lookup rules, indexes, exec sessions, reboots."""

from __future__ import annotations

import os
import secrets
import time

import pytest

from pypod import records
from pypod.core.containers import ContainerStore
from pypod.core.db import SCHEMA_VERSION, StateDB
from pypod.core.model import ContainerConfig, ContainerState, Mount, Status, VolumeConfig
from pypod.errors import Conflict, ContainerNotFound, NameInUse, NotFound, VolumeNotFound


@pytest.fixture
def cs(tmp_path):
    store = ContainerStore.open(str(tmp_path / "graph"), str(tmp_path / "run"))
    yield store
    store.close()


def config(name: str = "", cid: str = "", **kw: object) -> ContainerConfig:
    cid = cid or secrets.token_hex(32)
    fields: dict[str, object] = {
        "id": cid,
        "name": name or "c-" + cid[:8],
        "created": time.time(),
        "image_id": "i" * 64,
        "image_name": "localhost/busybox:latest",
    }
    fields.update(kw)
    return ContainerConfig(**fields)  # type: ignore[arg-type]


def test_create_get_roundtrip(cs):
    c = config(
        "web",
        mounts=(Mount(type="volume", source="data", destination="/d", options=("ro",)),),
        labels={"a": "b"},
    )
    cs.create(c, ContainerState())
    got, st = cs.get(c.id)
    assert got == c
    assert st.status is Status.CONFIGURED
    assert cs.volume_users("data") == [c.id]
    assert cs.users_of_image("i" * 64) == [c.id]


def test_duplicate_name_and_id(cs):
    c = config("dup")
    cs.create(c, ContainerState())
    with pytest.raises(NameInUse, match='the container name "dup" is already in use'):
        cs.create(config("dup"), ContainerState())
    with pytest.raises(Conflict):
        cs.create(records.replace(c, name="other"), ContainerState())


def test_random_name_retries_on_collision(cs):
    first = cs.create(config("taken"), ContainerState())
    second = cs.create(config("taken"), ContainerState(), random_name=True)
    assert first.name == "taken"
    assert second.name != "taken" and "_" in second.name
    assert cs.get(second.id)[0].name == second.name


def test_lookup_name_id_prefix_ambiguous(cs):
    a = config("alpha", cid="abc" + "0" * 61)
    b = config("beta", cid="abd" + "0" * 61)
    for c in (a, b):
        cs.create(c, ContainerState())
    assert cs.lookup("alpha") == a.id
    assert cs.lookup(a.id) == a.id
    assert cs.lookup("abc") == a.id
    with pytest.raises(ContainerNotFound, match='more than one result for container ID "ab"'):
        cs.lookup("ab")
    with pytest.raises(ContainerNotFound, match='no container with name or ID "zzz" found'):
        cs.lookup("zzz")
    with pytest.raises(ContainerNotFound):
        cs.lookup("")


def test_name_wins_over_id_prefix(cs):
    a = config("abc", cid="f" * 64)
    b = config("other", cid="abc" + "1" * 61)
    cs.create(a, ContainerState())
    cs.create(b, ContainerState())
    assert cs.lookup("abc") == a.id


def test_list_newest_first_and_states(cs):
    ids = []
    for i in range(5):
        c = config(f"n{i}", created=1000.0 + i)
        cs.create(c, ContainerState())
        ids.append(c.id)
    listed = [c.id for c, _ in cs.list()]
    assert listed == list(reversed(ids))
    cs.set_state(ids[0], ContainerState(status=Status.RUNNING, pid=42))
    assert cs.get_state(ids[0]).pid == 42
    assert cs.list_states()[ids[0]].status is Status.RUNNING
    assert list(cs.iter_ids()) == ids


def test_set_config_renames_and_reindexes(cs):
    a = config("one", mounts=(Mount(type="volume", source="v1", destination="/x"),))
    b = config("two")
    cs.create(a, ContainerState())
    cs.create(b, ContainerState())
    with pytest.raises(NameInUse):
        cs.set_config(records.replace(a, name="two"))
    cs.set_config(
        records.replace(
            a,
            name="renamed",
            mounts=(Mount(type="volume", source="v2", destination="/x"),),
            dependencies=(b.id,),
        )
    )
    assert cs.lookup("renamed") == a.id
    with pytest.raises(ContainerNotFound):
        cs.lookup("one")  # not hex: cannot match an id prefix
    assert cs.volume_users("v1") == [] and cs.volume_users("v2") == [a.id]
    assert cs.dependents(b.id) == [a.id]


def test_remove_clears_everything(cs):
    c = config("gone", mounts=(Mount(type="volume", source="v", destination="/v"),))
    cs.create(c, ContainerState())
    cs.add_exec(c.id, "e1", {"pid": 1})
    with cs.locked(c.id):
        pass
    assert os.path.exists(os.path.join(cs.lock_dir, c.id + ".lock"))
    cs.remove(c.id)
    with pytest.raises(ContainerNotFound):
        cs.get(c.id)
    with pytest.raises(ContainerNotFound):
        cs.remove(c.id)
    with pytest.raises(NotFound):
        cs.get_exec("e1")
    assert cs.volume_users("v") == []
    assert not os.path.exists(os.path.join(cs.lock_dir, c.id + ".lock"))


def test_exec_sessions(cs):
    c = config("x")
    cs.create(c, ContainerState())
    cs.add_exec(c.id, "s1", {"cmd": ["sh"], "running": True})
    assert cs.get_exec("s1") == (c.id, {"cmd": ["sh"], "running": True})
    cs.update_exec("s1", {"running": False, "exit_code": 3})
    assert cs.execs_of(c.id) == {"s1": {"running": False, "exit_code": 3}}
    cs.remove_exec("s1")
    with pytest.raises(NotFound, match="no such exec session"):
        cs.update_exec("s1", {})
    with pytest.raises(ContainerNotFound):
        cs.add_exec("nope", "s2", {})


def test_volume_records_and_prefix(cs):
    cs.create_volume(VolumeConfig(name="data1", created=1.0, labels={"a": "b"}))
    cs.create_volume(VolumeConfig(name="data2", created=2.0))
    cs.create_volume(VolumeConfig(name="logs", created=3.0))
    with pytest.raises(Conflict, match="volume with name logs already exists"):
        cs.create_volume(VolumeConfig(name="logs"))
    assert cs.volume("data1").labels == {"a": "b"}
    assert cs.volume("lo").name == "logs"
    with pytest.raises(VolumeNotFound, match="more than one result"):
        cs.volume("data")
    with pytest.raises(VolumeNotFound, match='no volume with name "x" found: no such volume'):
        cs.volume("x")
    assert [v.name for v in cs.volumes()] == ["data1", "data2", "logs"]
    cs.set_volume_state("logs", {"mount_count": 2})
    assert cs.volume_state("logs") == {"mount_count": 2}
    cs.remove_volume("logs")
    with pytest.raises(VolumeNotFound):
        cs.volume_state("logs")


def test_reboot_detection_and_reset(cs):
    assert not cs.rebooted()
    running = config("r")
    created = config("c")
    exited = config("e")
    cs.create(running, ContainerState(status=Status.RUNNING, pid=10, conmon_pid=9))
    cs.create(created, ContainerState(status=Status.CREATED, pid=11))
    cs.create(exited, ContainerState(status=Status.EXITED, exit_code=3))
    cs.create_volume(VolumeConfig(name="v"))
    cs.set_volume_state("v", {"mount_count": 1, "mounted": True, "copied_up": True})
    cs.add_exec(running.id, "s", {})
    # what a reboot looks like from the database: another boot id recorded
    with cs.db.write() as conn:
        conn.execute("UPDATE meta SET value = 'old-boot' WHERE key = 'boot_id'")
    assert cs.rebooted()
    changed = cs.reset_after_reboot()
    assert sorted(changed) == sorted([running.id, created.id, exited.id])
    assert not cs.rebooted()
    st = cs.get_state(running.id)
    assert (st.status, st.pid, st.conmon_pid) == (Status.EXITED, 0, 0)
    assert cs.get_state(created.id).status is Status.CONFIGURED
    assert cs.get_state(exited.id).exit_code == 3
    assert cs.volume_state("v") == {}
    assert cs.execs_of(running.id) == {}
    assert cs.reset_after_reboot() == []  # once per boot


def test_schema_version_and_reopen(tmp_path):
    path = str(tmp_path / "c.db")
    db = StateDB(path)
    assert db.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert db.query("PRAGMA journal_mode")[0][0] == "wal"
    db.close()
    StateDB(path).close()  # migrations are idempotent


def test_lock_is_exclusive_across_descriptors(cs):
    import fcntl

    c = config("l")
    cs.create(c, ContainerState())
    path = os.path.join(cs.lock_dir, c.id + ".lock")
    with cs.locked(c.id):
        fd = os.open(path, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)
