"""Fixtures shared by every test directory."""

import logging
import warnings

import pytest


@pytest.fixture
def quiet_dagster():
    """Real Dagster's run logs and deprecation warnings off, for side-by-side tests
    (``pytestmark = [..., pytest.mark.usefixtures("quiet_dagster")]``)."""
    logging.getLogger("dagster").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
