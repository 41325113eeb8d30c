"""Shared fixtures: one app per test session (layers load once), a test client."""

from __future__ import annotations

from pathlib import Path

import pytest

from web import create_app

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def app():
    return create_app({"testing": True})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def catalog(app):
    from web import services

    return services(app).catalog


@pytest.fixture(scope="session")
def artifacts_dir():
    """Where tests leave screenshots and sample files for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
