"""What leaves the warehouse: disclosure control and the published files. Reads the warehouse
through `store`; never reads deliveries."""
