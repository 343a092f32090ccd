"""Sending the notification outbox. Rows are written by booking.services inside the booking
transaction; ``enqueue`` is called after commit to get them sent.
"""

import logging

logger = logging.getLogger(__name__)


def enqueue(notification_id: int) -> None:
    """Hand a pending notification to the sender. The sending itself is not written yet."""
    logger.debug("notification %s enqueued", notification_id)
