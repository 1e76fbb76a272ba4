"""The build never touches the network and never reads outside the project."""
from __future__ import annotations

import socket

import pytest

from conftest import copy_fixture, run


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_a_full_build_opens_no_socket(no_network, tmp_path, capsys):
    project = copy_fixture("small", tmp_path)
    code, _, err = run(["build", "--force", "-q", "--project", str(project)], capsys)
    assert code == 0, err
    assert no_network == []


def test_remote_stylesheet_fails_without_a_connection(no_network, tmp_path, capsys):
    project = copy_fixture("small", tmp_path)
    (project / "styles").mkdir()
    (project / "styles" / "extra.css").write_text("@import url(https://example.com/x.css);\nbody { background: url(http://example.com/b.png) }\n")
    (project / "book.yaml").write_text((project / "book.yaml").read_text() + "stylesheets: [styles/extra.css]\n")
    code, _, err = run(["build", "-q", "--project", str(project)], capsys)
    assert code == 1 and "refused to fetch 'https://example.com/x.css'" in err
    assert no_network == []


def test_fetcher_refuses_paths_outside_its_roots(tmp_path):
    from book.render.fetcher import ProjectFetcher, ResourceRefused

    inside = tmp_path / "project" / "a.css"
    inside.parent.mkdir()
    inside.write_text("p {}")
    fetcher = ProjectFetcher([inside.parent])
    assert fetcher.fetch(inside.as_uri()).read() == b"p {}"
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"
    for url in ("file:///etc/passwd", (inside.parent / ".." / "x.css").as_uri(), "http://example.com/", "ftp://x/y"):
        with pytest.raises(ResourceRefused):
            fetcher.fetch(url)
