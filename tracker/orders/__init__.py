"""Shop connectors: native Shopify, WooCommerce and Stripe webhooks, checked
and turned into the tracker's own order events.

Pure code: each platform module verifies a signature and parses a body into
an event of `events`; the web route and the store decide what to do with it.
"""
