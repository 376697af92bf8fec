"""The domain diagram is drawn from the live metadata: every table, column and foreign key."""

from __future__ import annotations

import re

from demo.diagram import entities, mermaid, svg
from head_office.models import Base


def test_mermaid_names_every_entity_column_and_relation():
    text = mermaid()
    assert text.startswith("erDiagram\n")
    for table in Base.metadata.sorted_tables:
        assert f"    {table.name} {{" in text
        for column in table.columns:
            assert re.search(rf"^        \w+ {column.name}\b", text, re.M), (table.name, column.name)
        for fk in table.foreign_keys:
            assert f"{fk.column.table.name} " in text and f'{table.name} : "{fk.parent.name}"' in text
    assert 'stores ||--o{ sales : "store_id"' in text
    assert 'products |o--o{ sale_lines : "product_id"' in text
    assert "        uuid id PK" in text and "        string sku UK" in text


def test_svg_has_a_box_per_entity_and_a_line_per_foreign_key():
    picture = svg()
    assert picture.startswith("<svg") and picture.rstrip().endswith("</svg>")
    assert picture.count('<g class="entity"') == len(Base.metadata.sorted_tables)
    assert picture.count('<path class="relation"') == sum(
        len(t.foreign_keys) for t in Base.metadata.sorted_tables
    )
    assert 'id="entity-replenishment_history"' in picture


def test_a_new_model_appears_without_touching_the_diagram_code():
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table

    metadata = MetaData()
    Table("shelves", metadata, Column("id", Integer, primary_key=True), Column("label", String(20)))
    Table(
        "bins",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("shelf_id", ForeignKey("shelves.id"), nullable=False),
    )
    assert [e.name for e in entities(metadata)] == ["shelves", "bins"]
    assert 'shelves ||--o{ bins : "shelf_id"' in mermaid(metadata)
    assert svg(metadata).count('<path class="relation"') == 1


def test_cli_writes_svg_or_mermaid(runner, tmp_path):
    out_svg = tmp_path / "domain.svg"
    result = runner("head-office", "diagram", "--output", str(out_svg))
    assert result.exit_code == 0, result.output
    assert out_svg.read_text(encoding="utf-8").startswith("<svg")
    out_mmd = tmp_path / "domain.mmd"
    assert runner("head-office", "diagram", "-o", str(out_mmd)).exit_code == 0
    assert out_mmd.read_text(encoding="utf-8") == mermaid()
    printed = runner("head-office", "diagram")
    assert printed.exit_code == 0 and printed.output == mermaid()


def test_domain_page_is_for_managers(client, demo_chain):
    import re as regex

    def sign_in(username, password):
        page = client.get("/login").get_data(as_text=True)
        token = regex.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    sign_in("manager", "manager")
    page = client.get("/domain")
    assert page.status_code == 200 and 'class="domain-diagram"' in page.get_data(as_text=True)
    assert client.get("/domain.mmd").get_data(as_text=True) == mermaid()
