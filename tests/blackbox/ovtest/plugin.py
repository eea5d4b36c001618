"""Fixtures of the detection tests (loaded by conftest.py through `pytest_plugins`).

- `deployment`: one detecting deployment shared by the whole session (embedded: one serve
  with its in-process worker; scaled: two serve nodes and two `objectvision worker`s);
- `clusters`: a factory of deployments with their own settings, closed at the end of the test;
- `user`, `other_user`: fresh accounts on the shared deployment.
"""
import pytest

from . import api
from .cluster import Cluster


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes several seconds (kills processes, waits "
                                       "for timeouts); deselect with -m 'not slow'")


@pytest.fixture(scope="session")
def deployment(shape, tmp_path_factory):
    cluster = Cluster(shape, tmp_path_factory.mktemp("deployment"), nodes=2, workers=2)
    yield cluster
    cluster.close()


class ClusterFactory:
    def __init__(self, shape, root):
        self.shape = shape
        self.root = root
        self.made: list[Cluster] = []

    def __call__(self, nodes: int = 1, workers: int = 1, **settings) -> Cluster:
        cluster = Cluster(self.shape, self.root / f"cluster{len(self.made) + 1}", nodes,
                          workers, **settings)
        self.made.append(cluster)
        return cluster

    def close(self) -> None:
        problems = []
        for cluster in self.made:
            try:
                cluster.close()
            except AssertionError as e:
                problems.append(str(e))
        assert not problems, "\n".join(problems)


@pytest.fixture
def clusters(shape, tmp_path):
    factory = ClusterFactory(shape, tmp_path)
    yield factory
    factory.close()


@pytest.fixture
def user(deployment) -> api.Account:
    return api.new_account(deployment.api, "detect")


@pytest.fixture
def other_user(deployment) -> api.Account:
    return api.new_account(deployment.api, "other")
