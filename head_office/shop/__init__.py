"""The online shop: customers, carts, orders, the checkout saga, payments and fulfilment."""
