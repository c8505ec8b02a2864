"""The directory fixture the service tests use, so messages are built from real disputes."""

from tests.services.conftest import people as people
