"""The product catalog: what the business sells, at what price, and why buyers want it."""
