"""What a deployment measures about itself, for Prometheus (prometheus_client, the project's own client library).

Counters and histograms live in each process; `antrean web` with several worker processes keeps them in files under
PROMETHEUS_MULTIPROC_DIR (it sets one up), so that any worker's /metrics reports all of them together. The depths of
the inbox and the outbox are read from the database when Prometheus asks, not counted.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds: the webhook's answer, a tap's answer, a rush's queue.
_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

UPDATES = Counter("antrean_updates", "Updates the bot handled, by kind (message, callback_query, …)", ["kind"])
UPDATE_SECONDS = Histogram("antrean_update_seconds", "Time the bot took to handle an update", buckets=_LATENCY)
UPDATE_WAIT_SECONDS = Histogram(
    "antrean_update_wait_seconds", "Time an update waited in the inbox before a worker took it", buckets=_LATENCY
)
ANSWERED_AT_ONCE = Counter("antrean_taps_answered_at_once", "Taps answered 'in line' by the webhook while behind")
HOLDS = Counter("antrean_holds", "Places held for a party (each hold, however many places)")
BOOKINGS = Counter("antrean_bookings", "Bookings confirmed")
MOVES = Counter("antrean_moves", "Bookings moved by their owners to another date or time")
OFFERS = Counter("antrean_waitlist_offers", "Freed places offered to waiting parties, by how the offer ended", ["end"])
REFUSALS = Counter("antrean_refusals", "Refusals the bot gave applicants, by kind", ["code"])
OUTBOX_SENT = Counter("antrean_outbox_messages", "Messages the outbox settled, by outcome", ["outcome"])
ERRORS = Counter("antrean_errors", "Errors, by where they happened", ["where"])
