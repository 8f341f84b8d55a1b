from pathlib import Path

import pytest

from pipelines.lib.contract.pseudonymisation import (
    SecretError,
    WarehouseKeys,
    ensure_demo_secret,
    first_given_name,
    normalise_name,
    read_secret,
)


def test_normalisation_of_names() -> None:
    assert normalise_name("Lefèvre-Martin") == "LEFEVREMARTIN"
    assert normalise_name("Bœuf") == "BOEUF"
    assert normalise_name("Lætitia") == "LAETITIA"
    assert normalise_name("Strauß") == "STRAUSS"
    assert normalise_name("  d'Artagnan 2 ") == "DARTAGNAN"
    assert first_given_name("Aïssatou, Marie") == "Aïssatou"


def test_secret_length_and_line_break(tmp_path: Path) -> None:
    (tmp_path / "s").write_bytes(b"x" * 32 + b"\r\n")
    assert read_secret(tmp_path / "s") == b"x" * 32
    (tmp_path / "t").write_bytes(b"x" * 31)
    with pytest.raises(SecretError, match="31 octets"):
        read_secret(tmp_path / "t")


def test_warehouse_keys_are_stable_and_differ_from_exchange_keys() -> None:
    keys = WarehouseKeys(b"k" * 32)
    exchange = "a" * 64
    assert keys.rekey(exchange) == keys.rekey(exchange) != exchange
    assert WarehouseKeys(b"l" * 32).rekey(exchange) != keys.rekey(exchange)
    assert len(keys.fingerprint()) == 16


def test_demo_secret_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "w.secret"
    assert ensure_demo_secret(path)
    first = path.read_bytes()
    assert not ensure_demo_secret(path)
    assert path.read_bytes() == first and len(read_secret(path)) == 64
    assert path.stat().st_mode & 0o077 == 0
