"""Central stock (the warehouse) and each store's stock as head office knows it."""
