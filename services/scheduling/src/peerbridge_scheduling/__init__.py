"""PeerBridge scheduling: programs, people, sessions, attendance and care records; publishes through the outbox."""
