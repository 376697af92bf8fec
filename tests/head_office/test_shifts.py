"""Head office keeps each store's shifts from their events and shows them per store and day."""

from __future__ import annotations

import uuid

from head_office.storesync.apply import apply_event
from tests.head_office.test_languages import sign_in

SHIFT_ID = str(uuid.uuid4())
OPENED = {"id": SHIFT_ID, "store_id": 1, "register": "2", "cashier": "cashier1", "business_date": "2026-12-02",
          "opened_at": "2026-12-02T13:00:00.000Z", "opening_float_cents": 20000}


def closed(over_short: int) -> dict:
    return {**OPENED, "closed_at": "2026-12-02T21:30:00.000Z", "cash_expected_cents": 31250,
            "cash_counted_cents": 31250 + over_short, "over_short_cents": over_short,
            "report": {"cash_in_cents": 0, "cash_out_cents": 1500, "by_tender": {"cash": 12750, "card": 800}}}


def test_shift_events_make_one_row_per_shift(client, db_session, make_store, make_user, token_for) -> None:
    make_store()
    apply_event(db_session, 1, "shift_opened", OPENED)
    apply_event(db_session, 1, "cash_movement", {"id": str(uuid.uuid4()), "shift_id": SHIFT_ID, "store_id": 1,
                                                 "kind": "out", "amount_cents": 1500, "reason": "courier",
                                                 "occurred_at": "2026-12-02T15:00:00.000Z"})
    apply_event(db_session, 1, "shift_closed", closed(-70))
    apply_event(db_session, 1, "shift_closed", closed(-70))  # a replay changes nothing
    db_session.commit()
    make_user("chef", "chef-pw", "manager")
    headers = token_for('chef', 'chef-pw')
    items = client.get("/api/v1/shifts?store=1&from=2026-12-01&to=2026-12-02", headers=headers).json["items"]
    assert len(items) == 1
    shift = items[0]
    assert (shift["register"], shift["cashier"], shift["over_short_cents"]) == ("2", "cashier1", -70)
    assert shift["cash_out_cents"] == 1500 and shift["opened_at"] == "2026-12-02T13:00:00.000Z"
    assert client.get("/api/v1/shifts?from=2026-12-03", headers=headers).json["items"] == []
    assert client.get("/api/v1/shifts?store=abc", headers=headers).status_code == 422

    sign_in(client, "chef", "chef-pw")
    page = client.get("/shifts?from=2026-12-01&to=2026-12-02", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 décembre 2026" in text and "cashier1" in text and "-0,70\xa0$" in text
    assert "écart de la journée : -0,70\xa0$" in text and "8 h 00" in text  # 13:00 UTC in Montreal, EST


def test_a_shift_event_from_another_store_is_refused(db_session, make_store) -> None:
    import pytest

    from head_office.storesync.unappliable import Unappliable

    make_store()
    with pytest.raises(Unappliable):
        apply_event(db_session, 1, "shift_opened", {**OPENED, "store_id": 2})
