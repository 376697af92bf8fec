"""The demo chain: five stores, a catalog of realistic products, demo users.

Head office's ``seed --demo`` and a store node's ``store seed --demo`` both
read this, so a node tried alone sells the same catalog as the chain.
Basic groceries are zero-rated in Quebec (``exempt``); the rest is taxable.
"""

from __future__ import annotations

from typing import Any

from .barcodes import make_ean13

STORES: list[dict[str, Any]] = [
    {"id": 1, "code": "S01", "name": "Plateau", "timezone": "America/Montreal",
     "address": "4210, rue Saint-Denis | Montréal (Québec) H2J 2K8"},
    {"id": 2, "code": "S02", "name": "Vieux-Montréal", "timezone": "America/Montreal",
     "address": "355, rue Notre-Dame Ouest | Montréal (Québec) H2Y 1T9"},
    {"id": 3, "code": "S03", "name": "Laval", "timezone": "America/Montreal",
     "address": "1600, boulevard Le Corbusier | Laval (Québec) H7S 1Y9"},
    {"id": 4, "code": "S04", "name": "Longueuil", "timezone": "America/Montreal",
     "address": "825, rue Saint-Laurent Ouest | Longueuil (Québec) J4K 2V1"},
    {"id": 5, "code": "S05", "name": "Québec", "timezone": "America/Montreal",
     "address": "1040, avenue Cartier | Québec (Québec) G1R 2S1"},
]

# The demo chain's tax registration numbers (printed on every receipt).
GST_NUMBER = "123456789 RT0001"
QST_NUMBER = "1234567890 TQ0001"

# (sku, name, category, price_cents, tax_class, reorder_point, max_stock)
_CATALOG = [
    ("GRO-001", "Whole milk 2 L", "Grocery", 589, "exempt", 12, 60),
    ("GRO-002", "Free-range eggs, dozen", "Grocery", 649, "exempt", 10, 50),
    ("GRO-003", "Sourdough bread 680 g", "Grocery", 499, "exempt", 8, 40),
    ("GRO-004", "Salted butter 454 g", "Grocery", 729, "exempt", 8, 40),
    ("GRO-005", "Aged cheddar 400 g", "Grocery", 899, "exempt", 6, 30),
    ("GRO-006", "Maple syrup 540 mL", "Grocery", 1299, "exempt", 6, 36),
    ("GRO-007", "Ground coffee 340 g", "Grocery", 1149, "exempt", 8, 40),
    ("GRO-008", "Orange juice 1.75 L", "Grocery", 549, "exempt", 10, 48),
    ("GRO-009", "Penne rigate 900 g", "Grocery", 279, "exempt", 12, 60),
    ("GRO-010", "Crushed tomatoes 796 mL", "Grocery", 229, "exempt", 12, 72),
    ("GRO-011", "Rolled oats 1 kg", "Grocery", 449, "exempt", 8, 40),
    ("GRO-012", "Honey 500 g", "Grocery", 899, "exempt", 5, 24),
    ("SNK-001", "Sea salt chips 200 g", "Snacks", 399, "standard", 12, 60),
    ("SNK-002", "Dark chocolate bar 100 g", "Snacks", 349, "standard", 15, 80),
    ("SNK-003", "Sparkling water 12 x 355 mL", "Snacks", 799, "standard", 10, 48),
    ("SNK-004", "Cola 2 L", "Snacks", 299, "standard", 12, 60),
    ("SNK-005", "Trail mix 300 g", "Snacks", 699, "standard", 8, 40),
    ("SNK-006", "Gummy bears 180 g", "Snacks", 249, "standard", 12, 60),
    ("HOU-001", "Dish soap 740 mL", "Household", 399, "standard", 8, 40),
    ("HOU-002", "Paper towels, 6 rolls", "Household", 1199, "standard", 6, 30),
    ("HOU-003", "Toilet paper, 12 rolls", "Household", 1399, "standard", 6, 30),
    ("HOU-004", "Laundry detergent 1.47 L", "Household", 1299, "standard", 5, 24),
    ("HOU-005", "Garbage bags, 40 count", "Household", 899, "standard", 6, 30),
    ("HOU-006", "All-purpose cleaner 950 mL", "Household", 549, "standard", 6, 30),
    ("HOU-007", "LED bulb 60 W equivalent", "Household", 499, "standard", 10, 50),
    ("HOU-008", "AA batteries, 8 pack", "Household", 1099, "standard", 8, 40),
    ("PER-001", "Toothpaste 100 mL", "Personal care", 379, "standard", 10, 50),
    ("PER-002", "Shampoo 400 mL", "Personal care", 749, "standard", 6, 30),
    ("PER-003", "Bar soap, 4 pack", "Personal care", 599, "standard", 8, 40),
    ("PER-004", "Sunscreen SPF 30 240 mL", "Personal care", 1499, "standard", 4, 20),
    ("PER-005", "Hand sanitizer 250 mL", "Personal care", 449, "standard", 8, 40),
    ("PER-006", "Disposable razors, 5 pack", "Personal care", 899, "standard", 5, 25),
    ("STA-001", "Ballpoint pens, 10 pack", "Stationery", 499, "standard", 8, 40),
    ("STA-002", "Spiral notebook 200 pages", "Stationery", 349, "standard", 10, 50),
    ("STA-003", "Sticky notes, 6 pads", "Stationery", 649, "standard", 6, 30),
    ("STA-004", "Printer paper 500 sheets", "Stationery", 899, "standard", 5, 25),
    ("STA-005", "Clear tape, 3 rolls", "Stationery", 449, "standard", 6, 30),
    ("HAR-001", "Claw hammer 16 oz", "Hardware", 1999, "standard", 3, 12),
    ("HAR-002", "Screwdriver set, 6 pieces", "Hardware", 2499, "standard", 3, 12),
    ("HAR-003", "Duct tape 48 mm x 55 m", "Hardware", 899, "standard", 5, 25),
    ("HAR-004", "Wood screws, 100 pack", "Hardware", 749, "standard", 5, 25),
    ("HAR-005", "Extension cord 3 m", "Hardware", 1299, "standard", 4, 16),
    ("BAB-001", "Diapers size 3, 84 count", "Baby", 3299, "exempt", 4, 20),
    ("BAB-002", "Baby wipes, 3 x 72", "Baby", 999, "standard", 5, 25),
    ("PET-001", "Dry dog food 4 kg", "Pets", 2799, "standard", 3, 15),
    ("PET-002", "Cat litter 7 kg", "Pets", 1249, "standard", 4, 16),
]


def products(count: int | None = None) -> list[dict]:
    """The demo catalog; ``count`` beyond its size adds numbered generic items."""
    items = []
    for index, (sku, name, category, price, tax_class, reorder, max_stock) in enumerate(_CATALOG):
        items.append(
            {
                "sku": sku,
                "barcode": make_ean13(f"0628{index + 1:08d}"),
                "name": name,
                "category": category,
                "price_cents": price,
                "tax_class": tax_class,
                "reorder_point": reorder,
                "max_stock": max_stock,
            }
        )
    if count is not None:
        extra = max(0, count - len(items))
        for n in range(1, extra + 1):
            items.append(
                {
                    "sku": f"GEN-{n:05d}",
                    "barcode": make_ean13(f"0629{n:08d}"),
                    "name": f"General item {n}",
                    "category": "General",
                    "price_cents": 199 + (n * 37) % 4800,
                    "tax_class": "standard",
                    "reorder_point": 5,
                    "max_stock": 30,
                }
            )
        items = items[:count] if count < len(items) else items
    return items


def initial_store_stock(product: dict, store_id: int) -> int:
    """Opening on-hand at a store: between the reorder point and max stock."""
    spread = product["max_stock"] - product["reorder_point"]
    return product["reorder_point"] + 1 + (hash_sku(product["sku"]) + store_id * 7) % max(spread, 1)


def initial_central_stock(product: dict) -> int:
    return product["max_stock"] * 10


def hash_sku(sku: str) -> int:
    """A stable small number from a SKU (Python's hash() is salted per process)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(sku))


MANAGER: dict[str, Any] = {"username": "manager", "password": "manager", "role": "manager", "store_id": None}
ADMIN: dict[str, Any] = {"username": "admin", "password": "admin", "role": "admin", "store_id": None}


def users(store_count: int = 5) -> list[dict[str, Any]]:
    """Demo users: the head-office manager and admin, a cashier and a store manager per store."""
    out: list[dict[str, Any]] = [dict(MANAGER), dict(ADMIN)]
    for n in range(1, store_count + 1):
        out.append({"username": f"cashier{n}", "password": "cashier", "role": "cashier", "store_id": n})
        out.append(
            {"username": f"storemgr{n}", "password": "storemgr", "role": "store_manager", "store_id": n}
        )
    return out
