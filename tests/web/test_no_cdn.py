"""Every page works offline: no asset is loaded from another host."""

from __future__ import annotations

import re

import pytest

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


@pytest.mark.parametrize("path", ["/api/v1/docs", "/login/"], ids=["api-docs", "login"])
def test_public_pages_load_nothing_from_other_hosts(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert EXTERNAL.findall(response.content.decode()) == []


def test_workspace_loads_nothing_from_other_hosts(client, agent):
    client.force_login(agent.user)
    response = client.get("/inbox/")
    assert response.status_code == 200
    assert EXTERNAL.findall(response.content.decode()) == []
