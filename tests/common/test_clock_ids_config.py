import uuid
from datetime import UTC, date, datetime

import pytest

from common import config
from common.barcodes import is_valid_ean13, make_ean13
from common.clock import business_date, business_day_bounds, isoformat_z, parse_instant
from common.ids import uuid7


def test_a_sale_at_2330_in_montreal_is_that_days_business():
    # 23:30 EST on 2026-01-15 is 04:30 UTC on the 16th
    instant = datetime(2026, 1, 16, 4, 30, tzinfo=UTC)
    assert business_date(instant, "America/Montreal") == date(2026, 1, 15)
    assert business_date(instant, "UTC") == date(2026, 1, 16)


def test_business_day_in_summer_time():
    # 23:30 EDT on 2026-07-01 is 03:30 UTC on the 2nd
    assert business_date(datetime(2026, 7, 2, 3, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert business_date(datetime(2026, 7, 2, 4, 0, tzinfo=UTC)) == date(2026, 7, 2)


def test_business_day_bounds_follow_daylight_saving():
    start, end = business_day_bounds(date(2026, 3, 8), "America/Montreal")  # DST starts: 23 h day
    assert (end - start).total_seconds() == 23 * 3600
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        business_date(datetime(2026, 1, 1, 12, 0))


def test_instants_round_trip_as_utc_text():
    instant = datetime(2026, 1, 16, 4, 30, 1, 123000, tzinfo=UTC)
    assert isoformat_z(instant) == "2026-01-16T04:30:01.123Z"
    assert parse_instant("2026-01-15T23:30:01.123-05:00") == instant


def test_uuid7_ids_are_version_7_and_ordered():
    ids = [uuid7() for _ in range(2000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids, key=lambda u: u.int)
    assert len(set(ids)) == len(ids)
    assert isinstance(ids[0], uuid.UUID)


def test_ean13_check_digit():
    assert make_ean13("400638133393") == "4006381333931"
    assert is_valid_ean13("4006381333931")
    assert not is_valid_ean13("4006381333932")
    assert not is_valid_ean13("40063813339")


def test_config_from_environment_and_toml(tmp_path):
    toml = tmp_path / "comptoir.toml"
    toml.write_text('database_url = "postgresql://u:pw@db/comptoir"\ntoken_ttl_hours = 4\n')
    effective = config.load(
        environ={"COMPTOIR_CONFIG": str(toml), "COMPTOIR_TOKEN_TTL_HOURS": "2", "COMPTOIR_SECRET_KEY": "s3"}
    )
    assert effective["DATABASE_URL"] == "postgresql://u:pw@db/comptoir"
    assert effective["TOKEN_TTL_HOURS"] == 2  # the environment wins over the file
    shown = config.masked(effective)
    assert shown["SECRET_KEY"] == "****"
    assert shown["DATABASE_URL"] == "postgresql://u:****@db/comptoir"


def test_config_file_errors_are_readable(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("database_url = ")
    with pytest.raises(ValueError, match="not valid TOML"):
        config.load(environ={"COMPTOIR_CONFIG": str(bad)})
    with pytest.raises(ValueError, match="cannot read"):
        config.load(environ={"COMPTOIR_CONFIG": str(tmp_path / "missing.toml")})
