"""Settings from the environment take what people write, and a bad value is one readable line."""

from __future__ import annotations

import typing

import pytest
from pydantic_settings import BaseSettings, NoDecode

from credibility.errors import ConfigError
from credibility.settings import Settings, load_settings
from flows.config import FlowSettings, library_settings, load_flow_settings

LIST_FIELDS = ["allow_hosts", "allow_networks"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("CREDIBILITY_"):
            monkeypatch.delenv(name)


def _list_fields(model: type[BaseSettings]) -> list[str]:
    return [
        name
        for name, field in model.model_fields.items()
        if typing.get_origin(field.annotation) in (tuple, list)
    ]


@pytest.mark.parametrize("model", [Settings, FlowSettings])
def test_every_list_setting_takes_commas(model: type[BaseSettings]) -> None:
    # A new list field without the NoDecode annotation would only parse JSON again.
    for name in _list_fields(model):
        assert any(m is NoDecode for m in model.model_fields[name].metadata), name
    # ``resolve`` takes HOST=ADDRESS pairs (its own test below), the others names or networks.
    assert _list_fields(Settings) == [*LIST_FIELDS, "resolve"]


def test_resolve_takes_host_address_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIBILITY_RESOLVE", "wire.intranet=10.1.2.3, repost.test=127.0.0.1")
    assert load_settings().resolve == ("wire.intranet=10.1.2.3", "repost.test=127.0.0.1")
    monkeypatch.setenv("CREDIBILITY_RESOLVE", "wire.intranet")
    with pytest.raises(
        ConfigError, match=r"CREDIBILITY_RESOLVE='wire.intranet': expected HOST=ADDRESS pairs"
    ):
        load_settings()


@pytest.mark.parametrize("name", LIST_FIELDS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("127.0.0.1", ("127.0.0.1",)),
        ("a.example, b.example ,,c.example ", ("a.example", "b.example", "c.example")),
        ('["a.example", "b.example"]', ("a.example", "b.example")),
        (" [ ] ", ()),
        ("", ()),
    ],
)
def test_list_settings_comma_separated_or_json(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str, expected: tuple[str, ...]
) -> None:
    monkeypatch.setenv(f"CREDIBILITY_{name.upper()}", raw)
    assert getattr(load_settings(), name) == expected
    assert getattr(library_settings(), name) == expected


def test_list_settings_from_code() -> None:
    assert load_settings(allow_hosts=("x.example",)).allow_hosts == ("x.example",)
    assert Settings(allow_networks="10.0.0.0/8, 127.0.0.0/8").allow_networks == ("10.0.0.0/8", "127.0.0.0/8")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("CREDIBILITY_BATCH_SIZE", "sixteen", "expected a valid integer"),
        ("CREDIBILITY_BATCH_SIZE", "0", "expected a number greater than or equal to 1"),
        ("CREDIBILITY_ENCODER_BACKEND", "gpu", "expected 'torch', 'onnx' or 'onnx-int8'"),
        ("CREDIBILITY_CHECK_FAST_PATH", "maybe", "expected a valid boolean"),
        ("CREDIBILITY_ALLOW_HOSTS", '["a.example"', "not a valid JSON list"),
        ("CREDIBILITY_ALLOW_NETWORKS", '{"a": 1}', "expected a JSON list or items separated by commas"),
        ("CREDIBILITY_ALLOW_HOSTS", "[1, 2]", "item 0: expected a valid string"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, expected: str
) -> None:
    monkeypatch.setenv(variable, raw)
    for build in (load_settings, Settings, library_settings):
        with pytest.raises(ConfigError) as caught:
            build()
        message = str(caught.value)
        assert variable in message and repr(raw)[1:-1][:20] in message and expected in message, message
        assert "\n" not in message and "pydantic" not in message


def test_overrides_are_named_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"^invalid setting batch_size='x': expected a valid integer"):
        load_settings(batch_size="x")
    # The home given to a flow is checked the same way, and a good one overrides CREDIBILITY_HOME.
    monkeypatch.setenv("CREDIBILITY_HOME", "/elsewhere")
    assert str(library_settings("/data/home").home) == "/data/home"


def test_flow_list_and_good_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIBILITY_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("CREDIBILITY_WORKER_LIMIT", "8")
    monkeypatch.setenv("CREDIBILITY_ALLOW_HOSTS", "127.0.0.1,localhost")  # the library's, ignored here
    flow = load_flow_settings()
    assert (flow.timezone, flow.worker_limit) == ("Europe/Paris", 8)
    assert load_flow_settings(dask_workers=3).dask_workers == 3


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("CREDIBILITY_WORKER_LIMIT", "four", "expected a valid integer"),
        ("CREDIBILITY_CHECK_TIMEOUT", "-1", "expected a number greater than 0"),
        ("CREDIBILITY_EXECUTION", "cluster", "expected 'auto', 'worker' or 'local'"),
        ("CREDIBILITY_TIMEZONE", "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_flow_settings_bad_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str, expected: str
) -> None:
    monkeypatch.setenv(variable, raw)
    for build in (load_flow_settings, FlowSettings):
        with pytest.raises(ConfigError) as caught:
            build()
        message = str(caught.value)
        assert message.startswith(f"invalid {variable}={raw!r}: ") and expected in message, message
        assert "\n" not in message


def test_flow_settings_bad_library_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDIBILITY_IVF_NPROBE", "lots")
    with pytest.raises(
        ConfigError, match=r"^invalid CREDIBILITY_IVF_NPROBE='lots': expected a valid integer"
    ):
        library_settings("/tmp/somewhere")
