"""PeerBridge gateway: the front door: authentication, roles, tenant isolation, rate limits, real-time push."""
