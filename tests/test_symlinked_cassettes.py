"""A cassette reached through a symlink is the file it points to: writes replace that file (the
link stays a link), a dangling link's target is created, and every path to one file takes one
lock. Real files, a real recording proxy with the fake gateway."""

from __future__ import annotations

import os

import pytest
from conftest import proxied_client

from vcrproxy import load_cassette
from vcrproxy.cassette import CassetteError
from vcrproxy.modes import plan_for
from vcrproxy.store import atomic_write, cassette_lock


def test_recording_through_a_dangling_link_creates_its_target(run_proxy, gateway, ca_cert,
                                                               tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "new.yaml"
    link = tmp_path / "new.yaml"
    os.symlink(real, link)
    assert plan_for("record", str(link)).error is None
    assert plan_for("new-episodes", str(link)).error is None
    proxy = run_proxy(link, "record")
    with proxied_client(proxy, ca_cert) as client:
        assert client.get(f"{gateway.url}/json").status_code == 200
    proxy.stop()
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [i.request.url.rsplit("/", 1)[1] for i in load_cassette(real).interactions] == ["json"]


def test_new_episodes_through_a_link_appends_to_the_file_it_points_to(run_proxy, gateway,
                                                                       ca_cert, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "chat.yaml"
    link = tmp_path / "chat.yaml"
    os.symlink(real, link)
    for query in ("a=1", "b=2"):
        proxy = run_proxy(link, "new-episodes")
        with proxied_client(proxy, ca_cert) as client:
            assert client.get(f"{gateway.url}/json?{query}").status_code == 200
        proxy.stop()
    assert link.is_symlink()
    assert [i.request.url.rsplit("?", 1)[1] for i in load_cassette(real).interactions] == [
        "a=1", "b=2"]


def test_an_atomic_write_through_a_chain_of_links_replaces_the_last_target(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old", encoding="utf-8")
    os.chmod(real, 0o640)
    first, second = tmp_path / "first", tmp_path / "second"
    os.symlink(real, second)
    os.symlink(second, first)
    atomic_write(str(first), b"new")
    assert real.read_text(encoding="utf-8") == "new"
    assert first.is_symlink() and second.is_symlink()
    assert os.stat(real).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["first", "real.txt", "second"]


def test_two_paths_to_one_file_take_one_lock(tmp_path):
    """A writer on a linked cassette (tree/chat.yaml -> shared/chat.yaml) and `redact` on the
    real path must not both hold the lock: it is taken on the real file's folder."""
    shared, tree = tmp_path / "shared", tmp_path / "tree"
    shared.mkdir()
    tree.mkdir()
    (tree / "chat.yaml").symlink_to(shared / "chat.yaml")
    with cassette_lock(shared / "chat.yaml"):
        with pytest.raises(CassetteError, match="holds the cassette folder's lock"):
            with cassette_lock(tree / "chat.yaml", timeout=0.2):
                pass
