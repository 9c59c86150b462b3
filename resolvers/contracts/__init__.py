"""What partners build against: the published SDL, the reference operations and their
manifest, and the comparison of two schemas that decides whether a change breaks them."""
