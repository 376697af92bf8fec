"""Server-made SVG charts for the console (no JavaScript, no CDN: works on a LAN with no internet).

Amounts are integer cents; labels are formatted by Babel for the reader's ``locale``
(``21,68 $`` and ``1,2 k$`` in French, ``$21.68`` and ``$1.2K`` in English).
Every bar carries a ``<title>`` (a tooltip in browsers) with its exact figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from babel.numbers import format_compact_currency
from markupsafe import Markup

from common.i18n import money

PALETTE = ["#0b6e4f", "#2f80ed", "#f2994a", "#9b51e0", "#eb5757", "#219653", "#56ccf2", "#bb6bd9"]


def _nice_max(value: int) -> int:
    """A round upper bound for an axis (in cents): 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 100
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 2, 2.5, 5, 10):
        bound = int(step * magnitude)
        if bound >= value:
            return bound
    return 10 * magnitude


def _short(cents: int, locale: str) -> str:
    """An axis label: whole dollars, thousands and millions shortened as the language does."""
    return format_compact_currency(Decimal(cents // 100), "CAD", locale=locale, fraction_digits=1)


def bar_chart(rows: Sequence[tuple[str, int]], title: str, width: int = 520, locale: str = "en_CA") -> Markup:
    """Horizontal bars, one per row (label, cents)."""
    bar_h, gap, left, right, top = 22, 8, 150, 90, 8
    height = top + len(rows) * (bar_h + gap) + 4
    top_value = max([v for _, v in rows] + [0])
    scale = (width - left - right) / _nice_max(top_value) if top_value > 0 else 0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(0.0, value * scale)
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
            f'fill="{PALETTE[i % len(PALETTE)]}"><title>{escape(label)}: {money(value, locale)}</title>'
            "</rect>"
        )
        parts.append(
            f'<text x="{left + w + 6:.1f}" y="{y + 15}" font-size="12">{money(value, locale)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    days: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    title: str,
    width: int = 900,
    height: int = 260,
    locale: str = "en_CA",
    day_label: str = "day",
) -> Markup:
    """Columns per day, stacked by series (name, one value per day). Negative days (more
    returned than sold) are drawn at zero height, their figure in the tooltip."""
    left, right, top, bottom = 64, 12, 14, 46
    n = max(1, len(days))
    totals = [sum(max(0, s[1][i]) for s in series) for i in range(len(days))]
    bound = _nice_max(max(totals + [0]))
    plot_h = height - top - bottom
    slot = (width - left - right) / n
    bar_w = max(2.0, slot * 0.72)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart column-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for k in range(5):
        value = bound * k // 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e7eb"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#52606d">'
            f"{_short(value, locale)}</text>"
        )
    label_every = max(1, round(n / 12))
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        base: float = top + plot_h
        total = sum(s[1][i] for s in series)
        for j, (name, values) in enumerate(series):
            value = max(0, values[i])
            h = plot_h * value / bound if bound else 0
            base -= h
            parts.append(
                f'<rect class="bar" data-date="{day}" x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(day)} '
                f"{escape(name)}: {money(values[i], locale)} "
                f"({escape(day_label)}: {money(total, locale)})</title></rect>"
            )
        if i % label_every == 0 or i == n - 1:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11" fill="#52606d">{escape(day[5:])}</text>'
            )
    if len(series) > 1:
        key_x = left
        for j, (name, _) in enumerate(series):
            parts.append(
                f'<rect x="{key_x}" y="{height - 16}" width="10" height="10" '
                f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            )
            parts.append(f'<text x="{key_x + 14}" y="{height - 7}" font-size="11">{escape(name)}</text>')
            key_x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))
