"""What managers and cashiers see across the chain: a restock request's whole life, a price change."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from head_office.catalog.operations import update_product
from head_office.models import Replenishment
from head_office.replenishment.operations import approve, ship


def test_a_restock_request_is_approved_in_part_shipped_and_received(make_store, head_office, chain_db):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    before = node.scalar("SELECT on_hand FROM stock WHERE sku = 'HOU-002'")
    created = node.api("POST", "/restock-requests", {"sku": "HOU-002", "qty": 20})
    assert created.status_code == 201, created.json
    request_id = created.json["id"]
    node.runner.push(wait=True)

    with Session(chain_db) as session:
        rep = session.scalar(select(Replenishment).where(Replenishment.request_id == request_id))
        assert rep.status == "requested" and rep.qty_requested == 20
        approve(session, rep.id, "manager", qty=12)
        session.commit()
        ship(session, rep.id, "manager")
        session.commit()
        central = session.execute(
            text(
                "SELECT c.on_hand, c.reserved, c.in_transit FROM central_stock c JOIN products p ON p.id = c.product_id"
                " WHERE p.sku = 'HOU-002'"
            )
        ).one()
    assert central[1] == 0 and central[2] == 12

    node.runner.pull(wait=True)
    listed = {r["id"]: r for r in node.api("GET", "/restock-requests").json["items"]}
    assert listed[request_id]["status"] == "shipped"
    assert listed[request_id]["qty_shipped"] == 12

    received = node.api("POST", f"/restock-requests/{request_id}/receive", {"qty": 11})  # one was broken
    assert received.status_code in (200, 201), received.json
    assert node.scalar("SELECT on_hand FROM stock WHERE sku = 'HOU-002'") == before + 11
    node.runner.push(wait=True)
    with Session(chain_db) as session:
        rep = session.scalar(select(Replenishment).where(Replenishment.request_id == request_id))
        assert (rep.status, rep.qty_received) == ("received", 11)
        in_transit = session.execute(
            text(
                "SELECT c.in_transit FROM central_stock c JOIN products p ON p.id = c.product_id"
                " WHERE p.sku = 'HOU-002'"
            )
        ).scalar()
        assert in_transit == 0
        loss = session.execute(
            text("SELECT sum(qty) FROM stock_movements WHERE kind = 'transit_loss'")
        ).scalar()
        assert loss == -1  # one unit lost in transit, written off
        store_view = session.execute(
            text(
                "SELECT s.on_hand FROM store_stock s JOIN products p ON p.id = s.product_id"
                " WHERE s.store_id = 1 AND p.sku = 'HOU-002'"
            )
        ).scalar()
    assert store_view == node.scalar("SELECT on_hand FROM stock WHERE sku = 'HOU-002'")
    node.runner.pull(wait=True)
    assert node.api("GET", "/restock-requests").json["items"][0]["status"] == "received"


def test_a_price_edited_at_head_office_applies_at_the_till_and_old_sales_keep_theirs(
    make_store, head_office, chain_db
):
    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    old_sale = node.sell([("SNK-003", 1)])
    assert old_sale["lines"][0]["unit_price_cents"] == 799
    with Session(chain_db) as session:
        update_product(session, "SNK-003", {"price_cents": 849}, "manager")
        session.commit()
    node.runner.pull(wait=True)
    new_sale = node.sell([("SNK-003", 1)])
    assert new_sale["lines"][0]["unit_price_cents"] == 849
    kept = node.api("GET", f"/sales/{old_sale['id']}").json
    assert kept["lines"][0]["unit_price_cents"] == 799


def test_a_user_added_at_head_office_can_sign_in_at_the_till(make_store, head_office, chain_db):
    from head_office.users.operations import add_user

    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    with Session(chain_db) as session:
        add_user(session, "marie", "long-password", "cashier", 1)
        add_user(session, "paul", "long-password", "cashier", 2)  # another store's cashier
        session.commit()
    node.runner.pull(wait=True)
    client = node.app.test_client()
    ok = client.post("/api/v1/session", json={"username": "marie", "password": "long-password"})
    assert ok.status_code in (200, 201), ok.json
    other = client.post("/api/v1/session", json={"username": "paul", "password": "long-password"})
    assert other.status_code == 401


def test_a_language_chosen_at_head_office_follows_the_user_to_the_till(make_store, head_office, chain_db):
    import re

    import requests

    from tests.store_node.test_till_pages import login

    node = make_store(1, head_office)
    node.runner.pull(wait=True)
    till = node.app.test_client()
    login(till, "cashier1", "cashier")
    assert "Sign out" in till.get("/sell", headers={"Accept-Language": "en"}).get_data(as_text=True)

    # cashier1 signs in at the head-office console and chooses French there
    console = requests.Session()
    console.headers["Accept-Language"] = "en"
    page = console.get(head_office + "/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = console.post(head_office + "/login",
                          data={"csrf_token": token, "username": "cashier1", "password": "cashier"})
    assert signed.status_code == 200 and "Sign out" in signed.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', signed.text).group(1)
    chosen = console.post(head_office + "/language",
                          data={"csrf_token": token, "language": "fr", "next": "/"})
    assert chosen.status_code == 200 and "Se déconnecter" in chosen.text

    # the next pull carries it: the till speaks French to cashier1 whatever the browser says
    node.runner.pull(wait=True)
    assert node.scalar("SELECT language FROM users WHERE username = 'cashier1'") == "fr"
    page = till.get("/sell", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Se déconnecter" in page and "Panier" in page
