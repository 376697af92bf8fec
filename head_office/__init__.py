"""Head office: the chain's catalog, central stock, replenishment, reports and the sync endpoints."""
