"""Attribution a marketer can defend: which campaign, creator and source an
order is credited to, and why. One pure function, used by every path that
decides it (the report, the orders list, imports and webhooks): no store,
no Flask, no clock.

1. The order's click id credits the click's creator and source only if the
   click is human, was made no later than the order (to the second: shops
   record order times in whole seconds), and lies within the attribution
   window of the click's campaign (`attribution_days`).
2. Otherwise the promo code credits the code's creator, and its source if
   the code names one (codes know no window).
3. Otherwise the order is not any campaign's.

A click id that did not credit the order is "passed over", with the first
reason that applies: unknown_id, bot_click, click_after_order, outside_window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..vocabulary import PASSED_OVER

UNKNOWN_ID, BOT_CLICK, CLICK_AFTER_ORDER, OUTSIDE_WINDOW = PASSED_OVER
#: A credited order whose source is not known (a code that names none).
UNATTRIBUTED = "unattributed"


@dataclass(frozen=True)
class Credit:
    """Where an order belongs. campaign_id None: nobody's.

    bucket: organic | sponsored | unknown (the click's source) or
    unattributed (a code that names no source). passed_over: why the order's
    click id did not credit it (None without a click id, or when it did);
    passed_over_campaign_id: that click's campaign (None for an unknown id).
    conflict: the click credited the order and its code names another creator.
    """

    campaign_id: int | None
    creator_id: int | None
    bucket: str | None
    method: str | None  # click | code | None
    passed_over: str | None
    passed_over_campaign_id: int | None
    conflict: bool


NOBODY = Credit(None, None, None, None, None, None, False)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def click_rejection(order_at: str, click: Mapping | None) -> str | None:
    """Why a click may not credit an order made at order_at; None if it may.

    click: is_bot, at (UTC ISO text) and attribution_days (of the click's
    campaign); None when the click id is not one we issued.
    """
    if click is None:
        return UNKNOWN_ID
    if int(click["is_bot"]):
        return BOT_CLICK
    order_moment = _moment(order_at)
    click_moment = _moment(click["at"]).replace(microsecond=0)
    if click_moment > order_moment:
        return CLICK_AFTER_ORDER
    if order_moment - click_moment > timedelta(days=int(click["attribution_days"])):
        return OUTSIDE_WINDOW
    return None


def attribute(
    order_at: str, click_id: str | None, click: Mapping | None, code: Mapping | None
) -> Credit:
    """The credit of one order.

    order_at: the order's time (UTC ISO text). click_id: the click id the
    order carried, if any; click: that click (campaign_id, creator_id,
    source, is_bot, at, attribution_days) or None if it is unknown. code:
    the promo code the order used (campaign_id, creator_id, source) or None.
    """
    rejection = click_rejection(order_at, click) if click_id else None
    passed_campaign = click["campaign_id"] if rejection and click is not None else None
    if click_id and rejection is None:
        assert click is not None  # no rejection: the click is known
        conflict = code is not None and code["creator_id"] != click["creator_id"]
        return Credit(
            click["campaign_id"],
            click["creator_id"],
            click["source"],
            "click",
            None,
            None,
            conflict,
        )
    if code is not None:
        return Credit(
            code["campaign_id"],
            code["creator_id"],
            code["source"] or UNATTRIBUTED,
            "code",
            rejection,
            passed_campaign,
            False,
        )
    return Credit(None, None, None, None, rejection, passed_campaign, False)
