"""The demo data set (`manage.py seed_demo`, `make demo`): data.json, read by dataset.py;
seed.py generates vendors and writes everything; rfp.py adds a live request for proposal."""

from engagements.demo.seed import DEMO_PASSWORD, DEMO_VENDOR_SLUG, seed_demo

__all__ = ["DEMO_PASSWORD", "DEMO_VENDOR_SLUG", "seed_demo"]
