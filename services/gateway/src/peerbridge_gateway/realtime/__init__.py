"""Escalation events pushed to the clinicians who may see them (WebSocket and SSE), fed by the
fan-out process through Redis: a bounded stream per organization (resume by last event id) and a
pub/sub channel that wakes every gateway replica."""
