"""PeerBridge escalation: routes every safety signal to a clinician and climbs the ladder until someone acknowledges."""
