"""PeerBridge shared library: what every service uses to configure itself, log, trace,
and publish and consume events."""
