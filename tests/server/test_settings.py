from __future__ import annotations

from server.settings import DEFAULT_DATABASE_URL, Settings


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.port, settings.durable, settings.max_message_bytes) == (8000, True, 1 << 20)


def test_environment_overrides_and_durability_switch() -> None:
    settings = Settings.from_env(
        {"DATABASE_URL": "postgresql://db/x", "PORT": "9001", "DURABILITY": "off",
         "CONNECTIONS_PER_TOKEN": "3", "MESSAGES_PER_SECOND": "50"}
    )  # fmt: skip
    assert settings.database_url == "postgresql://db/x"
    assert (settings.port, settings.durable) == (9001, False)
    assert (settings.connections_per_token, settings.messages_per_second) == (3, 50.0)
