"""EAN-13 barcodes."""

from __future__ import annotations


def ean13_check_digit(first12: str) -> int:
    if len(first12) != 12 or not (first12.isascii() and first12.isdigit()):
        raise ValueError("an EAN-13 body is 12 digits")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def is_valid_ean13(code: str) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 13
        and code.isascii()
        and code.isdigit()
        and ean13_check_digit(code[:12]) == int(code[12])
    )


def make_ean13(first12: str) -> str:
    return first12 + str(ean13_check_digit(first12))


def code128_modules(text: str) -> str:
    """The bars and spaces of ``text`` in Code 128 ('1' a bar module, '0' a space), quiet zones excluded."""
    from barcode import Code128  # python-barcode: the symbology's tables and check digit

    return "".join(Code128(text).build())


def code128_svg(text: str, module_width: float = 2.0, height: int = 60, quiet: int = 10) -> str:
    """A Code 128 barcode of ``text`` as a self-contained SVG (bars as ``rect`` with ``fill``).

    Drawn without ``style`` attributes so a page under a strict Content-Security-Policy
    can carry it inline; the human-readable text is printed below the bars.
    """
    from html import escape

    modules = code128_modules(text)
    width = (len(modules) + 2 * quiet) * module_width
    rects: list[str] = []
    x = 0
    while x < len(modules):
        if modules[x] == "1":
            run = x
            while run < len(modules) and modules[run] == "1":
                run += 1
            rects.append(
                f'<rect x="{(quiet + x) * module_width:g}" y="0" '
                f'width="{(run - x) * module_width:g}" height="{height}"/>'
            )
            x = run
        else:
            x += 1
    total_height = height + 18
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="code128" role="img" '
        f'width="{width:g}" height="{total_height}" viewBox="0 0 {width:g} {total_height}" '
        f'data-code="{escape(text)}">'
        f'<rect x="0" y="0" width="{width:g}" height="{total_height}" fill="#fff"/>'
        f'<g fill="#000">{"".join(rects)}</g>'
        f'<text x="{width / 2:g}" y="{total_height - 3}" text-anchor="middle" '
        f'font-family="monospace" font-size="14" fill="#000">{escape(text)}</text></svg>'
    )
