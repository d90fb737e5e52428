"""The argon2 cost knob (settings.passwords): production keeps argon2-cffi's defaults; the tests run at the
lowest cost (conftest.py), and a hash keeps the cost it was made with."""

from __future__ import annotations

from argon2 import PasswordHasher

from core.settings import PasswordSettings
from services import accounts


def test_the_default_cost_is_argon2s_own():
    default, ours = PasswordHasher(), PasswordSettings()
    assert (ours.time_cost, ours.memory_kib, ours.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism)


def test_a_stored_hash_verifies_after_the_cost_changes():
    before = accounts._hasher
    cheap = accounts.hash_secret("secret")
    try:
        accounts.use_password_cost(**PasswordSettings().model_dump())
        assert "m=65536,t=3,p=4" in accounts.hash_secret("secret")
        assert accounts.verify_secret(cheap, "secret") and not accounts.verify_secret(cheap, "other")
    finally:  # back to the tests' cost, and its refusal time
        accounts.use_password_cost(time_cost=before.time_cost, memory_kib=before.memory_cost,
                                   parallelism=before.parallelism)
    assert "m=8,t=1,p=1" in accounts.hash_secret("secret")
