"""The head-office domain model drawn from the live SQLAlchemy metadata (so it cannot go stale).

- :func:`mermaid` gives a Mermaid ``erDiagram`` (entities, columns with PK/FK/UK marks,
  one relation per foreign key);
- :func:`svg` draws the same as a self-contained SVG: tables laid out in columns by
  foreign-key depth (a table sits right of every table it refers to), relations as
  curves from the referred table to the referring column.

``comptoir head-office diagram [--output FILE]`` writes either; the console's
"Domain" page shows the SVG.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from sqlalchemy import Column, MetaData, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql

from head_office.models import Base

TYPE_NAMES = {
    "INTEGER": "int",
    "BIGINT": "bigint",
    "SMALLINT": "int",
    "VARCHAR": "string",
    "TEXT": "text",
    "BOOLEAN": "bool",
    "DATE": "date",
    "DATETIME": "datetime",
    "TIMESTAMP": "datetime",
    "UUID": "uuid",
    "JSONB": "json",
    "JSON": "json",
    "NUMERIC": "decimal",
    "TIMESTAMP WITH TIME ZONE": "datetime",
}


def type_name(column: Column) -> str:
    try:
        raw = column.type.compile(dialect=postgresql.dialect()).split("(")[0].strip().upper()
    except Exception:  # noqa: BLE001 - a dialect-only type: fall back on its class name
        raw = type(column.type).__name__.upper()
    return TYPE_NAMES.get(raw, raw.lower())


@dataclass
class Entity:
    name: str
    columns: list[tuple[str, str, str]]  # (name, type, marks like "PK,FK")
    refs: list[tuple[str, str, bool]] = field(default_factory=list)  # (column, referred table, nullable)


def entities(metadata: MetaData | None = None) -> list[Entity]:
    metadata = metadata or Base.metadata
    out = []
    for table in metadata.sorted_tables:
        unique = {c.name for c in table.columns if c.unique} | {
            cons.columns.keys()[0]
            for cons in table.constraints
            if isinstance(cons, UniqueConstraint) and len(cons.columns) == 1
        }
        columns = []
        for column in table.columns:
            marks = [
                m
                for m, on in (
                    ("PK", column.primary_key),
                    ("FK", bool(column.foreign_keys)),
                    ("UK", column.name in unique and not column.primary_key),
                )
                if on
            ]
            columns.append((column.name, type_name(column), ",".join(marks)))
        refs = []
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
            refs.append((fk.parent.name, fk.column.table.name, bool(fk.parent.nullable)))
        out.append(Entity(table.name, columns, refs))
    return out


def mermaid(metadata: MetaData | None = None) -> str:
    items = entities(metadata)
    lines = ["erDiagram"]
    for entity in items:
        for column, target, nullable in entity.refs:
            left = "|o" if nullable else "||"
            lines.append(f'    {target} {left}--o{{ {entity.name} : "{column}"')
    for entity in items:
        lines.append(f"    {entity.name} {{")
        for name, kind, marks in entity.columns:
            lines.append(f"        {kind} {name}{' ' + marks if marks else ''}")
        lines.append("    }")
    return "\n".join(lines) + "\n"


# SVG ----------------------------------------------------------------------------------------

BOX_W = 250
ROW_H = 17
HEAD_H = 26
COL_GAP = 120
ROW_GAP = 26
MARGIN = 20


def _depths(items: list[Entity]) -> dict[str, int]:
    depth: dict[str, int] = {}
    for entity in items:  # sorted_tables: referred tables come first
        parents = [depth.get(t, 0) for _, t, _ in entity.refs if t != entity.name]
        depth[entity.name] = 1 + max(parents) if parents else 0
    return depth


def layout(items: list[Entity], max_height: int = 1150) -> dict[str, tuple[float, float, float, float]]:
    """Boxes (x, y, w, h): one band of columns per foreign-key depth, a band split into
    several columns when it would be taller than ``max_height``."""
    depth = _depths(items)
    bands: dict[int, list[Entity]] = {}
    for entity in items:
        bands.setdefault(depth[entity.name], []).append(entity)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    column = 0
    for _, members in sorted(bands.items()):
        y = float(MARGIN)
        for entity in members:
            height = HEAD_H + ROW_H * len(entity.columns) + 6
            if y > MARGIN and y + height > max_height:
                column += 1
                y = float(MARGIN)
            boxes[entity.name] = (MARGIN + column * (BOX_W + COL_GAP), y, float(BOX_W), float(height))
            y += height + ROW_GAP
        column += 1
    return boxes


def svg(metadata: MetaData | None = None) -> str:
    items = entities(metadata)
    boxes = layout(items)
    width = max(x + w for x, _, w, _ in boxes.values()) + MARGIN
    height = max(y + h for _, y, _, h in boxes.values()) + MARGIN
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="domain-diagram" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="system-ui, sans-serif" font-size="12" '
        f'role="img" aria-label="Head-office domain model: {len(items)} entities">',
        "<title>Head-office domain model</title>",
        '<defs><marker id="many" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" '
        'orient="auto"><path d="M0,0 L10,5 L0,10" fill="none" stroke="#52606d"/></marker></defs>',
    ]
    # Relations first, so the boxes are drawn over them.
    for entity in items:
        cx, cy, _, _ = boxes[entity.name]
        names = [c[0] for c in entity.columns]
        for column, target, nullable in entity.refs:
            tx, ty, tw, th = boxes[target]
            y2 = cy + HEAD_H + ROW_H * names.index(column) + ROW_H / 2
            x1, y1 = tx + tw, ty + HEAD_H / 2
            x2 = cx
            if target == entity.name or x1 > x2:  # self reference or same column: loop on the left
                x1, x2 = tx, cx
                mid = min(x1, x2) - 40
                path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            else:
                mid = (x1 + x2) / 2
                path = f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            dash = ' stroke-dasharray="4 3"' if nullable else ""
            out.append(
                f'<path class="relation" d="{path}" fill="none" stroke="#829ab1" stroke-width="1.2"{dash} '
                f'marker-end="url(#many)"><title>{escape(entity.name)}.{escape(column)} → '
                f"{escape(target)}</title></path>"
            )
    for entity in items:
        x, y, w, h = boxes[entity.name]
        out.append(f'<g class="entity" id="entity-{escape(entity.name)}">')
        out.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="5" fill="#fff" '
            'stroke="#334e68"/>'
        )
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{HEAD_H}" rx="5" fill="#102a43"/>')
        out.append(
            f'<text x="{x + 8:.0f}" y="{y + 17:.0f}" fill="#fff" font-weight="700">'
            f"{escape(entity.name)}</text>"
        )
        for i, (name, kind, marks) in enumerate(entity.columns):
            ty = y + HEAD_H + ROW_H * i + 13
            weight = ' font-weight="700"' if "PK" in marks else ""
            out.append(f'<text x="{x + 8:.0f}" y="{ty:.0f}"{weight}>{escape(name)}</text>')
            out.append(
                f'<text x="{x + w - 8:.0f}" y="{ty:.0f}" text-anchor="end" fill="#627d98">'
                f"{escape(kind)}{(' ' + escape(marks)) if marks else ''}</text>"
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def table_names(metadata: MetaData | None = None) -> list[str]:
    return [t.name for t in (metadata or Base.metadata).sorted_tables]


__all__ = ["Entity", "Table", "entities", "layout", "mermaid", "svg", "table_names"]
